/**
 * Opening the task queue from a storage URL: by default the archive's own database, so the
 * embedded archive needs no other service.
 *
 * @module
 */

import { openSqlDatabase, type SqlDatabase } from '../storage/index.js'
import { SqlTaskQueue, type SqlTaskQueueInit } from './sql-queue.js'
import { SqlVisitScheduler, type SqlVisitSchedulerInit } from './visits.js'

/** Settings of {@link openTaskQueue}. */
export interface OpenTaskQueueInit extends Omit<SqlTaskQueueInit, 'ownsDatabase'> {
  /**
   * PostgreSQL: commit claims, heartbeats, completions, failures and releases without waiting
   * for the WAL flush (`synchronous_commit = off`; default true). A server crash can then undo
   * the last fraction of a second of them, and every such undo is recovered by the queue's own
   * rules: an undone claim puts the task back in the queue (the worker's later calls are
   * refused as a lost lease), an undone completion or failure leaves the task running until
   * its lease expires and it runs again. Tasks are at-least-once anyway. Enqueueing always
   * waits for the flush: an accepted task is never lost. SQLite's WAL with `synchronous =
   * NORMAL` already behaves so for a process crash, and loses nothing but on an OS crash.
   */
  readonly asyncCommit?: boolean
}

/**
 * Opens (creating its tables if needed) the queue in the database of `url` (`sqlite:PATH` or
 * `postgres://…`), on a connection (pool) of its own.
 *
 * @example
 * ```ts
 * const queue = await openTaskQueue('sqlite:arca-data/graph.sqlite')
 * ```
 */
export async function openTaskQueue(
  url: string,
  init: OpenTaskQueueInit = {},
): Promise<SqlTaskQueue> {
  const { asyncCommit = true, ...rest } = init
  const db = openSqlDatabase(
    url,
    asyncCommit ? { postgresSettings: { synchronous_commit: 'off' } } : {},
  )
  const queue = new SqlTaskQueue(db, { ...rest, ownsDatabase: true })
  try {
    await queue.open()
  } catch (e) {
    await queue.close()
    throw e
  }
  return queue
}

/** The queue and the recurrent visits on one database. */
export interface Scheduler {
  /** The database both work on. */
  readonly db: SqlDatabase
  readonly queue: SqlTaskQueue
  readonly visits: SqlVisitScheduler
  close(): Promise<void>
}

/**
 * Opens the task queue and the recurrent visits in the database of `url`, on one connection
 * (pool) of their own.
 */
export async function openScheduler(
  url: string,
  init: OpenTaskQueueInit & { readonly visits?: SqlVisitSchedulerInit } = {},
): Promise<Scheduler> {
  const { asyncCommit = true, visits: visitsInit = {}, ...rest } = init
  const db = openSqlDatabase(
    url,
    asyncCommit ? { postgresSettings: { synchronous_commit: 'off' } } : {},
  )
  const queue = new SqlTaskQueue(db, { ...rest, ownsDatabase: false })
  const visits = new SqlVisitScheduler(db, {
    ...(rest.clock ? { clock: rest.clock } : {}),
    ...visitsInit,
  })
  try {
    await queue.open()
  } catch (e) {
    await db.close()
    throw e
  }
  return { db, queue, visits, close: () => db.close() }
}
