/**
 * The task queue on SQL: the archive's SQLite file (embedded) or PostgreSQL (scale-out), own
 * tables on both (see docs/scheduler.md for why not pg-boss or graphile-worker).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { migrate, type SqlDatabase, type SqlValue } from '../storage/index.js'
import { type BackoffInit, retryDelay } from './backoff.js'
import { claimIn, reap } from './claim.js'
import type {
  ClaimedTask,
  ClaimOptions,
  FailOptions,
  FailOutcome,
  KindCounts,
  Lease,
  ListOptions,
  ReapResult,
  Task,
  TaskInit,
  TaskQueue,
} from './interface.js'
import { claimedOf, insertTasks, jsonText, TASK_COLUMNS, taskOf, type TaskRow } from './rows.js'
import { MIGRATION_TABLE, schedulerMigrations } from './schema.js'

/** Settings of {@link SqlTaskQueue}. */
export interface SqlTaskQueueInit {
  /** Milliseconds since the epoch (default `Date.now`); tests move it. */
  readonly clock?: () => number
  /** In [0, 1), for the backoff's jitter (default `Math.random`). */
  readonly random?: () => number
  readonly backoff?: BackoffInit
  /** Attempts of a task that does not say (default 3). */
  readonly defaultMaxAttempts?: number
  /** Whether `close` closes the database (default true; false when it is shared). */
  readonly ownsDatabase?: boolean
}

const ROWS_PER_GET = 500
/** Times a PostgreSQL claim is retried after losing an origin race to the unique index. */
const CLAIM_RETRIES = 5

const isUniqueViolation = (e: unknown): boolean => (e as { code?: unknown }).code === '23505'

function checkInit(t: TaskInit, defaultMax: number): void {
  const bad = (what: string): never => {
    throw new InvalidInputError(`Task ${JSON.stringify(t.kind)}: ${what}`)
  }
  if (typeof t.kind !== 'string' || t.kind === '') bad('kind must be a non-empty string')
  if (t.priority !== undefined && !Number.isSafeInteger(t.priority))
    bad('priority must be an integer')
  const max = t.maxAttempts ?? defaultMax
  if (!Number.isSafeInteger(max) || max < 1) bad('maxAttempts must be an integer ≥ 1')
  if (t.notBefore !== undefined && !Number.isFinite(t.notBefore))
    bad('notBefore must be a time in ms')
}

/**
 * A {@link TaskQueue} in SQL tables.
 *
 * @example
 * ```ts
 * const queue = new SqlTaskQueue(openSqlDatabase('sqlite:arca-data/graph.sqlite'))
 * await queue.open()
 * await queue.enqueue([{ kind: 'load-git', origin: url, args: { url }, priority: PRIORITY.saveRequest }])
 * const [task] = await queue.claim('worker-1', { leaseMs: 60_000 })
 * if (task) await queue.complete(task.lease, { snapshot })
 * ```
 */
export class SqlTaskQueue implements TaskQueue {
  readonly #db: SqlDatabase
  readonly #now: () => number
  readonly #random: () => number
  readonly #backoff: BackoffInit
  readonly #defaultMax: number
  readonly #owns: boolean

  constructor(db: SqlDatabase, init: SqlTaskQueueInit = {}) {
    this.#db = db
    this.#now = init.clock ?? Date.now
    this.#random = init.random ?? Math.random
    this.#backoff = init.backoff ?? {}
    this.#defaultMax = init.defaultMaxAttempts ?? 3
    this.#owns = init.ownsDatabase ?? true
  }

