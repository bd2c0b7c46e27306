/**
 * The scheduler: the task queue that harvesting workers claim from (SQLite embedded,
 * PostgreSQL scale-out), the generic worker, the contract of load tasks, and recurrent visits
 * of listed origins. Other areas import the scheduler only from here.
 *
 * @module
 */

export { type BackoffInit, DEFAULT_BACKOFF, nominalDelay, retryDelay } from './backoff.js'
export { openScheduler, openTaskQueue, type OpenTaskQueueInit, type Scheduler } from './factory.js'
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
  isLoadTaskResult,
  type LoadTaskArgs,
  loadTaskKind,
  loadTaskRequested,
  type LoadTaskResult,
  loadTaskUrl,
  visitTypeOfKind,
} from './load-tasks.js'
export {
  afterVisit,
  DEFAULT_VISIT_POLICY,
  freshStats,
  type LastVisitStatus,
  type VisitOutcome,
  type VisitPolicy,
  type VisitStats,
} from './policy.js'
export { recordLoadEnd, scheduleDueJob, type ScheduleDueJobInit } from './recurrence.js'
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
export {
  type ListedOrigin,
  type ListedOriginInit,
  runJobOnce,
  type ScheduleResult,
  SqlVisitScheduler,
  type SqlVisitSchedulerInit,
  type VisitTypeLag,
} from './visits.js'
export {
  type PeriodicJob,
  type TaskContext,
  type TaskEnd,
  TaskFailure,
  type TaskHandler,
  Worker,
  type WorkerEvent,
  type WorkerInit,
} from './worker.js'
