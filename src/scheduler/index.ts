/**
 * The scheduler: the task queue that harvesting workers claim from (SQLite embedded,
 * PostgreSQL scale-out). Other areas import the scheduler only from here.
 *
 * @module
 */

export { type BackoffInit, DEFAULT_BACKOFF, nominalDelay, retryDelay } from './backoff.js'
export { openTaskQueue, type OpenTaskQueueInit } from './factory.js'
export {
  type ClaimedTask,
  type ClaimOptions,
  type FailOptions,
  type FailOutcome,
  type KindCounts,
  type Lease,
  type ListOptions,
  PRIORITY,
  type ReapResult,
  type Task,
  TASK_STATES,
  type TaskInit,
  type TaskQueue,
  type TaskState,
} from './interface.js'
export { SqlTaskQueue, type SqlTaskQueueInit } from './sql-queue.js'
