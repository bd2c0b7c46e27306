/**
 * Recurrent visits on SQL: the listed origins, their visit statistics, and `scheduleDue`, which
 * turns the next due visits into load tasks (the policy is in `policy.ts`). Same database and
 * migrations as the task queue; times from an injectable clock.
 *
 * `scheduleDue` reads the two partial indexes of due times (never visited first, then visited
 * by lag) and stops at `limit`, so choosing the next thousand visits does not depend on how many
 * origins are listed. It runs in one transaction with the task inserts; on PostgreSQL two runs
 * at once could pick the same origins, so the worker runs it as a {@link runJobOnce} job (one
 * process at a time).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { migrate, type SqlDatabase, type SqlExecutor, type SqlValue } from '../storage/index.js'
import { PRIORITY } from './interface.js'
import { loadTaskKind } from './load-tasks.js'
import {
  afterVisit,
  DEFAULT_VISIT_POLICY,
  freshStats,
  type LastVisitStatus,
  type VisitOutcome,
  type VisitPolicy,
  type VisitStats,
} from './policy.js'
import { insertTasks } from './rows.js'
import { MIGRATION_TABLE, schedulerMigrations } from './schema.js'

/** An origin to list. */
export interface ListedOriginInit {
  readonly url: string
  readonly visitType: string
  /** Who listed it (a lister's name, or `manual` for `arca schedule add`; default `manual`). */
  readonly lister?: string
  /** When the origin last changed, as its forge says (ms), if known. */
  readonly lastUpdate?: number | null
  /** Whether the forge says the origin is a fork (unknown when absent). */
  readonly isFork?: boolean | null
  /** The origin it was forked from, when the forge says. */
  readonly forkedFromUrl?: string | null
}

/** A listed origin with its visit statistics. */
export interface ListedOrigin extends VisitStats {
  readonly url: string
  readonly visitType: string
  readonly lister: string
  readonly enabled: boolean
  readonly firstSeen: number
  readonly lastSeen: number
  readonly lastUpdate: number | null
}

/** Per visit type: how far behind the schedule is. */
export interface VisitTypeLag {
  readonly visitType: string
  readonly origins: number
  readonly enabled: number
  readonly neverVisited: number
  /** Enabled origins whose visit is due now. */
  readonly due: number
  /** How long the most overdue origin has been due (0 when none). */
  readonly lagMs: number
}

/** What one `scheduleDue` did. */
export interface ScheduleResult {
  /** Tasks enqueued for origins never visited, and for the others. */
  readonly firstVisits: number
  readonly recurrent: number
  readonly taskIds: readonly number[]
}

/** Settings of {@link SqlVisitScheduler}. */
export interface SqlVisitSchedulerInit {
  readonly clock?: () => number
  readonly random?: () => number
  readonly policy?: Partial<VisitPolicy>
  /** Attempts of each enqueued load task (default 3). */
  readonly maxAttempts?: number
}

interface StatsRow {
  url: string
  visit_type: string
  last_visit: number | null
  last_visit_status: string | null
  last_eventful: number | null
  last_uneventful: number | null
  last_failed: number | null
  last_not_found: number | null
  last_snapshot: string | null
  last_scheduled: number | null
  successive_failures: number
  interval_ms: number
  next_visit_due: number | null
}

const STATS_COLUMNS =
  's.url, s.visit_type, s.last_visit, s.last_visit_status, s.last_eventful, s.last_uneventful, s.last_failed, s.last_not_found, s.last_snapshot, s.last_scheduled, s.successive_failures, s.interval_ms, s.next_visit_due'

const num = (v: number | null): number | null => (v === null ? null : Number(v))

function statsOf(r: StatsRow): VisitStats {
  return {
    lastVisit: num(r.last_visit),
    lastVisitStatus: r.last_visit_status as LastVisitStatus | null,
    lastEventful: num(r.last_eventful),
    lastUneventful: num(r.last_uneventful),
    lastFailed: num(r.last_failed),
    lastNotFound: num(r.last_not_found),
    lastSnapshot: r.last_snapshot,
    lastScheduled: num(r.last_scheduled),
    successiveFailures: Number(r.successive_failures),
    intervalMs: Number(r.interval_ms),
    nextVisitDue: num(r.next_visit_due),
  }
}

const CHUNK = 400
const marks = (n: number, each = '?'): string => Array.from({ length: n }, () => each).join(', ')

/**
 * Runs the periodic job `name` here if no process ran it in the last `everyMs`: one atomic
 * update of its row, so across processes (and machines) one at a time wins each period.
 */
