/**
 * Task rows ↔ task values.
 *
 * @module
 */

import type { SqlExecutor, SqlValue } from '../storage/index.js'
import type { ClaimedTask, Task, TaskInit, TaskState } from './interface.js'

/** A `task` row as both engines return it (int8 columns come back as numbers). */
export interface TaskRow {
  id: number
  kind: string
  origin: string | null
  args: string
  priority: number
  state: string
  attempts: number
  max_attempts: number
  claims: number
  not_before: number
  created_at: number
  started_at: number | null
  lease_until: number | null
  worker: string | null
  finished_at: number | null
  last_error: string | null
  result: string | null
  progress: string | null
}

/** Columns of `task`, in `SELECT` order. */
export const TASK_COLUMNS =
  'id, kind, origin, args, priority, state, attempts, max_attempts, claims, not_before, created_at, started_at, lease_until, worker, finished_at, last_error, result, progress'

const num = (v: number | null): number | null => (v === null ? null : Number(v))

/** The task of a row. */
export function taskOf(r: TaskRow): Task {
  return {
    id: Number(r.id),
    kind: r.kind,
    origin: r.origin,
    args: JSON.parse(r.args) as unknown,
    priority: Number(r.priority),
    state: r.state as TaskState,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    notBefore: Number(r.not_before),
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    leaseUntil: num(r.lease_until),
    worker: r.worker,
    finishedAt: num(r.finished_at),
    lastError: r.last_error,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    progress: r.progress === null ? null : (JSON.parse(r.progress) as unknown),
  }
}

/** The claimed task of a row just claimed. */
export function claimedOf(r: TaskRow): ClaimedTask {
  const t = taskOf(r)
  return {
    ...t,
    lease: {
      taskId: t.id,
      token: Number(r.claims),
      attempt: t.attempts,
      maxAttempts: t.maxAttempts,
    },
  }
}

/** JSON text of a value (undefined is stored as null). */
export function jsonText(v: unknown): string {
  return JSON.stringify(v === undefined ? null : v)
}

const ROWS_PER_INSERT = 500

/**
 * Inserts checked tasks inside `tx` (queued, created at `now`); returns their ids in input
 * order. The queue's `enqueue` and the recurrent scheduler (in the transaction that moves the
 * origins' due times) share it.
 */
export async function insertTasks(
  tx: SqlExecutor,
  tasks: readonly TaskInit[],
  now: number,
  defaultMax: number,
): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < tasks.length; i += ROWS_PER_INSERT) {
    const chunk = tasks.slice(i, i + ROWS_PER_INSERT)
    const params: SqlValue[] = []
    for (const t of chunk) {
      params.push(
        t.kind,
        t.origin ?? null,
        jsonText(t.args),
        t.priority ?? 0,
        t.maxAttempts ?? defaultMax,
        Math.floor(t.notBefore ?? now),
        now,
      )
    }
    const rows = await tx.all<{ id: number }>(
      `INSERT INTO task (kind, origin, args, priority, state, attempts, max_attempts, claims, not_before, created_at)
       VALUES ${chunk.map(() => "(?, ?, ?, ?, 'queued', 0, ?, 0, ?, ?)").join(', ')} RETURNING id`,
      params,
    )
    // ids are assigned in VALUES order
    ids.push(...rows.map((r) => Number(r.id)).sort((a, b) => a - b))
  }
  return ids
}
