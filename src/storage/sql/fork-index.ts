/**
 * Keeping the fork index (`origin_root`, docs/forks.md) up to date incrementally.
 *
 * An origin's roots are the root revisions (no parents) reachable from the heads of its latest
 * snapshot. The roots of a revision never change (its history is part of its id), so they are
 * recorded for some revisions in `fork_root_mark`: every head of an indexed snapshot, and every
 * {@link MARK_EVERY}th revision walked. A walk from new heads stops at marked revisions and takes
 * their recorded roots: a re-visit with one new commit walks that one commit; a fork walks its
 * own commits and at most about {@link MARK_EVERY} more. `origin_fork_snapshot` records which
 * snapshot an origin's roots come from, so re-indexing the same snapshot costs one lookup, and
 * roots no longer reachable (history rewritten, branches deleted) are dropped.
 *
 * @module
 */

import { unpackIds } from '../codec.js'
import type { SqlExecutor } from './executor.js'
import { forEachOriginWithSnapshot, originRowId } from './origins.js'
import { b, hex, type Row } from './rows.js'
import { chunks, inList } from './statements.js'

/** Every this many revisions walked, one has its roots recorded (a later walk stops there). */
export const MARK_EVERY = 256

/** Work done by the fork index (since the storage was opened, or by one reindex). */
export interface ForkIndexStats {
  /** Origins whose roots were (re)computed. */
  origins: number
  /** Revisions read from the revision table by the walks. */
  walked: number
}

type RootSet = ReadonlySet<string>
const EMPTY: RootSet = new Set()

/** Revision heads of a snapshot: revision branches, and revisions named by release branches. */
export async function snapshotHeads(db: SqlExecutor, snapshot: string): Promise<string[]> {
  const rows = await db.all<Row>(
    `SELECT target_type, target FROM snapshot_branch
     WHERE snapshot_id = ? AND target_type IN ('revision', 'release')`,
    [b(snapshot)],
  )
  const heads = rows.filter((r) => r['target_type'] === 'revision').map((r) => hex(r['target']))
  const rels = rows.filter((r) => r['target_type'] === 'release').map((r) => hex(r['target']))
  for (const part of chunks(rels)) {
    const got = await db.all<Row>(
      `SELECT target FROM release WHERE target_type = 'revision' AND id IN ${inList(part.length)}`,
      part.map(b),
    )
    got.forEach((r) => heads.push(hex(r['target'])))
  }
  return [...new Set(heads)]
}

/** Root sets shared between revisions (most histories have one root: one set for all). */
class RootSets {
  readonly #byKey = new Map<string, RootSet>()
  of(roots: Iterable<string>): RootSet {
    const list = [...new Set(roots)].sort()
    if (list.length === 0) return EMPTY
    const key = list.join(',')
    let set = this.#byKey.get(key)
    if (!set) this.#byKey.set(key, (set = new Set(list)))
    return set
  }
  union(sets: readonly RootSet[]): RootSet {
    const first = sets[0] ?? EMPTY
    if (sets.every((s) => s === first)) return first
    return this.of(sets.flatMap((s) => [...s]))
  }
}

/** What a walk found: marked revisions' roots, walked revisions' parents, in walk order. */
interface Walk {
  readonly known: Map<string, string[]>
  readonly parents: Map<string, string[]>
  readonly order: string[]
}

/** Most parents a revision may have for {@link walkInSql} to unpack them in SQLite. */
const SQL_MAX_PARENTS = 16

/**
 * The walk from `heads` down to marked revisions in one recursive query; null when SQLite met
 * a revision with more than {@link SQL_MAX_PARENTS} parents (then {@link walkByLevels} does it).
 */
