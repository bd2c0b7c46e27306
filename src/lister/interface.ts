/**
 * What a lister is: a forge's paged listing, walked page by page from a JSON state that says
 * where the next page starts. The runner (`run.ts`) saves the state after every page, so a
 * killed lister continues where it stopped, and starts a later run from the state the last
 * complete run ended with (incremental listing).
 *
 * @module
 */

import type { ListedOriginInit } from '../scheduler/index.js'
import type { ForgeMetadata } from './forge-metadata.js'
import type { ListerHttp } from './http.js'

/** A lister's state: plain JSON. */
export type ListerState = Readonly<Record<string, string | number | null>>

/** One page: its origins, and the state after it (null: the listing is complete). */
export interface ListerPage {
  readonly origins: readonly ListedOriginInit[]
  readonly next: ListerState | null
  /** The forge's JSON of each origin, when the forge answers with one (recorded as metadata). */
  readonly metadata?: readonly ForgeMetadata[]
}

/** A forge's listing. */
export interface Lister {
  /** The forge type (`github`, `gitlab`). */
  readonly type: string
  /** The instance's base URL. */
  readonly url: string
  /** Where a first listing starts. */
  initialState(): ListerState
  /**
   * Where a listing after a complete one starts (the same state when the forge allows an
   * incremental listing, `initialState()` when it does not).
   */
  resumeAfterComplete(done: ListerState): ListerState
  /** Fetches the page `state` says; throws when the forge's answer is not a page. */
  page(state: ListerState, http: ListerHttp): Promise<ListerPage>
}
