/**
 * Keeping the provenance index (docs/provenance.md) up to date on ingest.
 *
 * When a visit status names a snapshot, the revisions reachable from its heads that are not
 * indexed yet are found (the walk stops at indexed ones: a re-visit walks only what is new), then
 * processed oldest first (committer date, then id). For each, its tree is walked breadth first,
 * shallowest paths first and in byte order within a depth; an object whose first occurrence is
 * already as early (or earlier) is not descended into, so an unchanged subtree costs one lookup.
 * A revision older than an object's recorded first occurrence (histories loaded out of order, a
 * repository that had a file before the one archived first) replaces it and is descended into,
 * so the result does not depend on the order of loads.
 *
 * A snapshot's releases that name a directory (tarball and package origins have no revisions)
 * are indexed the same way, after its revisions, the release as the anchor (`anchor_type`
 * `rel`, migration 16) and its date as the occurrence's.
 *
 * The lists (which revisions, releases, origins hold an object) walk up the graph's reverse
 * entry edges (`graph_dir_post`, written with each directory: see graph-postings.ts), not a copy
 * of their own. Revisions are marked in `provenance_revision` in the transaction of their
 * first-occurrence rows, so a crash leaves only unmarked revisions to do, and the next status or `arca provenance
 * reindex` finishes them. Which origins hold which revisions (`provenance_origin_revision`) is
 * recorded for every revision of an origin's history, walked once per origin (a re-visit walks
 * what is new; a fork walks its history once, without reading any tree already indexed).
 *
 * @module
 */

import { forEachPackedEntry, PACKED_DIR, PACKED_FILE, unpackIds } from '../codec.js'
import type { SqlExecutor } from './executor.js'
import { snapshotHeads } from './fork-index.js'
import { graphIndexComplete, reindexGraph } from './graph-index.js'
import { originRowId } from './origins.js'
import { b, hex, num, type Row } from './rows.js'
import { chunks, inList } from './statements.js'

/** Kind codes of `provenance_first.kind`. */
export const KIND_CONTENT = 0
export const KIND_DIRECTORY = 1

/** Date (µs) recorded for revisions without a committer date: after every real one. */
export const NO_DATE = Number.MAX_SAFE_INTEGER

/** Revisions processed (and committed) together. */
const REVISIONS_PER_TX = 200

/** Work done by the provenance index. */
export interface ProvenanceIndexStats {
  /** Revisions indexed. */
  revisions: number
  /** Directories read. */
  directories: number
  /** First-occurrence rows written (new or moved earlier). */
  firsts: number
}

interface First {
  readonly date: number
  readonly revision: string
}

interface NewRevision {
  readonly id: string
  readonly directory: string
  readonly date: number
  /** `rel` for a release naming a directory (tarballs, packages); absent: a revision. */
  readonly anchor?: 'rel'
}

const before = (date: number, rev: string, f: First): boolean =>
  date < f.date || (date === f.date && rev < f.revision)

/** `x` comes before `y` in the order revisions are indexed in (date, then id). */
const earlier = (x: NewRevision, y: NewRevision): boolean =>
  x.date < y.date || (x.date === y.date && x.id < y.id)

/**
 * Revisions reachable from `heads` that origin `originId`'s history is not known to hold (the
 * walk stops at known ones), and among them those whose trees are not indexed, oldest first.
 */
