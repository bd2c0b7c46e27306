/**
 * Running a lister: page by page from where it stands, each page's origins written to the
 * scheduler's listed origins and the state saved after it. A run after a failed or killed one
 * resumes from the saved state; a run after a complete one starts from the state it ended with
 * (incremental). A failure (after the client's retries) ends the run as failed and throws.
 *
 * @module
 */

import type { SqlVisitScheduler } from '../scheduler/index.js'
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
  try {
    for (;;) {
      const page = await lister.page(instance.state, deps.http)
      const lst = `${lister.type}:${lister.url}`
      const res = await deps.visits.addOrigins(page.origins.map((o) => ({ ...o, lister: lst })))
      pages++
      origins += page.origins.length
      added += res.added
      const done = page.next === null
      instance = {
        ...instance,
        state: page.next ?? instance.state,
        completeState: done ? instance.state : instance.completeState,
        status: done ? 'complete' : 'running',
        originsFound: instance.originsFound + res.added,
      }
      await deps.store.save(instance)
      if (done) return { pages, origins, added }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    await deps.store.save({ ...instance, status: 'failed', lastError: message })
    throw e
  }
}