export async function runJobOnce(
  db: SqlExecutor,
  name: string,
  holder: string,
  everyMs: number,
  now: number,
): Promise<boolean> {
  await db.run(
    'INSERT INTO scheduler_job (name, holder, next_run) VALUES (?, NULL, 0) ON CONFLICT (name) DO NOTHING',
    [name],
  )
  const n = await db.run(
    'UPDATE scheduler_job SET holder = ?, next_run = ? WHERE name = ? AND next_run <= ?',
    [holder, now + everyMs, name, now],
  )
  return n === 1
}

/**
 * Listed origins and their recurrent visits.
 *
 * @example
 * ```ts
 * const visits = new SqlVisitScheduler(db)
 * await visits.open()
 * await visits.addOrigins([{ url: 'https://example.org/r.git', visitType: 'git' }])
 * await visits.scheduleDue(1000) // enqueues load-git for it, at PRIORITY.firstVisit
 * ```
 */
export class SqlVisitScheduler {
  readonly #db: SqlDatabase
  readonly #now: () => number
  readonly #random: () => number
  readonly #policy: VisitPolicy
  readonly #maxAttempts: number

  constructor(db: SqlDatabase, init: SqlVisitSchedulerInit = {}) {
    this.#db = db
    this.#now = init.clock ?? Date.now
    this.#random = init.random ?? Math.random
    this.#policy = { ...DEFAULT_VISIT_POLICY, ...init.policy }
    this.#maxAttempts = init.maxAttempts ?? 3
  }

  /** The policy in force. */
  get policy(): VisitPolicy {
    return this.#policy
  }

  /** Creates the tables if needed. */
  async open(): Promise<void> {
    await migrate(this.#db, schedulerMigrations(this.#db.dialect), MIGRATION_TABLE)
  }

  /**
   * Lists origins: new ones are due at once (never visited); known ones are seen again, and
   * enabled again if they were disabled (due at once). Returns how many were new. `alsoInTx`
   * runs in the same transaction, after them (a lister saves its state with its page).
   */
  async addOrigins(
    origins: readonly ListedOriginInit[],
    alsoInTx?: (tx: SqlExecutor, added: number) => Promise<void>,
  ): Promise<{ added: number }> {
    for (const o of origins) {
      if (typeof o.url !== 'string' || o.url === '')
        throw new InvalidInputError('listed origin: url must be a non-empty string')
      if (typeof o.visitType !== 'string' || !/^[a-z0-9_-]+$/.test(o.visitType))
        throw new InvalidInputError(`listed origin ${o.url}: bad visit type "${o.visitType}"`)
    }
    const now = this.#now()
    let added = 0
    const unique = uniqueOrigins(origins)
    await this.#db.transaction(async (tx) => {
      for (let i = 0; i < unique.length; i += CHUNK) {
        const chunk = unique.slice(i, i + CHUNK)
        const keys = chunk.flatMap((o) => [o.url, o.visitType])
        const known = await tx.all<{ n: number }>(
          `SELECT COUNT(*) AS n FROM listed_origin
           WHERE (url, visit_type) IN (VALUES ${marks(chunk.length, '(?, ?)')})`,
          keys,
        )
        added += chunk.length - Number(known[0]!.n)
        const rows: SqlValue[] = []
        for (const o of chunk)
          rows.push(
            o.url,
            o.visitType,
            o.lister ?? 'manual',
            now,
            now,
            o.lastUpdate ?? null,
            o.isFork === undefined || o.isFork === null ? null : o.isFork ? 1 : 0,
            o.forkedFromUrl ?? null,
          )
        await tx.run(
          `INSERT INTO listed_origin (url, visit_type, lister, enabled, first_seen, last_seen, last_update,
             is_fork, forked_from_url)
           VALUES ${marks(chunk.length, '(?, ?, ?, 1, ?, ?, ?, ?, ?)')}
           ON CONFLICT (url, visit_type) DO UPDATE SET enabled = 1, last_seen = excluded.last_seen,
             lister = excluded.lister,
             last_update = COALESCE(excluded.last_update, listed_origin.last_update),
             is_fork = COALESCE(excluded.is_fork, listed_origin.is_fork),
             forked_from_url = COALESCE(excluded.forked_from_url, listed_origin.forked_from_url)`,
          rows,
        )
        const fresh = freshStats(this.#policy, now)
        const stats: SqlValue[] = []
        for (const o of chunk) stats.push(o.url, o.visitType, fresh.intervalMs, now)
        await tx.run(
          `INSERT INTO origin_visit_stats (url, visit_type, successive_failures, interval_ms, next_visit_due)
           VALUES ${marks(chunk.length, '(?, ?, 0, ?, ?)')}
           ON CONFLICT (url, visit_type) DO UPDATE
             SET next_visit_due = COALESCE(origin_visit_stats.next_visit_due, excluded.next_visit_due)`,
          stats,
        )
      }
      if (alsoInTx) await alsoInTx(tx, added)
    })
    return { added }
  }