async function newRevisions(
  db: SqlExecutor,
  heads: readonly string[],
  originId: number | null,
): Promise<{ walked: string[]; fresh: NewRevision[] }> {
  const walked: string[] = []
  const fresh: NewRevision[] = []
  const seen = new Set(heads)
  let frontier = [...seen]
  while (frontier.length > 0) {
    const next: string[] = []
    for (const part of chunks(frontier)) {
      const known =
        originId === null
          ? await db.all<Row>(
              `SELECT id FROM provenance_revision WHERE id IN ${inList(part.length)}`,
              part.map(b),
            )
          : await db.all<Row>(
              `SELECT revision AS id FROM provenance_origin_revision
               WHERE origin_id = ? AND revision IN ${inList(part.length)}`,
              [originId, ...part.map(b)],
            )
      const stop = new Set(known.map((r) => hex(r['id'])))
      const rest = part.filter((id) => !stop.has(id))
      if (rest.length === 0) continue
      const rows = await db.all<Row>(
        `SELECT r.id, r.directory, r.parents, r.committer_date_seconds AS s,
           r.committer_date_micro AS us, p.id AS done
         FROM revision r LEFT JOIN provenance_revision p ON p.id = r.id
         WHERE r.id IN ${inList(rest.length)}`,
        rest.map(b),
      )
      for (const r of rows) {
        const id = hex(r['id'])
        walked.push(id)
        const s = r['s']
        if (r['done'] === null || r['done'] === undefined)
          fresh.push({
            id,
            directory: hex(r['directory']),
            date: s === null || s === undefined ? NO_DATE : num(s) * 1_000_000 + num(r['us'] ?? 0),
          })
        for (const p of unpackIds(r['parents'] as Uint8Array))
          if (!seen.has(p)) {
            seen.add(p)
            next.push(p)
          }
      }
    }
    frontier = next
  }
  fresh.sort((x, y) => x.date - y.date || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
  return { walked, fresh }
}

/**
 * The releases of `snapshot` that name a directory (tarball and package origins: no revision)
 * and whose trees are not indexed yet (marked in `provenance_revision` like revisions), oldest
 * first; their date is the release's.
 */
async function newDirectoryReleases(db: SqlExecutor, snapshot: string): Promise<NewRevision[]> {
  const rows = await db.all<Row>(
    `SELECT r.id, r.target, r.date_seconds AS s, r.date_micro AS us, p.id AS done
     FROM snapshot_branch br JOIN release r ON r.id = br.target
     LEFT JOIN provenance_revision p ON p.id = r.id
     WHERE br.snapshot_id = ? AND br.target_type = 'release' AND r.target_type = 'directory'`,
    [b(snapshot)],
  )
  const out = new Map<string, NewRevision>()
  for (const r of rows) {
    if (r['done'] !== null && r['done'] !== undefined) continue
    const s = r['s']
    out.set(hex(r['id']), {
      id: hex(r['id']),
      directory: hex(r['target']),
      date: s === null || s === undefined ? NO_DATE : num(s) * 1_000_000 + num(r['us'] ?? 0),
      anchor: 'rel',
    })
  }
  return [...out.values()].sort(
    (x, y) => x.date - y.date || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
  )
}

/**
 * Most directory entries read ahead for one batch (some 150 bytes of heap each); beyond, the
 * walks read what is left level by level.
 */
const AHEAD_ENTRIES = 200_000

/** An entry of a directory the walks descend into: a content or a directory. */
interface Entry {
  readonly id: string
  readonly kind: number
  readonly name: Uint8Array
}

/** A node of a tree walk: an object at a path. */
interface Node {
  readonly id: string
  readonly kind: number
  readonly path: Uint8Array
}

/**
 * What one transaction's worth of revisions writes, and the first occurrences it knows.
 *
 * Before the walks, {@link Batch.readAhead} reads in a few statements what they will look up:
 * one breadth-first walk of the union of the batch's trees (each object once), reading the
 * recorded first occurrence of every object met and the entries of every directory that some
 * revision of the batch reaching it could be the first occurrence of (no record, or a record
 * later than that revision). The walks themselves ({@link Batch.revision}) are unchanged and
 * one revision at a time; they take from what was read ahead and query only what it missed
 * (none in practice; past {@link AHEAD_ENTRIES} entries, the rest), so the rows written are the
 * same as a walk querying level by level. The first occurrences the previous batch of the walk
 * read or wrote are not read again (the unchanged files of a directory changed in every batch).
 */
class Batch {
  readonly firsts = new Map<string, First>()
  readonly rows = new Map<string, [number, string, number, Uint8Array, string | null]>()
  readonly marks: NewRevision[] = []
  /** Recorded first occurrences read ahead (null: none recorded). */
  readonly #stored = new Map<string, First | null>()
  /** Directory entries read ahead (null: no such directory), each dropped once walked. */
  readonly #entries = new Map<string, Entry[] | null>()

  constructor(
    readonly db: SqlExecutor,
    readonly originId: number | null,
    readonly stats: ProvenanceIndexStats,
    /**
     * The first occurrences the previous batch of the same walk knew when it was written:
     * what the database holds for them since (the rows written only ever move a first
     * occurrence earlier, as the batch's did).
     */
    readonly carried: ReadonlyMap<string, First> = new Map(),
  ) {}

  /** Reads the recorded first occurrences of `ids` into `into` (null for none). */
  async #readFirsts(ids: readonly string[], into: Map<string, First | null>): Promise<void> {
    for (const part of chunks(ids)) {
      const rows = await this.db.all<Row>(
        `SELECT id, revision, date FROM provenance_first WHERE id IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const id of part) into.set(id, null)
      for (const r of rows)
        into.set(hex(r['id']), { date: num(r['date']), revision: hex(r['revision']) })
    }
  }

  /** Reads the entries of directories `ids` into `into` (null for none); how many entries. */
  async #readEntries(ids: readonly string[], into: Map<string, Entry[] | null>): Promise<number> {
    let n = 0
    for (const part of chunks(ids)) {
      const got = await this.db.all<Row>(
        `SELECT id, entries FROM directory WHERE id IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const id of part) into.set(id, null)
      for (const r of got) {
        const blob = r['entries'] as Uint8Array
        const list: Entry[] = []
        forEachPackedEntry(blob, (code, ns, ne, t) => {
          if (code !== PACKED_FILE && code !== PACKED_DIR) return
          list.push({
            id: hex(blob.subarray(t, t + 20)),
            kind: code === PACKED_DIR ? KIND_DIRECTORY : KIND_CONTENT,
            name: blob.subarray(ns, ne),
          })
        })
        into.set(hex(r['id']), list)
        n += list.length
      }
    }
    return n
  }

  /**
   * Reads ahead what the walks of `revs` will look up: a walk of the union of their trees,
   * each object carried with the earliest revision of the batch reaching it (met again through
   * an earlier one, it is carried on again); a directory is read when that revision is before
   * its recorded first occurrence (or there is none), which every directory a walk descends
   * into satisfies.
   */
  async readAhead(revs: readonly NewRevision[]): Promise<void> {
    const reach = new Map<string, NewRevision>()
    let level = new Map<string, { rev: NewRevision; dir: boolean }>()
    for (const rev of revs) {
      const r = reach.get(rev.directory)
      if (r && !earlier(rev, r)) continue
      reach.set(rev.directory, rev)
      level.set(rev.directory, { rev, dir: true })
    }
    let read = 0
    while (level.size > 0) {
      const ask: string[] = []
      for (const id of level.keys()) {
        if (this.#stored.has(id)) continue
        const c = this.carried.get(id)
        if (c) this.#stored.set(id, c)
        else ask.push(id)
      }
      await this.#readFirsts(ask, this.#stored)
      const open: [string, NewRevision][] = []
      for (const [id, { rev, dir }] of level) {
        const f = this.#stored.get(id)
        if (dir && (!f || before(rev.date, rev.id, f))) open.push([id, rev])
      }
      const unread = open.map(([id]) => id).filter((id) => !this.#entries.has(id))
      if (read > AHEAD_ENTRIES) return
      read += await this.#readEntries(unread, this.#entries)
      const next = new Map<string, { rev: NewRevision; dir: boolean }>()
      for (const [id, rev] of open) {
        for (const e of this.#entries.get(id) ?? []) {
          const r = reach.get(e.id)
          if (r && !earlier(rev, r)) continue
          reach.set(e.id, rev)
          next.set(e.id, { rev, dir: e.kind === KIND_DIRECTORY })
        }
      }
      level = next
    }
  }

  /** Loads the recorded first occurrences of `ids` not known to the batch yet. */
  async load(ids: readonly string[]): Promise<void> {
    const want = [...new Set(ids.filter((id) => !this.firsts.has(id)))]
    const missed: string[] = []
    for (const id of want) {
      const stored = this.#stored.get(id)
      const f = stored === undefined ? this.carried.get(id) : stored
      if (f) this.firsts.set(id, f)
      else if (f === undefined) missed.push(id)
    }
    const got = new Map<string, First | null>()
    await this.#readFirsts(missed, got)
    for (const [id, f] of got) if (f) this.firsts.set(id, f)
  }

  /** Walks the tree of `rev`, recording where it is the first occurrence. */
  async revision(rev: NewRevision): Promise<void> {
    this.marks.push(rev)
    let level: Node[] = [{ id: rev.directory, kind: KIND_DIRECTORY, path: new Uint8Array(0) }]
    while (level.length > 0) {
      level.sort((x, y) => Buffer.compare(x.path, y.path))
      await this.load(level.map((n) => n.id))
      const descend: { id: string; path: Uint8Array }[] = []
      for (const n of level) {
        const f = this.firsts.get(n.id)
        if (f && !before(rev.date, rev.id, f)) continue
        this.firsts.set(n.id, { date: rev.date, revision: rev.id })
        this.rows.set(n.id, [n.kind, rev.id, rev.date, n.path, rev.anchor ?? null])
        if (n.kind === KIND_DIRECTORY) descend.push({ id: n.id, path: n.path })
      }
      const entries = new Map<string, Entry[] | null>()
      const missed: string[] = []
      for (const d of descend) {
        const list = this.#entries.get(d.id)
        if (list === undefined) missed.push(d.id)
        else {
          entries.set(d.id, list)
          this.#entries.delete(d.id)
        }
      }
      await this.#readEntries(missed, entries)
      level = []
      for (const d of descend) {
        const list = entries.get(d.id)
        if (!list) continue
        this.stats.directories++
        const sep = d.path.length ? 1 : 0
        for (const { id, kind, name } of list) {
          const path = Buffer.allocUnsafe(d.path.length + sep + name.length)
          path.set(d.path, 0)
          if (sep) path[d.path.length] = 0x2f
          path.set(name, d.path.length + sep)
          level.push({ id, kind, path })
        }
      }
    }
  }

  /** Writes the batch in one transaction. */
  async flush(): Promise<void> {
    const rows = [...this.rows]
    await this.db.transaction(async (tx) => {
      for (const part of chunks(rows, 150))
        await tx.run(
          `INSERT INTO provenance_first (id, kind, revision, date, origin_id, path, anchor_type)
           VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, date = excluded.date,
             origin_id = excluded.origin_id, path = excluded.path,
             anchor_type = excluded.anchor_type
           WHERE excluded.date < provenance_first.date OR (excluded.date = provenance_first.date
             AND excluded.revision < provenance_first.revision)`,
          part.flatMap(([id, [kind, rev, date, path, anchor]]) => [
            b(id),
            kind,
            b(rev),
            date,
            this.originId,
            Buffer.from(path),
            anchor,
          ]),
        )
      for (const part of chunks(this.marks, 200))
        await tx.run(
          `INSERT INTO provenance_revision (id, date)
           VALUES ${part.map(() => '(?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
          part.flatMap((r) => [b(r.id), r.date]),
        )
    })
    this.stats.revisions += this.marks.length
    this.stats.firsts += rows.length
  }
}

/** Indexes the revisions of `snapshot` not indexed yet, as brought by origin `originId`. */
export async function indexSnapshot(
  db: SqlExecutor,
  snapshot: string,
  originId: number | null,
  stats: ProvenanceIndexStats,
  onBatch?: () => void,
): Promise<void> {
  const { walked, fresh } = await newRevisions(db, await snapshotHeads(db, snapshot), originId)
  // trees named by releases without a revision (tarballs, packages) are indexed after
  const todo = [...fresh, ...(await newDirectoryReleases(db, snapshot))]
  let carried: ReadonlyMap<string, First> = new Map()
  for (const part of chunks(todo, REVISIONS_PER_TX)) {
    const batch = new Batch(db, originId, stats, carried)
    await batch.readAhead(part)
    for (const rev of part) await batch.revision(rev)
    await batch.flush()
    // what this batch knew (read or written) spares the next one reading it again; one
    // batch's worth, not the history's
    carried = batch.firsts
    onBatch?.()
  }
  // Last, in one transaction: a walk stops at the revisions recorded here, so they are recorded
  // only once everything below them is (a crash before leaves the whole walk to redo).
  if (originId === null || walked.length === 0) return
  await db.transaction(async (tx) => {
    for (const part of chunks(walked, 300))
      await tx.run(
        `INSERT INTO provenance_origin_revision (revision, origin_id)
         VALUES ${part.map(() => '(?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
        part.flatMap((r) => [b(r), originId]),
      )
  })
}

/** Indexes the snapshots named by visit statuses (after they are stored). */
export async function indexStatuses(
  db: SqlExecutor,
  statuses: readonly { readonly origin: string; readonly snapshot: string | null }[],
  stats: ProvenanceIndexStats,
): Promise<void> {
  const done = new Set<string>()
  for (const s of statuses) {
    if (s.snapshot === null || done.has(`${s.origin}\n${s.snapshot}`)) continue
    done.add(`${s.origin}\n${s.snapshot}`)
    await indexSnapshot(db, s.snapshot, await originRowId(db, s.origin), stats)
  }
}

/** What {@link reindexProvenance} did. */
export interface ProvenanceReindexReport extends ProvenanceIndexStats {
  /** Visit statuses naming a snapshot looked at. */
  statuses: number
}

/** Options of {@link reindexProvenance}. */
export interface ProvenanceReindexOptions {
  /** Empty the index first. */
  readonly force?: boolean
  /** Called after each visit status and each batch of revisions, with the work done so far. */
  readonly onProgress?: (report: Readonly<ProvenanceReindexReport>) => void
}

/**
 * Indexes every snapshot named by a visit status, oldest status first (archives made before the
 * index, or after a crash). `force` first empties the index and builds it anew. The reverse
 * entry edges the lists walk are completed first if the archive predates them (as `arca graph
 * reindex` does).
 */
export async function reindexProvenance(
  db: SqlExecutor,
  options: ProvenanceReindexOptions = {},
): Promise<ProvenanceReindexReport> {
  const report: ProvenanceReindexReport = { statuses: 0, revisions: 0, directories: 0, firsts: 0 }
  if (!(await graphIndexComplete(db))) await reindexGraph(db)
  if (options.force)
    await db.transaction(async (tx) => {
      for (const t of ['provenance_first', 'provenance_revision', 'provenance_origin_revision'])
        await tx.run(`DELETE FROM ${t}`)
    })
  let after = -1
  const done = new Set<string>()
  for (;;) {
    const rows = await db.all<Row>(
      `SELECT seq, origin_id, snapshot FROM origin_visit_status
       WHERE seq > ? AND snapshot IS NOT NULL ORDER BY seq LIMIT 500`,
      [after],
    )
    for (const r of rows) {
      const key = `${num(r['origin_id'])}:${hex(r['snapshot'])}`
      if (!done.has(key)) {
        done.add(key)
        await indexSnapshot(db, hex(r['snapshot']), num(r['origin_id']), report, () =>
          options.onProgress?.(report),
        )
      }
      report.statuses++
      options.onProgress?.(report)
    }
    if (rows.length < 500) return report
    after = num(rows[rows.length - 1]!['seq'])
  }
}
