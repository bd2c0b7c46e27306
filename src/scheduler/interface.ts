/**
 * The task queue of harvesting: what workers claim (load an origin, list a forge, cook a
 * bundle). Types only; the SQL implementation (SQLite embedded, PostgreSQL scale-out) is in
 * `sql-queue.ts`, and one conformance suite runs on both.
 *
 * Semantics every backend keeps:
 * - a claimed task is leased to one worker until `leaseUntil`; the worker heartbeats to keep it;
 *   a lease that runs out (worker killed) hands the task to the next claimer;
 * - at most one running task per origin;
 * - higher `priority` first, then the task ready longest, then the oldest;
 * - a failure is retried after an exponential backoff with jitter until `maxAttempts`, then the
 *   task is dead and keeps its last error;
 * - every call on a claimed task carries its {@link Lease}: after the lease was lost (expired and
 *   taken again), the old holder's calls change nothing and answer `false` / `'lost'`.
 *
 * @module
 */

/** Where a task is in its life. */
export type TaskState = 'queued' | 'running' | 'done' | 'dead'

/** Every task state, in life order. */
export const TASK_STATES: readonly TaskState[] = ['queued', 'running', 'done', 'dead']

/** Conventional priorities: higher runs first. */
export const PRIORITY = {
  /** A save request made by a person (save code now). */
  saveRequest: 100,
  /** A visit discovered by a lister (first visit of a new origin). */
  firstVisit: 50,
  /** A recurrent visit of a known origin. */
  recurrent: 0,
} as const

/** A task to add. */
export interface TaskInit {
  /** What to run, e.g. `load-git`, `list-gitlab`. */
  readonly kind: string
  /** The origin the task works on; at most one running task per origin. */
  readonly origin?: string | null
  /** Arguments for the worker (JSON-serialisable). */
  readonly args?: unknown
  /** Higher first (see {@link PRIORITY}); default 0. */
  readonly priority?: number
  /** Not claimed before this time (ms since the epoch); default now. */
  readonly notBefore?: number
  /** Attempts before the task is dead; default the queue's `defaultMaxAttempts` (3). */
  readonly maxAttempts?: number
}

/** A stored task. Times are milliseconds since the epoch. */
export interface Task {
  readonly id: number
  readonly kind: string
  readonly origin: string | null
  readonly args: unknown
  readonly priority: number
  readonly state: TaskState
  /** Claims that counted as attempts (a release hands its attempt back). */
  readonly attempts: number
  readonly maxAttempts: number
  /** Not claimed before this time (the backoff of a retry moves it). */
  readonly notBefore: number
  readonly createdAt: number
  /** Start of the latest claim. */
  readonly startedAt: number | null
  /** While running: the lease's end. */
  readonly leaseUntil: number | null
  /** The worker of the latest claim. */
  readonly worker: string | null
  readonly finishedAt: number | null
  /** The error of the latest failed attempt (kept on a dead task). */
  readonly lastError: string | null
  /** What `complete` stored. */
  readonly result: unknown
  /** The latest progress the worker reported (`progress`), null before any. */
  readonly progress: unknown
}

/** Proof of holding a claimed task; every call on the task presents it. */
export interface Lease {
  readonly taskId: number
  /** Changes at every claim: a stale holder's lease no longer matches. */
  readonly token: number
  /** The attempt this claim is (1 for the first). */
  readonly attempt: number
  readonly maxAttempts: number
}

/** A task handed to a worker by `claim`. */
export interface ClaimedTask extends Task {
  readonly lease: Lease
}

/** Options of `claim`. */
export interface ClaimOptions {
  /** Only these kinds (default all). */
  readonly kinds?: readonly string[]
  /** At most this many tasks (default 1). */
  readonly limit?: number
  /** Lease length in milliseconds. */
  readonly leaseMs: number
}

/** Options of `fail`. */
export interface FailOptions {
  /** False for an error a retry cannot fix: the task is dead at once (default true). */
  readonly retry?: boolean
}

/** What `fail` did. */
export type FailOutcome = 'retry' | 'dead' | 'lost'

/** What `reapExpired` did with the tasks whose lease ran out. */
export interface ReapResult {
  readonly requeued: number
  readonly dead: number
}

/** Options of `list`. */
export interface ListOptions {
  readonly state?: TaskState
  readonly kind?: string
  readonly origin?: string
  /** Tasks with a greater id (paging). */
  readonly afterId?: number
  /** Default 100. */
  readonly limit?: number
}

/** Counts of one kind. */
export interface KindCounts {
  readonly kind: string
  /** Queued and due now. */
  readonly ready: number
  /** Queued with `notBefore` in the future (new or backing off). */
  readonly delayed: number
  readonly running: number
  readonly done: number
  readonly dead: number
  /** How long the oldest ready task has waited (0 when none). */
  readonly lagMs: number
}

/** The task queue. */
export interface TaskQueue {
  /** Creates the tables if needed. */
  open(): Promise<void>
  close(): Promise<void>
  /** Adds tasks; returns their ids in input order. */
  enqueue(tasks: readonly TaskInit[]): Promise<number[]>
  /**
   * Leases up to `limit` due tasks to `worker`, highest priority first, never two of one origin
   * nor one whose origin has a running task. Leases that ran out are reaped first.
   */
  claim(worker: string, options: ClaimOptions): Promise<ClaimedTask[]>
  /** Extends the lease to now + `leaseMs`; false if the lease was lost. */
  heartbeat(lease: Lease, leaseMs: number): Promise<boolean>
  /** Marks the task done with its result; false if the lease was lost. */
  complete(lease: Lease, result?: unknown): Promise<boolean>
  /** Records a failed attempt: retried after a backoff, or dead after the last attempt. */
  fail(lease: Lease, error: string, options?: FailOptions): Promise<FailOutcome>
  /**
   * Stores `progress` (JSON-serialisable) as the task's latest progress, replacing the one
   * before; false when the lease was lost.
   */
  progress(lease: Lease, progress: unknown): Promise<boolean>
  /** Hands the task back unstarted (worker shutting down); its attempt does not count. */
  release(lease: Lease): Promise<boolean>
  /** Requeues running tasks whose lease ran out (dead when that was their last attempt). */
  reapExpired(): Promise<ReapResult>
  /** Tasks by id. */
  get(ids: readonly number[]): Promise<(Task | null)[]>
  /** Tasks in id order. */
  list(options?: ListOptions): Promise<Task[]>
  /** Counts per kind, sorted by kind. */
  counts(): Promise<KindCounts[]>
  /** Deletes done tasks finished before `before` (ms); returns how many. */
  purgeDone(before: number): Promise<number>
}
