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
export {
  SaveCodeNow,
  type SaveCodeNowInit,
  type SaveRequestInfo,
  type SaveTaskStatus,
  type SubmitInit,
  taskStatusOf,
} from './save-code-now.js'
export { openSaveCodeNow, type OpenSaveCodeNowInit } from './save-open.js'
export {
  PREFIX_LISTS,
  type PrefixList,
  SAVE_REQUEST_STATUSES,
  type SaveRequest,
  type SaveRequestChanges,
  type SaveRequestInit,
  type SaveRequestListOptions,
  type SaveRequestStatus,
  SaveRequestStore,
  type SaveRequestStoreInit,
} from './save-requests.js'
export {
  demangleUrl,
  matchesPrefix,
  originUrlFromPath,
  SAVE_URL_SCHEMES,
  validateOriginUrl,
} from './save-url.js'
export { SqlTaskQueue, type SqlTaskQueueInit } from './sql-queue.js'
