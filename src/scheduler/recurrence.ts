/**
 * What ties the worker to the recurrent visits: the statistics updated when a load task ends,
 * and `scheduleDue` as a periodic job that one process at a time runs.
 *
 * @module
 */

import type { ClaimedTask } from './interface.js'
import { isLoadTaskResult, visitTypeOfKind } from './load-tasks.js'
import type { SqlVisitScheduler } from './visits.js'
import type { PeriodicJob, TaskEnd } from './worker.js'

/**
 * A worker's `onEnded`: records the visit of a load task that ended (done, or failed for good)
 * in the origin's statistics. A failure that will be retried records nothing yet (the task is
 * still queued), nor does a task handed back or lost.
 */
export function recordLoadEnd(
  visits: SqlVisitScheduler,
  clock: () => number = Date.now,
): (task: ClaimedTask, end: TaskEnd) => Promise<void> {
  return async (task, end) => {
    const visitType = visitTypeOfKind(task.kind)
    if (visitType === null || task.origin === null) return
    if (end.state === 'done' && isLoadTaskResult(end.result)) {
      const r = end.result
      await visits.recordVisit(task.origin, visitType, {
        date: Date.parse(r.date),
        status: r.status,
        snapshot: r.snapshot,
        eventful: r.eventful,
      })
    } else if (end.state === 'failed' && end.outcome === 'dead') {
      const r = isLoadTaskResult(end.result) ? end.result : null
      await visits.recordVisit(task.origin, visitType, {
        date: r ? Date.parse(r.date) : clock(),
        status: r?.status === 'not_found' ? 'not_found' : 'failed',
        snapshot: null,
        eventful: false,
      })
    }
  }
}

/** Settings of {@link scheduleDueJob}. */
export interface ScheduleDueJobInit {
  /** This process's name (recorded as the job's last holder). */
  readonly holder: string
  /** Period of the job across every process (default 10 s). */
  readonly everyMs?: number
  /** Visits enqueued per run (default 1,000). */
  readonly limit?: number
  /** Only these visit types (default all). */
  readonly visitTypes?: readonly string[]
  readonly onScheduled?: (firstVisits: number, recurrent: number) => void
}

/** `scheduleDue` as a worker's periodic job: each period, the first process to ask runs it. */
export function scheduleDueJob(visits: SqlVisitScheduler, init: ScheduleDueJobInit): PeriodicJob {
  const everyMs = init.everyMs ?? 10_000
  return {
    everyMs,
    async run() {
      if (!(await visits.runJobOnce('schedule-due', init.holder, everyMs))) return
      const r = await visits.scheduleDue(init.limit ?? 1000, {
        ...(init.visitTypes ? { visitTypes: init.visitTypes } : {}),
      })
      if (r.firstVisits + r.recurrent > 0) init.onScheduled?.(r.firstVisits, r.recurrent)
    },
  }
}
