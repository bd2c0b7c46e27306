/**
 * Keeping listings fresh: a worker's periodic job that enqueues a `list-forge` task (the same
 * task Add Forge Now's first listing runs, see `forge-task.ts`) for every lister instance whose
 * last run is older than the re-listing interval. A listing is incremental where the forge
 * allows it, so a re-run asks only for what changed. One process at a time runs the job
 * (`runJobOnce`); an instance that already has a queued or running `list-forge` task, or whose
 * lister is running, is left alone.
 *
 * @module
 */

import {
  type PeriodicJob,
  PRIORITY,
  runJobOnce,
  type TaskQueue,
  type TaskState,
} from '../scheduler/index.js'
import type { SqlDatabase } from '../storage/index.js'
import { LIST_FORGE_TASK, type ListForgeArgs } from './add-forge.js'
import { ListerStore } from './state.js'

/** Default time between two listings of one instance: one day. */
export const RELIST_INTERVAL_MS = 24 * 3600 * 1000

/** Settings of {@link relistJob}. */
export interface RelistJobInit {
  /** The scheduler's database (lister instances, the job's row). */
  readonly db: SqlDatabase
  readonly queue: TaskQueue
  /** This process's name (recorded as the job's last holder). */
  readonly holder: string
  /** How often the instances are looked at, across every process (default 10 minutes). */
  readonly everyMs?: number
  /** Time between two listings of one instance (default {@link RELIST_INTERVAL_MS}). */
  readonly intervalMs?: number
  readonly now?: () => number
  /** Told the instances a run enqueued listings for. */
  readonly onEnqueued?: (instances: readonly { type: string; url: string }[]) => void
}

const PENDING: readonly TaskState[] = ['queued', 'running']

/** The re-listing job (see the module's comment). */
export function relistJob(init: RelistJobInit): PeriodicJob {
  const everyMs = init.everyMs ?? 10 * 60 * 1000
  const intervalMs = init.intervalMs ?? RELIST_INTERVAL_MS
  const now = init.now ?? Date.now
  return {
    everyMs,
    async run() {
      const t = now()
      if (!(await runJobOnce(init.db, 'relist', init.holder, everyMs, t))) return
      const due = (await new ListerStore(init.db).list()).filter(
        (i) =>
          (i.status === 'complete' || i.status === 'failed') &&
          i.lastRun !== null &&
          t - i.lastRun >= intervalMs,
      )
      if (due.length === 0) return
      const busy = new Set<string>()
      for (const state of PENDING) {
        let afterId: number | undefined
        for (;;) {
          const page = await init.queue.list({
            kind: LIST_FORGE_TASK,
            state,
            limit: 500,
            ...(afterId === undefined ? {} : { afterId }),
          })
          for (const task of page) {
            const a = task.args as Partial<ListForgeArgs> | null
            if (a && typeof a.type === 'string') busy.add(`${a.type} ${a.url}`)
          }
          if (page.length < 500) break
          afterId = page[page.length - 1]!.id
        }
      }
      const fresh = due.filter((i) => !busy.has(`${i.type} ${i.url}`))
      if (fresh.length === 0) return
      await init.queue.enqueue(
        fresh.map((i) => {
          const args: ListForgeArgs = { type: i.type, url: i.url }
          return { kind: LIST_FORGE_TASK, origin: i.url, args, priority: PRIORITY.recurrent }
        }),
      )
      init.onEnqueued?.(fresh.map((i) => ({ type: i.type, url: i.url })))
    },
  }
}
