/**
 * What the scrubber keeps in the archive's database (its own tables, recorded in
 * `integrity_migration`): its position (kind and key reached, round, when the round began), the
 * findings with the date each was first and last seen and, once a later pass no longer finds
 * it, the date it was fixed; and a lease so that one scrubber runs at a time, whatever the
 * number of processes sharing the archive. Times are milliseconds since the epoch.
 *
 * @module
 */

import {
  type Dialect,
  migrate,
  type Migration,
  type SqlExecutor,
  type SqlValue,
} from '../storage/index.js'
import type { FsckFinding, FsckKind, FsckProblem } from './findings.js'

/** Bookkeeping table of the integrity area's migrations. */
export const INTEGRITY_MIGRATION_TABLE = 'integrity_migration'

const V1 = [
  `CREATE TABLE scrub_position (
     name TEXT PRIMARY KEY, kind TEXT NOT NULL, after_key TEXT, round INT8 NOT NULL,
     round_started INT8 NOT NULL, checked INT8 NOT NULL, updated_at INT8 NOT NULL
   )`,
  `CREATE TABLE scrub_finding (
     swhid TEXT NOT NULL, problem TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,
     detail TEXT NOT NULL, origin TEXT, visit INT8,
     first_seen INT8 NOT NULL, last_seen INT8 NOT NULL, fixed_at INT8,
     PRIMARY KEY (swhid, problem, target)
   )`,
  `CREATE INDEX scrub_finding_open ON scrub_finding (last_seen) WHERE fixed_at IS NULL`,
  `CREATE TABLE scrub_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms INT8 NOT NULL)`,
]

function migrations(dialect: Dialect): Migration[] {
  const render = (s: string): string =>
    dialect === 'sqlite' ? s.replace(/\bINT8\b/g, 'INTEGER') : s.replace(/\bINT8\b/g, 'BIGINT')
  return [{ version: 1, description: 'scrubber', statements: V1.map(render) }]
}

/** Where the scrubber is. */
export interface ScrubPosition {
  /** The kind being walked, and the key reached in it (null: its beginning). */
  readonly kind: FsckKind
  readonly after: string | null
  /** Complete passes over the archive so far. */
  readonly round: number
  readonly roundStarted: number
  /** Objects checked in this round. */
  readonly checked: number
  readonly updatedAt: number
}

/** A stored finding. */
export interface ScrubFinding extends FsckFinding {
  readonly firstSeen: number
  readonly lastSeen: number
  /** When a later check no longer found it (null: still open). */
  readonly fixedAt: number | null
}

/** Counts of findings. */
export interface ScrubCounts {
  readonly open: Readonly<Record<FsckProblem, number>>
  readonly fixed: number
}

const NAME = 'archive'

type Row = Record<string, unknown>
const n = (v: unknown): number => Number(v)
const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

function findingOf(r: Row): ScrubFinding {
  const target = String(r['target'])
  return {
    kind: String(r['kind']) as FsckKind,
    swhid: String(r['swhid']),
    problem: String(r['problem']) as FsckProblem,
    detail: String(r['detail']),
    ...(target === '' ? {} : { target }),
    ...(r['origin'] == null ? {} : { origin: text(r['origin']) }),
    ...(r['visit'] == null ? {} : { visit: n(r['visit']) }),
    firstSeen: n(r['first_seen']),
    lastSeen: n(r['last_seen']),
    fixedAt: r['fixed_at'] == null ? null : n(r['fixed_at']),
  }
}

/** The scrubber's tables. */
export class ScrubStore {
  readonly #db: SqlExecutor

  constructor(db: SqlExecutor) {
    this.#db = db
  }

