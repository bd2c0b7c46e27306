/**
 * Heads and divergence for a page of forks, in batch: the HEAD revisions of all the page's
 * origins in a few queries, one walk of the origin's own history, and one walk for all forks
 * together that stops where each fork meets that history (so a fork costs what it adds, not its
 * whole history). `ahead` = revisions reachable from the fork's head and not from the origin's
 * (`git rev-list --count origin..fork`), `behind` the converse.
 *
 * @module
 */

import { LRUCache } from 'lru-cache'

import { unpackIds } from '../codec.js'
import type { SqlExecutor } from './executor.js'
import { b, hex, num, type Row } from './rows.js'
import { chunks, inList } from './statements.js'

/** Most revisions walked from one head when counting ahead/behind; past it, the counts are null. */
export const DIVERGENCE_WALK_LIMIT = 20_000

/** How many alias hops HEAD may take. */
const MAX_HOPS = 10

/**
 * The revision HEAD of each origin's latest snapshot resolves to (aliases followed, a release
 * peeled once), or null; by origin row id.
 */
export async function originHeads(
  db: SqlExecutor,
  oids: readonly number[],
): Promise<Map<number, string | null>> {
  const out = new Map<number, string | null>(oids.map((o) => [o, null]))
  // origin → [snapshot, branch name looked up]
  let pending = new Map<number, [Uint8Array, Uint8Array]>()
  for (const part of chunks([...new Set(oids)])) {
    const rows = await db.all<Row>(
      `SELECT o.id, (SELECT s.snapshot FROM origin_visit_status s
                     WHERE s.origin_id = o.id AND s.snapshot IS NOT NULL
                     ORDER BY s.visit DESC, s.date DESC, s.seq DESC LIMIT 1) AS snp
       FROM origin o WHERE o.id IN ${inList(part.length)}`,
      part,
    )
    for (const r of rows)
      if (r['snp'] !== null && r['snp'] !== undefined)
        pending.set(num(r['id']), [r['snp'] as Uint8Array, Buffer.from('HEAD')])
  }
  const releases = new Map<number, string>()
  for (let hop = 0; hop < MAX_HOPS && pending.size > 0; hop++) {
    const snaps = [...new Map([...pending.values()].map(([s]) => [hex(s), s])).values()]
    const names = [...new Map([...pending.values()].map(([, n]) => [hex(n), n])).values()]
    const found = new Map<string, Row>()
    for (const sp of chunks(snaps, 200))
      for (const np of chunks(names, 200)) {
        const rows = await db.all<Row>(
          `SELECT snapshot_id, name, target_type, target FROM snapshot_branch
           WHERE snapshot_id IN ${inList(sp.length)} AND name IN ${inList(np.length)}`,
          [...sp, ...np],
        )
        rows.forEach((r) => found.set(`${hex(r['snapshot_id'])} ${hex(r['name'])}`, r))
      }
    const next = new Map<number, [Uint8Array, Uint8Array]>()
    for (const [oid, [snp, name]] of pending) {
      const r = found.get(`${hex(snp)} ${hex(name)}`)
      if (!r || r['target'] === null) continue
      if (r['target_type'] === 'alias') next.set(oid, [snp, r['target'] as Uint8Array])
      else if (r['target_type'] === 'revision') out.set(oid, hex(r['target']))
      else if (r['target_type'] === 'release') releases.set(oid, hex(r['target']))
    }
    pending = next
  }
  const relIds = [...new Set(releases.values())]
  const peeled = new Map<string, string>()
  for (const part of chunks(relIds)) {
    const rows = await db.all<Row>(
      `SELECT id, target FROM release WHERE target_type = 'revision' AND id IN ${inList(part.length)}`,
      part.map(b),
    )
    rows.forEach((r) => peeled.set(hex(r['id']), hex(r['target'])))
  }
  for (const [oid, rel] of releases) out.set(oid, peeled.get(rel) ?? null)
  return out
}

