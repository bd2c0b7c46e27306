/**
 * Claiming: the one operation where concurrent workers meet. Both engines run it in one
 * transaction: reap expired leases, pick due candidates in priority order, keep at most one per
 * origin and none whose origin is running, and mark them running.
 *
 * - SQLite: the transaction is `BEGIN IMMEDIATE`, so claimers (threads or processes) take turns
 *   on the database's write lock; nothing else is needed.
 * - PostgreSQL: claimers run in parallel. Candidates are row-locked with `FOR UPDATE SKIP
 *   LOCKED` (two claimers never pick the same task, and neither waits for the other). Two
 *   claimers may still pick different tasks of one origin: each takes a transaction-scoped
 *   advisory lock per origin (`pg_try_advisory_xact_lock`, skipping the origins another claimer
 *   holds), then re-reads which of its origins are running in a statement that starts after
 *   the lock was granted, so a claim committed just before is seen. The partial unique index
 *   on running origins is the backstop: a violation rolls the claim back and it is retried.
 *
 * @module
 */

import type { SqlExecutor, SqlValue } from '../storage/index.js'
import type { ReapResult } from './interface.js'
import { TASK_COLUMNS, type TaskRow } from './rows.js'

/** Advisory lock class of origins (two-key form, apart from the migrator's one-key lock). */
const ORIGIN_LOCK_CLASS = 4242002

/** What one claim asks for. */
export interface ClaimRequest {
  readonly worker: string
  readonly kinds: readonly string[] | undefined
  readonly limit: number
  readonly now: number
  readonly leaseUntil: number
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ')

/** Requeues (or kills, after their last attempt) the running tasks whose lease ran out. */
export async function reap(tx: SqlExecutor, now: number): Promise<ReapResult> {
  const skip = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''
  const expired = `SELECT id FROM task WHERE state = 'running' AND lease_until <= ?${skip}`
  const error = "'lease expired: worker ' || COALESCE(worker, 'unknown') || ' stopped heartbeating'"
  const dead = await tx.run(
    `UPDATE task SET state = 'dead', finished_at = ?, lease_until = NULL, last_error = ${error}
     WHERE id IN (${expired}) AND attempts >= max_attempts`,
    [now, now],
  )
  const requeued = await tx.run(
    `UPDATE task SET state = 'queued', not_before = ?, lease_until = NULL, last_error = ${error}
     WHERE id IN (${expired})`,
    [now, now],
  )
  return { requeued, dead }
}

/** Due candidates in claim order: `(id, origin)`, the origins not running. */
async function candidates(
  tx: SqlExecutor,
  r: ClaimRequest,
): Promise<{ id: number; origin: string | null }[]> {
  const params: SqlValue[] = [r.now]
  let kindFilter = ''
  if (r.kinds) {
    kindFilter = ` AND kind IN (${marks(r.kinds.length)})`
    params.push(...r.kinds)
  }
  // room for candidates dropped because their origin repeats
  params.push(r.limit + Math.min(Math.ceil(r.limit / 4), 25))
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''
  if (tx.dialect === 'postgres') {
    // The queue's statistics are always stale (thousands of tasks enqueued and claimed between
    // two autovacuum analyses), and then the planner fetches every due task and sorts it. Walking
    // task_ready in claim order and stopping at the limit is always right here (72 ms → 2 ms per
    // claim with 20,000 tasks queued): this transaction's planner may not sort.
    await tx.run('SET LOCAL enable_sort = off')
  }
  const rows = await tx.all<{ id: number; origin: string | null }>(
    `SELECT id, origin FROM task t
     WHERE state = 'queued' AND not_before <= ?${kindFilter}
       AND (origin IS NULL OR NOT EXISTS
             (SELECT 1 FROM task r WHERE r.state = 'running' AND r.origin = t.origin))
     ORDER BY priority DESC, not_before, id LIMIT ?${lock}`,
    params,
  )
  return rows.map((c) => ({ id: Number(c.id), origin: c.origin }))
}

/** Origins among `origins` this PostgreSQL claimer may take (locked by it, none running). */
async function takeOrigins(tx: SqlExecutor, origins: readonly string[]): Promise<Set<string>> {
  if (origins.length === 0) return new Set()
  const locked = await tx.all<{ o: string }>(
    `SELECT o FROM (VALUES ${origins.map(() => '(?)').join(', ')}) AS v(o)
     WHERE pg_try_advisory_xact_lock(${ORIGIN_LOCK_CLASS}, hashtext(o))`,
    origins,
  )
  const mine = locked.map((l) => l.o)
  if (mine.length === 0) return new Set()
  // a new statement: its snapshot sees every claim committed before our locks were granted
  const running = await tx.all<{ origin: string }>(
    `SELECT origin FROM task WHERE state = 'running' AND origin IN (${marks(mine.length)})`,
    mine,
  )
  const busy = new Set(running.map((b) => b.origin))
  return new Set(mine.filter((o) => !busy.has(o)))
}

/** Claims inside `tx` (a transaction); returns the claimed rows in claim order. */
export async function claimIn(tx: SqlExecutor, r: ClaimRequest): Promise<TaskRow[]> {
  await reap(tx, r.now)
  const cands = await candidates(tx, r)
  const seen = new Set<string>()
  const picked: { id: number; origin: string | null }[] = []
  for (const c of cands) {
    if (c.origin !== null) {
      if (seen.has(c.origin)) continue
      seen.add(c.origin)
    }
    picked.push(c)
  }
  let chosen = picked
  if (tx.dialect === 'postgres') {
    const free = await takeOrigins(tx, [...seen])
    chosen = picked.filter((c) => c.origin === null || free.has(c.origin))
  }
  chosen = chosen.slice(0, r.limit)
  if (chosen.length === 0) return []
  const ids = chosen.map((c) => c.id)
  const rows = await tx.all<TaskRow>(
    `UPDATE task SET state = 'running', worker = ?, attempts = attempts + 1, claims = claims + 1,
       started_at = ?, lease_until = ?, progress = NULL
     WHERE state = 'queued' AND id IN (${marks(ids.length)}) RETURNING ${TASK_COLUMNS}`,
    [r.worker, r.now, r.leaseUntil, ...ids],
  )
  const order = new Map(ids.map((id, i) => [id, i]))
  return rows.sort((a, b) => order.get(Number(a.id))! - order.get(Number(b.id))!)
}