  /**
   * Enqueues the next due visits, at most `limit`: never-visited origins first (by when they
   * were listed), then the others by lag; none for an origin with a queued or running task.
   */
  async scheduleDue(
    limit: number,
    options: { visitTypes?: readonly string[] } = {},
  ): Promise<ScheduleResult> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidInputError('scheduleDue: limit must be ≥ 1')
    const types = options.visitTypes
    if (types && types.length === 0) return { firstVisits: 0, recurrent: 0, taskIds: [] }
    const now = this.#now()
    return this.#db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        // The task table's statistics are always stale (see claim.ts); then the planner reads
        // every queued task once per candidate origin instead of probing the origin index. Here
        // an index is always the right way in: this transaction's planner may not scan tables.
        await tx.run('SET LOCAL enable_seqscan = off')
        await tx.run('SET LOCAL enable_material = off')
      }
      const first = await this.#due(tx, 'IS NULL', now, limit, types)
      const again =
        first.length < limit
          ? await this.#due(tx, 'IS NOT NULL', now, limit - first.length, types)
          : []
      const picked = [...first, ...again]
      if (picked.length === 0) return { firstVisits: 0, recurrent: 0, taskIds: [] }
      const until = now + this.#policy.scheduledCooldownMs
      for (let i = 0; i < picked.length; i += CHUNK) {
        const chunk = picked.slice(i, i + CHUNK)
        await tx.run(
          `UPDATE origin_visit_stats SET last_scheduled = ?, next_visit_due = ?
           WHERE (url, visit_type) IN (VALUES ${marks(chunk.length, '(?, ?)')})`,
          [now, until, ...chunk.flatMap((p) => [p.url, p.visit_type])],
        )
      }
      const taskIds = await insertTasks(
        tx,
        picked.map((p, i) => ({
          kind: loadTaskKind(p.visit_type),
          origin: p.url,
          args: { url: p.url },
          priority: i < first.length ? PRIORITY.firstVisit : PRIORITY.recurrent,
          maxAttempts: this.#maxAttempts,
        })),
        now,
        this.#maxAttempts,
      )
      return { firstVisits: first.length, recurrent: again.length, taskIds }
    })
  }

  async #due(
    tx: SqlExecutor,
    visited: 'IS NULL' | 'IS NOT NULL',
    now: number,
    limit: number,
    types: readonly string[] | undefined,
  ): Promise<{ url: string; visit_type: string }[]> {
    const params: SqlValue[] = [now]
    let typeFilter = ''
    if (types) {
      typeFilter = ` AND s.visit_type IN (${marks(types.length)})`
      params.push(...types)
    }
    params.push(limit)
    return tx.all<{ url: string; visit_type: string }>(
      `SELECT s.url, s.visit_type FROM origin_visit_stats s
       WHERE s.next_visit_due IS NOT NULL AND s.last_visit ${visited} AND s.next_visit_due <= ?${typeFilter}
         AND NOT EXISTS (SELECT 1 FROM task t
                         WHERE t.origin = s.url AND t.state IN ('queued', 'running'))
       ORDER BY s.next_visit_due LIMIT ?`,
      params,
    )
  }

  /**
   * Records the outcome of a visit of `url` (its load task ended): the origin's statistics, its
   * next due time, and disabling it after too many unsuccessful visits in a row. An origin that
   * is not listed gets statistics but no due time. Returns false when the visit was older than
   * the last recorded (ignored).
   */
  async recordVisit(url: string, visitType: string, outcome: VisitOutcome): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.all<StatsRow>(
        `SELECT ${STATS_COLUMNS} FROM origin_visit_stats s WHERE s.url = ? AND s.visit_type = ?`,
        [url, visitType],
      )
      const [listed] = await tx.all<{ enabled: number }>(
        'SELECT enabled FROM listed_origin WHERE url = ? AND visit_type = ?',
        [url, visitType],
      )
      const scheduled = listed !== undefined && Number(listed.enabled) === 1
      const prev = row
        ? statsOf(row)
        : { ...freshStats(this.#policy, this.#now()), nextVisitDue: null }
      const next = afterVisit(prev, outcome, this.#policy, scheduled, this.#random)
      if (!next) return false
      const s = next.stats
      await tx.run(
        `INSERT INTO origin_visit_stats (url, visit_type, last_visit, last_visit_status, last_eventful,
           last_uneventful, last_failed, last_not_found, last_snapshot, last_scheduled,
           successive_failures, interval_ms, next_visit_due)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (url, visit_type) DO UPDATE SET last_visit = excluded.last_visit,
           last_visit_status = excluded.last_visit_status, last_eventful = excluded.last_eventful,
           last_uneventful = excluded.last_uneventful, last_failed = excluded.last_failed,
           last_not_found = excluded.last_not_found, last_snapshot = excluded.last_snapshot,
           successive_failures = excluded.successive_failures, interval_ms = excluded.interval_ms,
           next_visit_due = excluded.next_visit_due`,
        [
          url,
          visitType,
          s.lastVisit,
          s.lastVisitStatus,
          s.lastEventful,
          s.lastUneventful,
          s.lastFailed,
          s.lastNotFound,
          s.lastSnapshot,
          s.lastScheduled,
          s.successiveFailures,
          s.intervalMs,
          s.nextVisitDue,
        ],
      )
      if (next.disable)
        await tx.run('UPDATE listed_origin SET enabled = 0 WHERE url = ? AND visit_type = ?', [
          url,
          visitType,
        ])
      return true
    })
  }

  /** Listed origins with their statistics, by URL then visit type. */
  async list(
    options: { visitType?: string; afterUrl?: string; limit?: number } = {},
  ): Promise<ListedOrigin[]> {
    const params: SqlValue[] = [options.afterUrl ?? '']
    let typeFilter = ''
    if (options.visitType !== undefined) {
      typeFilter = ' AND o.visit_type = ?'
      params.push(options.visitType)
    }
    params.push(options.limit ?? 1000)
    const rows = await this.#db.all<
      StatsRow & {
        lister: string
        enabled: number
        first_seen: number
        last_seen: number
        last_update: number | null
      }
    >(
      `SELECT ${STATS_COLUMNS}, o.lister, o.enabled, o.first_seen, o.last_seen, o.last_update
       FROM listed_origin o JOIN origin_visit_stats s ON s.url = o.url AND s.visit_type = o.visit_type
       WHERE o.url > ?${typeFilter} ORDER BY o.url, o.visit_type LIMIT ?`,
      params,
    )
    return rows.map((r) => ({
      url: r.url,
      visitType: r.visit_type,
      lister: r.lister,
      enabled: Number(r.enabled) === 1,
      firstSeen: Number(r.first_seen),
      lastSeen: Number(r.last_seen),
      lastUpdate: num(r.last_update),
      ...statsOf(r),
    }))
  }

  /** Per visit type of the listed origins: counts and the lag of the most overdue. */
  async lag(): Promise<VisitTypeLag[]> {
    const now = this.#now()
    const rows = await this.#db.all<{
      visit_type: string
      origins: number
      enabled: number | null
      never: number | null
      due: number | null
      oldest: number | null
    }>(
      `SELECT o.visit_type, COUNT(*) AS origins, SUM(o.enabled) AS enabled,
         SUM(CASE WHEN s.last_visit IS NULL THEN 1 ELSE 0 END) AS never,
         SUM(CASE WHEN o.enabled = 1 AND s.next_visit_due <= ? THEN 1 ELSE 0 END) AS due,
         MIN(CASE WHEN o.enabled = 1 AND s.next_visit_due <= ? THEN s.next_visit_due END) AS oldest
       FROM listed_origin o JOIN origin_visit_stats s ON s.url = o.url AND s.visit_type = o.visit_type
       GROUP BY o.visit_type ORDER BY o.visit_type`,
      [now, now],
    )
    return rows.map((r) => ({
      visitType: r.visit_type,
      origins: Number(r.origins),
      enabled: Number(r.enabled ?? 0),
      neverVisited: Number(r.never ?? 0),
      due: Number(r.due ?? 0),
      lagMs: r.oldest === null ? 0 : now - Number(r.oldest),
    }))
  }

  /** {@link runJobOnce} on this scheduler's database and clock. */
  runJobOnce(name: string, holder: string, everyMs: number): Promise<boolean> {
    return runJobOnce(this.#db, name, holder, everyMs, this.#now())
  }
}

/**
 * Each (URL, visit type) once, so that an origin listed twice in one batch counts once (and
 * PostgreSQL's ON CONFLICT DO UPDATE never meets a key twice in one statement): where it first
 * appears, with the fields of later occurrences that say something (as the upsert's COALESCE).
 */
function uniqueOrigins(origins: readonly ListedOriginInit[]): ListedOriginInit[] {
  const byKey = new Map<string, ListedOriginInit>()
  for (const o of origins) {
    const key = `${o.visitType} ${o.url}`
    const prev = byKey.get(key)
    if (prev === undefined) {
      byKey.set(key, o)
      continue
    }
    const merged: Record<string, unknown> = { ...prev }
    for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) merged[k] = v
    byKey.set(key, merged as unknown as ListedOriginInit)
  }
  return [...byKey.values()]
}