/** Parents of stored revisions, read in batches and kept for the rest of the page. */
class ParentReader {
  readonly #known = new Map<string, string[] | null>()
  constructor(readonly db: SqlExecutor) {}
  async load(ids: Iterable<string>): Promise<void> {
    const want = [...new Set(ids)].filter((id) => !this.#known.has(id))
    for (const part of chunks(want)) {
      const rows = await this.db.all<Row>(
        `SELECT id, parents FROM revision WHERE id IN ${inList(part.length)}`,
        part.map(b),
      )
      part.forEach((id) => this.#known.set(id, null))
      rows.forEach((r) => this.#known.set(hex(r['id']), unpackIds(r['parents'] as Uint8Array)))
    }
  }
  /** Records revisions read elsewhere with their parents. */
  add(rows: readonly (readonly [string, string[]])[]): void {
    for (const [id, ps] of rows) this.#known.set(id, ps)
  }
  /** Parents of a loaded revision; null when it is not stored. */
  get(id: string): string[] | null {
    return this.#known.get(id) ?? null
  }
}

/**
 * Histories read by {@link historyOf}, by head. A revision's history is part of its id, so an
 * entry stays true; the time limit only bounds what a revision stored after the walk (a parent
 * missing then) may leave out. Bounded by the number of revisions held.
 */
const histories = new WeakMap<SqlExecutor, LRUCache<string, [string, string[]][]>>()

function historyCache(db: SqlExecutor): LRUCache<string, [string, string[]][]> {
  let c = histories.get(db)
  if (!c) {
    c = new LRUCache<string, [string, string[]][]>({
      maxSize: 200_000,
      sizeCalculation: (h) => h.length + 1,
      ttl: 10 * 60_000,
    })
    histories.set(db, c)
  }
  return c
}

/** Most parents a revision may have for {@link historyOf} to unpack them in SQL. */
const SQL_MAX_PARENTS = 16

/**
 * The stored revisions reachable from `head` with their parents, at most `limit` of them, in one
 * recursive query; null if one has more than {@link SQL_MAX_PARENTS} parents.
 */
async function historyOf(
  db: SqlExecutor,
  head: string,
  limit: number,
): Promise<[string, string[]][] | null> {
  const pg = db.dialect === 'postgres'
  const sql = pg
    ? `WITH RECURSIVE anc(id) AS (
         SELECT CAST(? AS BYTEA)
         UNION
         SELECT substring(r.parents from 1 + 20 * k for 20) FROM anc JOIN revision r ON r.id = anc.id
         CROSS JOIN LATERAL generate_series(0, length(r.parents) / 20 - 1) AS k
       )
       SELECT r.id, r.parents FROM (SELECT id FROM anc LIMIT ?) a JOIN revision r ON r.id = a.id`
    : `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${SQL_MAX_PARENTS - 1}),
       anc(id) AS (
         SELECT ?
         UNION
         SELECT substr(r.parents, 1 + 20 * k.i, 20) FROM anc JOIN revision r ON r.id = anc.id
         JOIN k ON k.i < length(r.parents) / 20
         LIMIT ?
       )
       SELECT r.id, r.parents FROM anc JOIN revision r ON r.id = anc.id`
  const rows = await db.all<Row>(sql, [b(head), limit])
  const out: [string, string[]][] = []
  for (const r of rows) {
    const ps = unpackIds(r['parents'] as Uint8Array)
    if (ps.length > SQL_MAX_PARENTS) return null
    out.push([hex(r['id']), ps])
  }
  return out
}

/** Ahead/behind of each of `forkHeads` against `head` (null where a walk passed its limit). */
export async function divergences(
  db: SqlExecutor,
  head: string,
  forkHeads: readonly string[],
): Promise<Map<string, { ahead: number; behind: number } | null>> {
  const parents = new ParentReader(db)
  // The origin's own history, whole (bounded), in one recursive query; kept for the next pages.
  const cache = historyCache(db)
  let history = cache.get(head) ?? null
  if (history === null) {
    history = await historyOf(db, head, DIVERGENCE_WALK_LIMIT + 1)
    if (history !== null) cache.set(head, history)
  }
  let complete = history !== null && history.length <= DIVERGENCE_WALK_LIMIT
  const mine = new Set<string>([head])
  if (history !== null && complete) {
    parents.add(history)
    history.forEach(([id, ps]) => {
      mine.add(id)
      ps.forEach((p) => mine.add(p))
    })
  } else if (history === null) {
    // An octopus merge of more parents than the query unpacks: walked here, level by level.
    complete = true
    let frontier = [head]
    while (frontier.length > 0 && complete) {
      await parents.load(frontier)
      const next: string[] = []
      for (const id of frontier)
        for (const p of parents.get(id) ?? [])
          if (!mine.has(p)) {
            if (mine.size >= DIVERGENCE_WALK_LIMIT) complete = false
            mine.add(p)
            next.push(p)
          }
      frontier = next
    }
  }
  await parents.load(mine) // revisions named but not stored are known as such
  const out = new Map<string, { ahead: number; behind: number } | null>()
  if (!complete) {
    forkHeads.forEach((f) => out.set(f, null))
    return out
  }
  // Every fork at once, each stopping where it enters the origin's history (its boundary).
  const forks = [...new Set(forkHeads)].map((f) => ({
    head: f,
    seen: new Set([f]),
    frontier: [f],
    ahead: 0,
    boundary: new Set<string>(),
    over: false,
  }))
  for (;;) {
    const live = forks.filter((f) => f.frontier.length > 0 && !f.over)
    if (live.length === 0) break
    await parents.load(live.flatMap((f) => f.frontier.filter((id) => !mine.has(id))))
    for (const f of live) {
      const next: string[] = []
      for (const id of f.frontier) {
        if (mine.has(id)) {
          f.boundary.add(id)
          continue
        }
        const ps = parents.get(id)
        if (ps === null) continue // not stored: counted by neither side
        if (++f.ahead > DIVERGENCE_WALK_LIMIT) f.over = true
        for (const p of ps)
          if (!f.seen.has(p)) {
            f.seen.add(p)
            next.push(p)
          }
      }
      f.frontier = next
    }
  }
  // Behind: the origin's revisions that are not ancestors of a boundary revision.
  const closure = new AncestorCounter(mine, parents)
  for (const f of forks)
    out.set(
      f.head,
      f.over ? null : { ahead: f.ahead, behind: closure.stored - closure.count(f.boundary) },
    )
  return out
}

/**
 * Stored ancestors (the revisions themselves included) of sets of revisions of one history,
 * walked over integer indexes with a reused visit mark (a page of forks asks for many
 * boundaries, each a walk of up to the whole history); counts are kept by boundary.
 */
class AncestorCounter {
  /** Revisions of the history that are stored. */
  readonly stored: number
  readonly #index = new Map<string, number>()
  readonly #parents: Int32Array[] = []
  readonly #isStored: Uint8Array
  readonly #mark: Uint32Array
  #generation = 0
  readonly #counts = new Map<string, number>()

  constructor(history: ReadonlySet<string>, parents: ParentReader) {
    for (const id of history) this.#index.set(id, this.#index.size)
    this.#isStored = new Uint8Array(this.#index.size)
    this.#mark = new Uint32Array(this.#index.size)
    let stored = 0
    for (const [id, i] of this.#index) {
      const ps = parents.get(id)
      if (ps !== null) {
        this.#isStored[i] = 1
        stored++
      }
      const idx = (ps ?? []).map((p) => this.#index.get(p)).filter((x) => x !== undefined)
      this.#parents.push(Int32Array.from(idx))
    }
    this.stored = stored
  }

  /** Stored revisions among `boundary` (revisions of the history) and their ancestors. */
  count(boundary: ReadonlySet<string>): number {
    const key = [...boundary].sort().join(',')
    const cached = this.#counts.get(key)
    if (cached !== undefined) return cached
    const gen = ++this.#generation
    const stack: number[] = []
    for (const id of boundary) {
      const i = this.#index.get(id)
      if (i !== undefined && this.#mark[i] !== gen) {
        this.#mark[i] = gen
        stack.push(i)
      }
    }
    let n = 0
    while (stack.length > 0) {
      const i = stack.pop()!
      n += this.#isStored[i]!
      for (const p of this.#parents[i]!)
        if (this.#mark[p] !== gen) {
          this.#mark[p] = gen
          stack.push(p)
        }
    }
    this.#counts.set(key, n)
    return n
  }
}