  async open(): Promise<void> {
    await migrate(this.#db, schedulerMigrations(this.#db.dialect), MIGRATION_TABLE)
  }

  async close(): Promise<void> {
    if (this.#owns) await this.#db.close()
  }

  async enqueue(tasks: readonly TaskInit[]): Promise<number[]> {
    for (const t of tasks) checkInit(t, this.#defaultMax)
    if (tasks.length === 0) return []
    const now = this.#now()
    return this.#db.transaction(async (tx) => {
      // an accepted task is never lost, whatever the connection's commit setting (see factory.ts)
      if (tx.dialect === 'postgres') await tx.run('SET LOCAL synchronous_commit = on')
      return insertTasks(tx, tasks, now, this.#defaultMax)
    })
  }

  async claim(worker: string, options: ClaimOptions): Promise<ClaimedTask[]> {
    const limit = options.limit ?? 1
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidInputError('claim: limit must be ≥ 1')
    if (!(options.leaseMs > 0)) throw new InvalidInputError('claim: leaseMs must be > 0')
    if (options.kinds && options.kinds.length === 0) return []
    for (let attempt = 0; ; attempt++) {
      const now = this.#now()
      const request = {
        worker,
        kinds: options.kinds,
        limit,
        now,
        leaseUntil: now + Math.ceil(options.leaseMs),
      }
      try {
        const rows = await this.#db.transaction((tx) => claimIn(tx, request))
        return rows.map(claimedOf)
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= CLAIM_RETRIES) throw e
      }
    }
  }

  async heartbeat(lease: Lease, leaseMs: number): Promise<boolean> {
    const n = await this.#db.run(
      `UPDATE task SET lease_until = ? WHERE id = ? AND claims = ? AND state = 'running'`,
      [this.#now() + Math.ceil(leaseMs), lease.taskId, lease.token],
    )
    return n === 1
  }

  async complete(lease: Lease, result?: unknown): Promise<boolean> {
    const n = await this.#db.run(
      `UPDATE task SET state = 'done', finished_at = ?, lease_until = NULL, result = ?
       WHERE id = ? AND claims = ? AND state = 'running'`,
      [this.#now(), jsonText(result), lease.taskId, lease.token],
    )
    return n === 1
  }

  async fail(lease: Lease, error: string, options: FailOptions = {}): Promise<FailOutcome> {
    const now = this.#now()
    const retry = (options.retry ?? true) && lease.attempt < lease.maxAttempts
    const n = retry
      ? await this.#db.run(
          `UPDATE task SET state = 'queued', not_before = ?, lease_until = NULL, last_error = ?
           WHERE id = ? AND claims = ? AND state = 'running'`,
          [
            now + retryDelay(lease.attempt, this.#backoff, this.#random),
            error,
            lease.taskId,
            lease.token,
          ],
        )
      : await this.#db.run(
          `UPDATE task SET state = 'dead', finished_at = ?, lease_until = NULL, last_error = ?
           WHERE id = ? AND claims = ? AND state = 'running'`,
          [now, error, lease.taskId, lease.token],
        )
    if (n !== 1) return 'lost'
    return retry ? 'retry' : 'dead'
  }

  async progress(lease: Lease, progress: unknown): Promise<boolean> {
    const n = await this.#db.run(
      `UPDATE task SET progress = ? WHERE id = ? AND claims = ? AND state = 'running'`,
      [jsonText(progress), lease.taskId, lease.token],
    )
    return n === 1
  }

  async release(lease: Lease): Promise<boolean> {
    const n = await this.#db.run(
      `UPDATE task SET state = 'queued', attempts = attempts - 1, lease_until = NULL
       WHERE id = ? AND claims = ? AND state = 'running'`,
      [lease.taskId, lease.token],
    )
    return n === 1
  }

  reapExpired(): Promise<ReapResult> {
    const now = this.#now()
    return this.#db.transaction((tx) => reap(tx, now))
  }

  async get(ids: readonly number[]): Promise<(Task | null)[]> {
    const found = new Map<number, Task>()
    for (let i = 0; i < ids.length; i += ROWS_PER_GET) {
      const chunk = ids.slice(i, i + ROWS_PER_GET)
      const rows = await this.#db.all<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM task WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      )
      for (const r of rows) found.set(Number(r.id), taskOf(r))
    }
    return ids.map((id) => found.get(id) ?? null)
  }

  async list(options: ListOptions = {}): Promise<Task[]> {
    const where: string[] = ['id > ?']
    const params: SqlValue[] = [options.afterId ?? 0]
    for (const [column, value] of [
      ['state', options.state],
      ['kind', options.kind],
      ['origin', options.origin],
    ] as const) {
      if (value === undefined) continue
      where.push(`${column} = ?`)
      params.push(value)
    }
    params.push(options.limit ?? 100)
    const rows = await this.#db.all<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM task WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      params,
    )
    return rows.map(taskOf)
  }

  async counts(): Promise<KindCounts[]> {
    const now = this.#now()
    const rows = await this.#db.all<{
      kind: string
      ready: number | null
      delayed: number | null
      running: number | null
      done: number | null
      dead: number | null
      oldest: number | null
    }>(
      `SELECT kind,
         SUM(CASE WHEN state = 'queued' AND not_before <= ? THEN 1 ELSE 0 END) AS ready,
         SUM(CASE WHEN state = 'queued' AND not_before > ? THEN 1 ELSE 0 END) AS delayed,
         SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END) AS running,
         SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS done,
         SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) AS dead,
         MIN(CASE WHEN state = 'queued' AND not_before <= ? THEN not_before END) AS oldest
       FROM task GROUP BY kind ORDER BY kind`,
      [now, now, now],
    )
    return rows.map((r) => ({
      kind: r.kind,
      ready: Number(r.ready ?? 0),
      delayed: Number(r.delayed ?? 0),
      running: Number(r.running ?? 0),
      done: Number(r.done ?? 0),
      dead: Number(r.dead ?? 0),
      lagMs: r.oldest === null ? 0 : now - Number(r.oldest),
    }))
  }

  purgeDone(before: number): Promise<number> {
    return this.#db.run(`DELETE FROM task WHERE state = 'done' AND finished_at < ?`, [before])
  }
}