async function walkInSql(db: SqlExecutor, heads: readonly string[]): Promise<Walk | null> {
  const pg = db.dialect === 'postgres'
  const start = pg
    ? `SELECT decode(x, 'hex') FROM unnest(string_to_array(CAST(? AS TEXT), ',')) AS x`
    : `SELECT unhex(value) FROM json_each(?)`
  const step = pg
    ? `SELECT substring(r.parents from 1 + 20 * k for 20) FROM anc JOIN revision r ON r.id = anc.id
       CROSS JOIN LATERAL generate_series(0, length(r.parents) / 20 - 1) AS k
       WHERE NOT EXISTS (SELECT 1 FROM fork_root_mark m WHERE m.revision = anc.id)`
    : `SELECT substr(r.parents, 1 + 20 * k.i, 20) FROM anc JOIN revision r ON r.id = anc.id
       JOIN k ON k.i < length(r.parents) / 20
       WHERE NOT EXISTS (SELECT 1 FROM fork_root_mark m WHERE m.revision = anc.id)`
  const ks = pg
    ? ''
    : `k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${SQL_MAX_PARENTS - 1}), `
  const rows = await db.all<Row>(
    `WITH RECURSIVE ${ks}anc(id) AS (${start} UNION ${step})
     SELECT a.id, m.root, r.parents FROM anc a
     LEFT JOIN fork_root_mark m ON m.revision = a.id
     LEFT JOIN revision r ON r.id = a.id AND m.revision IS NULL`,
    [pg ? heads.join(',') : JSON.stringify(heads)],
  )
  const walk: Walk = { known: new Map(), parents: new Map(), order: [] }
  for (const r of rows) {
    const id = hex(r['id'])
    if (r['root'] !== null && r['root'] !== undefined)
      walk.known.set(id, [...(walk.known.get(id) ?? []), hex(r['root'])])
    else if (r['parents'] !== null && r['parents'] !== undefined) {
      const ps = unpackIds(r['parents'] as Uint8Array)
      if (ps.length > SQL_MAX_PARENTS && !pg) return null
      walk.parents.set(id, ps)
      walk.order.push(id)
    }
  }
  return walk
}