  /** Creates the tables if needed. */
  async open(): Promise<void> {
    // A read first: once the tables exist, opening takes no write lock (a server opening the
    // store beside a busy worker in the same process must not wait for the database).
    const wanted = migrations(this.#db.dialect)
    try {
      const rows = await this.#db.all<Row>(`SELECT version FROM ${INTEGRITY_MIGRATION_TABLE}`)
      const done = new Set(rows.map((r) => n(r['version'])))
      if (wanted.every((m) => done.has(m.version))) return
    } catch {
      // no bookkeeping table yet
    }
    await migrate(this.#db, wanted, INTEGRITY_MIGRATION_TABLE)
  }

  /** The position, or null before the first page. */
  async position(): Promise<ScrubPosition | null> {
    const [r] = await this.#db.all<Row>('SELECT * FROM scrub_position WHERE name = ?', [NAME])
    if (!r) return null
    return {
      kind: String(r['kind']) as FsckKind,
      after: r['after_key'] == null ? null : text(r['after_key']),
      round: n(r['round']),
      roundStarted: n(r['round_started']),
      checked: n(r['checked']),
      updatedAt: n(r['updated_at']),
    }
  }

  /**
   * Records a checked page: its findings (new ones first seen now, known ones seen again) and
   * the position after it, in one transaction.
   */
  async record(
    findings: readonly FsckFinding[],
    position: Omit<ScrubPosition, 'updatedAt'>,
    now: number,
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const f of findings) {
        const params: SqlValue[] = [
          f.swhid,
          f.problem,
          f.target ?? '',
          f.kind,
          f.detail,
          f.origin ?? null,
          f.visit ?? null,
          now,
          now,
        ]
        await tx.run(
          `INSERT INTO scrub_finding (swhid, problem, target, kind, detail, origin, visit, first_seen, last_seen, fixed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (swhid, problem, target) DO UPDATE SET detail = excluded.detail,
             last_seen = excluded.last_seen,
             first_seen = CASE WHEN scrub_finding.fixed_at IS NULL THEN scrub_finding.first_seen ELSE excluded.first_seen END,
             fixed_at = NULL`,
          params,
        )
      }
      await tx.run(
        `INSERT INTO scrub_position (name, kind, after_key, round, round_started, checked, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, after_key = excluded.after_key,
           round = excluded.round, round_started = excluded.round_started,
           checked = excluded.checked, updated_at = excluded.updated_at`,
        [
          NAME,
          position.kind,
          position.after,
          position.round,
          position.roundStarted,
          position.checked,
          now,
        ],
      )
    })
  }

  /** At the end of a round: open findings not seen since it began are fixed. Returns how many. */
  fixStale(roundStarted: number, now: number): Promise<number> {
    return this.#db.run(
      'UPDATE scrub_finding SET fixed_at = ? WHERE fixed_at IS NULL AND last_seen < ?',
      [now, roundStarted],
    )
  }

  /** Findings, open ones (or all), most recently seen first. */
  async findings(
    options: { readonly all?: boolean; readonly limit?: number } = {},
  ): Promise<ScrubFinding[]> {
    const rows = await this.#db.all<Row>(
      `SELECT * FROM scrub_finding ${options.all ? '' : 'WHERE fixed_at IS NULL'} ORDER BY last_seen DESC, swhid LIMIT ?`,
      [options.limit ?? 1000],
    )
    return rows.map(findingOf)
  }

  async counts(): Promise<ScrubCounts> {
    const rows = await this.#db.all<Row>(
      'SELECT problem, fixed_at IS NULL AS open, COUNT(*) AS n FROM scrub_finding GROUP BY problem, fixed_at IS NULL',
    )
    const open: Record<FsckProblem, number> = { corrupt: 0, missing: 0, dangling: 0 }
    let fixed = 0
    for (const r of rows) {
      const isOpen = r['open'] === true || n(r['open']) === 1
      if (isOpen) open[String(r['problem']) as FsckProblem] += n(r['n'])
      else fixed += n(r['n'])
    }
    return { open, fixed }
  }

  /**
   * Takes (or renews) the scrubber's lease for `holder` until `now + ms`; false when another
   * holder's lease is still running.
   */
  async lease(holder: string, now: number, ms: number): Promise<boolean> {
    // One statement: the conditional upsert is atomic on both engines (PostgreSQL locks the
    // conflicting row and evaluates the condition again).
    const changed = await this.#db.run(
      `INSERT INTO scrub_lease (name, holder, until_ms) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
       WHERE scrub_lease.holder = excluded.holder OR scrub_lease.until_ms <= ?`,
      [NAME, holder, now + ms, now],
    )
    return changed > 0
  }

  /** Gives the lease up (if `holder` has it). */
  async unlease(holder: string): Promise<void> {
    await this.#db.run('DELETE FROM scrub_lease WHERE name = ? AND holder = ?', [NAME, holder])
  }

  /** Who holds the lease, if it is running. */
  async leaseHolder(now: number): Promise<string | null> {
    const [r] = await this.#db.all<Row>('SELECT holder, until_ms FROM scrub_lease WHERE name = ?', [
      NAME,
    ])
    return r && n(r['until_ms']) > now ? String(r['holder']) : null
  }
}
