/**
 * The Bazaar loader: one visit of a Bazaar (Breezy) branch — a local path or `file://` URL,
 * `bzr://` (`brz serve`), `bzr+ssh://`, or HTTP(S) — run by the loader core with the bzr
 * producer (`producer.ts`). Needs Breezy (`brz`, Debian's `brz` package). Conventions, all
 * Software Heritage's: docs/loader-bzr.md.
 *
 * @module
 */

import { runLoad } from '../core/run.js'
import type { LoadOptions, LoadResult } from '../core/types.js'
import { splitRemoteUrl } from '../origin-url.js'
import { BzrProducer } from './producer.js'

/** Options of {@link loadBzr}. */
export interface BzrLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents (default 100 MiB). */
  readonly maxContentSize?: number
}

/**
 * Loads (visits) the Bazaar branch at `url` into the archive.
 *
 * @example
 * ```ts
 * const r = await loadBzr('bzr://127.0.0.1:4155/trunk', { storage, scratchDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export async function loadBzr(url: string, options: BzrLoadOptions): Promise<LoadResult> {
  const producer = new BzrProducer(splitRemoteUrl(url), {
    maxContentSize: options.maxContentSize ?? 100 * 1024 * 1024,
  })
  return runLoad(producer, options)
}