/** The same walk, one query per level (any number of parents). */
async function walkByLevels(db: SqlExecutor, heads: readonly string[]): Promise<Walk> {
  const walk: Walk = { known: new Map(), parents: new Map(), order: [] }
  const { known, parents, order } = walk
  const seen = new Set(heads)
  let frontier = [...seen]
  while (frontier.length > 0) {
    const next: string[] = []
    for (const part of chunks(frontier)) {
      const marks = await db.all<Row>(
        `SELECT revision, root FROM fork_root_mark WHERE revision IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const m of marks) {
        const id = hex(m['revision'])
        known.set(id, [...(known.get(id) ?? []), hex(m['root'])])
      }
      const rest = part.filter((id) => !known.has(id))
      if (rest.length === 0) continue
      const rows = await db.all<Row>(
        `SELECT id, parents FROM revision WHERE id IN ${inList(rest.length)}`,
        rest.map(b),
      )
      for (const r of rows) {
        const id = hex(r['id'])
        const ps = unpackIds(r['parents'] as Uint8Array)
        parents.set(id, ps)
        order.push(id)
        for (const p of ps)
          if (!seen.has(p)) {
            seen.add(p)
            next.push(p)
          }
      }
    }
    frontier = next
  }
  return walk
}

/**
 * The roots reachable from each of `heads`, walking only revisions not marked; marks the
 * heads and every {@link MARK_EVERY}th revision walked. Returns the union over the heads.
 */
export async function headRoots(
  db: SqlExecutor,
  heads: readonly string[],
  stats: ForkIndexStats,
): Promise<Set<string>> {
  const sets = new RootSets()
  const { known, parents } = (await walkInSql(db, heads)) ?? (await walkByLevels(db, heads))
  stats.walked += parents.size
  // Breadth-first order from the heads (rows come in no set order): which ones get marks.
  const order: string[] = []
  const queued = new Set(heads.filter((h) => parents.has(h)))
  order.push(...queued)
  for (let i = 0; i < order.length; i++)
    for (const p of parents.get(order[i]!) ?? [])
      if (parents.has(p) && !queued.has(p)) {
        queued.add(p)
        order.push(p)
      }
  // Roots of every walked revision, parents first (an explicit stack: histories are deep).
  const memo = new Map<string, RootSet>()
  for (const [id, roots] of known) memo.set(id, sets.of(roots))
  const resolve = (start: string): RootSet => {
    const stack = [start]
    while (stack.length > 0) {
      const x = stack[stack.length - 1]!
      if (memo.has(x)) {
        stack.pop()
        continue
      }
      const ps = parents.get(x)
      if (ps === undefined)
        memo.set(x, EMPTY) // not stored: contributes no root
      else if (ps.length === 0) memo.set(x, sets.of([x]))
      else {
        const pending = ps.filter((p) => !memo.has(p))
        if (pending.length > 0) {
          stack.push(...pending)
          continue
        }
        memo.set(x, sets.union(ps.map((p) => memo.get(p)!)))
      }
      stack.pop()
    }
    return memo.get(start)!
  }
  const all = new Set<string>()
  const marks: [string, string][] = []
  for (const h of heads) {
    const roots = resolve(h)
    roots.forEach((r) => all.add(r))
    if (parents.has(h)) roots.forEach((r) => marks.push([h, r]))
  }
  const headSet = new Set(heads)
  order.forEach((id, i) => {
    if ((i + 1) % MARK_EVERY === 0 && !headSet.has(id))
      resolve(id).forEach((r) => marks.push([id, r]))
  })
  for (const part of chunks(marks, 200)) {
    await db.run(
      `INSERT INTO fork_root_mark (revision, root) VALUES ${part.map(() => '(?, ?)').join(', ')}
       ON CONFLICT DO NOTHING`,
      part.flatMap(([rev, root]) => [b(rev), b(root)]),
    )
  }
  return all
}

/** The snapshot of the origin's latest visit status naming one, or null. */
async function latestSnapshot(db: SqlExecutor, oid: number): Promise<string | null> {
  const rows = await db.all<Row>(
    `SELECT snapshot FROM origin_visit_status WHERE origin_id = ? AND snapshot IS NOT NULL
     ORDER BY visit DESC, date DESC, seq DESC LIMIT 1`,
    [oid],
  )
  return rows[0] ? hex(rows[0]['snapshot']) : null
}

/**
 * Makes the roots of origin `oid` those of its latest snapshot (roots not reachable from it are
 * dropped). Does nothing when that snapshot is the one indexed already, unless `force`.
 * Returns whether the roots were computed.
 */
export async function indexOrigin(
  db: SqlExecutor,
  oid: number,
  stats: ForkIndexStats,
  force = false,
): Promise<boolean> {
  const snapshot = await latestSnapshot(db, oid)
  if (snapshot === null) return false
  if (!force) {
    const done = await db.all<Row>(
      'SELECT snapshot FROM origin_fork_snapshot WHERE origin_id = ?',
      [oid],
    )
    if (done[0] && hex(done[0]['snapshot']) === snapshot) return false
  }
  const roots = await headRoots(db, await snapshotHeads(db, snapshot), stats)
  await db.transaction(async (tx) => {
    const old = await tx.all<Row>('SELECT root FROM origin_root WHERE origin_id = ?', [oid])
    const had = new Set(old.map((r) => hex(r['root'])))
    const stale = [...had].filter((r) => !roots.has(r))
    for (const part of chunks(stale))
      await tx.run(
        `DELETE FROM origin_root WHERE origin_id = ? AND root IN ${inList(part.length)}`,
        [oid, ...part.map(b)],
      )
    const fresh = [...roots].filter((r) => !had.has(r))
    for (const part of chunks(fresh, 200))
      await tx.run(
        `INSERT INTO origin_root (origin_id, root) VALUES ${part.map(() => '(?, ?)').join(', ')}
         ON CONFLICT DO NOTHING`,
        part.flatMap((r) => [oid, b(r)]),
      )
    await tx.run(
      `INSERT INTO origin_fork_snapshot (origin_id, snapshot) VALUES (?, ?)
       ON CONFLICT (origin_id) DO UPDATE SET snapshot = excluded.snapshot`,
      [oid, b(snapshot)],
    )
  })
  stats.origins++
  return true
}

/** Indexes the origins of statuses that name a snapshot (after they are stored). */
export async function indexStatuses(
  db: SqlExecutor,
  statuses: readonly { readonly origin: string; readonly snapshot: string | null }[],
  stats: ForkIndexStats,
): Promise<void> {
  const urls = new Set(statuses.filter((s) => s.snapshot !== null).map((s) => s.origin))
  for (const url of urls) {
    const oid = await originRowId(db, url)
    if (oid !== null) await indexOrigin(db, oid, stats)
  }
}

/** What {@link reindexForks} did. */
export interface ForkReindexReport extends ForkIndexStats {
  /** Origins with a snapshot looked at. */
  checked: number
}

/**
 * Indexes every origin with a snapshot (archives made before the index, or after a crash):
 * those already indexed at their latest snapshot are skipped unless `force`.
 */
export async function reindexForks(
  db: SqlExecutor,
  options: { readonly force?: boolean; readonly onOrigin?: (checked: number) => void } = {},
): Promise<ForkReindexReport> {
  const report: ForkReindexReport = { checked: 0, origins: 0, walked: 0 }
  await forEachOriginWithSnapshot(db, async (id) => {
    await indexOrigin(db, id, report, options.force ?? false)
    options.onOrigin?.(++report.checked)
  })
  return report
}
