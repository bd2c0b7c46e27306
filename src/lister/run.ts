/**
 * Running a lister: page by page from where it stands, each page's origins written to the
 * scheduler's listed origins with the state after it (one transaction), the next page fetched
 * while one is written. A run after a failed or killed one
 * resumes from the saved state; a run after a complete one starts from the state it ended with
 * (incremental). A failure (after the client's retries) ends the run as failed and throws.
 *
 * @module
 */

import type { SqlVisitScheduler } from '../scheduler/index.js'
import type { ForgeMetadataRecorder } from './forge-metadata.js'
import type { ListerHttp } from './http.js'
import type { Lister } from './interface.js'
import type { ListerInstance, ListerStore } from './state.js'

/** What one run did. */
export interface ListerRunResult {
  readonly pages: number
  readonly origins: number
  readonly added: number
}

/** Runs `lister` to the end of its listing (or to a failure, thrown after being recorded). */
export async function runLister(
  lister: Lister,
  deps: {
    readonly http: ListerHttp
    readonly store: ListerStore
    readonly visits: SqlVisitScheduler
    readonly clock?: () => number
    /** Where the forge JSON of each origin is recorded (docs/metadata.md); none: not kept. */
    readonly metadata?: ForgeMetadataRecorder
  },
): Promise<ListerRunResult> {
  const now = deps.clock ?? Date.now
  const known = await deps.store.get(lister.type, lister.url)
  let instance: ListerInstance = {
    type: lister.type,
    url: lister.url,
    state:
      known === null || known.status === 'registered'
        ? lister.initialState()
        : known.status === 'complete'
          ? lister.resumeAfterComplete(known.completeState ?? known.state)
          : known.state,
    completeState: known?.completeState ?? null,
    status: 'running',
    lastRun: now(),
    lastError: null,
    originsFound: known?.originsFound ?? 0,
  }
  await deps.store.save(instance)
  let pages = 0
  let origins = 0
  let added = 0
  const lst = `${lister.type}:${lister.url}`
  // the next page is fetched while this one is written (its state saved with it, in one
  // transaction); a failure of either ends the run as failed, from the last state saved
  let pending = lister.page(instance.state, deps.http)
  try {
    for (;;) {
      const page = await pending
      if (page.next !== null) {
        pending = lister.page(page.next, deps.http)
        pending.catch(() => undefined) // awaited on the next turn; not unhandled meanwhile
      }
      const done = page.next === null
      // before the origins: a page listed again after a crash finds its JSON already recorded
      if (deps.metadata && page.metadata) await deps.metadata.record(page.metadata)
      const before = instance
      let saved: ListerInstance = before
      const res = await deps.visits.addOrigins(
        page.origins.map((o) => ({ ...o, lister: lst })),
        async (tx, added) => {
          saved = {
            ...before,
            state: page.next ?? before.state,
            completeState: done ? before.state : before.completeState,
            status: done ? 'complete' : 'running',
            originsFound: before.originsFound + added,
          }
          await deps.store.save(saved, tx)
        },
      )
      instance = saved
      pages++
      origins += page.origins.length
      added += res.added
      if (done) return { pages, origins, added }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    await deps.store.save({ ...instance, status: 'failed', lastError: message })
    throw e
  }
}
