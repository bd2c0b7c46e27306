/**
 * Opening the task queue from a storage URL: by default the archive's own database, so the
 * embedded archive needs no other service.
 *
 * @module
 */

import { openSqlDatabase } from '../storage/index.js'
import { SqlTaskQueue, type SqlTaskQueueInit } from './sql-queue.js'

/**
 * Opens (creating its tables if needed) the queue in the database of `url` (`sqlite:PATH` or
 * `postgres://…`).
 *
 * @example
 * ```ts
 * const queue = await openTaskQueue('sqlite:arca-data/graph.sqlite')
 * ```
 */
export async function openTaskQueue(
  url: string,
  init: Omit<SqlTaskQueueInit, 'ownsDatabase'> = {},
): Promise<SqlTaskQueue> {
  const queue = new SqlTaskQueue(openSqlDatabase(url), { ...init, ownsDatabase: true })
  try {
    await queue.open()
  } catch (e) {
    await queue.close()
    throw e
  }
  return queue
}
