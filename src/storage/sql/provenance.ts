/**
 * Provenance queries (docs/provenance.md): where an object first occurred (one indexed lookup in
 * `provenance_first`), and the full lists of revisions, releases and origins containing it (a
 * walk up the reverse directory edges to root directories, then the reverse-reference indexes:
 * revisions by root directory, releases by target, snapshots by branch target, visit statuses by
 * snapshot), bounded and paged.
 *
 * @module
 */

import { UnavailableError } from '../../errors.js'
import type { CoreSwhid } from '../../model/index.js'
import type {
  ProvenanceListItem,
  ProvenanceListKind,
  ProvenanceListOptions,
  ProvenanceListPage,
  ProvenanceOccurrence,
} from '../interface.js'
import type { SqlExecutor } from './executor.js'
import { graphIndexComplete } from './graph-index.js'
import { forEachDir, readPostings } from './graph-postings.js'
import { KIND_CONTENT, KIND_DIRECTORY, NO_DATE } from './provenance-index.js'
import { b, bytesOrNull, hex, num, type Row, str } from './rows.js'
import { chunks, inList, parseToken, token } from './statements.js'

/** Most directories a walk up the reverse edges visits (the answer is then `truncated`). */
export const DEFAULT_WALK_LIMIT = 50_000

const dateOf = (us: unknown): Date | null =>
  us === null || us === undefined || num(us) >= NO_DATE ? null : new Date(num(us) / 1000)

async function originUrls(db: SqlExecutor, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>()
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.all<Row>(
      `SELECT id, url FROM origin WHERE id IN ${inList(part.length)}`,
      part,
    )
    rows.forEach((r) => out.set(num(r['id']), str(r['url'])))
  }
  return out
}

/** An origin whose history holds a revision (the first recorded), else one naming it. */
async function revisionOrigin(db: SqlExecutor, rev: string): Promise<number | null> {
  const rows = await db.all<Row>(
    'SELECT MIN(origin_id) AS o FROM provenance_origin_revision WHERE revision = ?',
    [b(rev)],
  )
  const o = rows[0]?.['o']
  if (o !== null && o !== undefined) return num(o)
  return snapshotOrigin(db, 'snapshot_branch', rev)
}

async function snapshotOrigin(db: SqlExecutor, how: string, id: string): Promise<number | null> {
  const sql =
    how === 'snapshot'
      ? `SELECT origin_id FROM origin_visit_status WHERE snapshot = ? ORDER BY seq LIMIT 1`
      : `SELECT s.origin_id FROM snapshot_branch br
         JOIN origin_visit_status s ON s.snapshot = br.snapshot_id
         WHERE br.target = ? ORDER BY s.seq LIMIT 1`
  const rows = await db.all<Row>(sql, [b(id)])
  return rows[0] ? num(rows[0]['origin_id']) : null
}

/**
 * First occurrences of `swhids`, in input order, null when unknown. Contents and directories:
 * the earliest revision, its date, origin and path; revisions, releases and snapshots: an
 * origin holding them (and, for a release, no anchor).
 */
export async function provenanceFirst(
  db: SqlExecutor,
  swhids: readonly CoreSwhid[],
): Promise<(ProvenanceOccurrence | null)[]> {
  const trees = swhids.filter((s) => s.type === 'cnt' || s.type === 'dir').map((s) => s.id)
  const found = new Map<string, Row>()
  for (const part of chunks([...new Set(trees)])) {
    const rows = await db.all<Row>(
      `SELECT p.id, p.kind, p.revision, p.date, p.origin_id, p.path, p.anchor_type,
              o.url AS origin_url
       FROM provenance_first p LEFT JOIN origin o ON o.id = p.origin_id
       WHERE p.id IN ${inList(part.length)}`,
      part.map(b),
    )
    rows.forEach((r) => found.set(hex(r['id']), r))
  }
  // Contents and directories have their origin's URL already (joined); the others an id.
  const originIds: (number | string | null)[] = []
  const out: (Omit<ProvenanceOccurrence, 'origin'> | null)[] = []
  for (const s of swhids) {
    if (s.type === 'cnt' || s.type === 'dir') {
      const r = found.get(s.id)
      const kind = s.type === 'cnt' ? KIND_CONTENT : KIND_DIRECTORY
      if (!r || num(r['kind']) !== kind) {
        out.push(null)
        originIds.push(null)
        continue
      }
      out.push({
        anchor: { type: r['anchor_type'] === 'rel' ? 'rel' : 'rev', id: hex(r['revision']) },
        date: dateOf(r['date']),
        path: bytesOrNull(r['path']),
      })
      const url = r['origin_url']
      originIds.push(url === null || url === undefined ? null : str(url))
      continue
    }
    let oid: number | null
    if (s.type === 'rev') oid = await revisionOrigin(db, s.id)
    else if (s.type === 'snp') oid = await snapshotOrigin(db, 'snapshot', s.id)
    else {
      oid = await snapshotOrigin(db, 'snapshot_branch', s.id)
      if (oid === null) {
        const t = await db.all<Row>(
          `SELECT target FROM release WHERE id = ? AND target_type = 'revision'`,
          [b(s.id)],
        )
        if (t[0]) oid = await revisionOrigin(db, hex(t[0]['target']))
      }
    }
    out.push(oid === null ? null : { anchor: null, date: null, path: null })
    originIds.push(oid)
  }
  const ids = originIds.filter((x): x is number => typeof x === 'number')
  const urls = ids.length > 0 ? await originUrls(db, ids) : new Map<number, string>()
  return out.map((o, i) => {
    if (o === null) return null
    const oid = originIds[i]
    const origin =
      oid === null || oid === undefined ? null : typeof oid === 'string' ? oid : urls.get(oid)
    return { ...o, origin: origin ?? null }
  })
}

/**
 * Directories holding `start` (itself included when a directory), up to `limit` of them: up the
 * graph's reverse entry edges (the posting lists of `graph_dir_post`, written with each
 * directory: see graph-postings.ts).
 */
async function ancestors(
  db: SqlExecutor,
  start: CoreSwhid,
  limit: number,
): Promise<{ dirs: string[]; truncated: boolean }> {
  const seen = new Set<string>(start.type === 'dir' ? [start.id] : [])
  let frontier = [start.id]
  while (frontier.length > 0) {
    const next: string[] = []
    for (const part of chunks(frontier)) {
      for await (const p of readPostings(db, part)) {
        let truncated = false
        forEachDir(p.dirs, (d) => {
          if (seen.has(d)) return false
          if (seen.size >= limit) {
            truncated = true
            return true
          }
          seen.add(d)
          next.push(d)
          return false
        })
        if (truncated) return { dirs: [...seen], truncated: true }
      }
    }
    frontier = next
  }
  return { dirs: [...seen], truncated: false }
}

interface Found {
  readonly revisions: Map<string, number | null>
  /** The directories holding the object (itself included when a directory). */
  readonly dirs: readonly string[]
  readonly truncated: boolean
}

async function containingRevisions(
  db: SqlExecutor,
  swhid: CoreSwhid,
  limit: number,
): Promise<Found> {
  const { dirs, truncated } = await ancestors(db, swhid, limit)
  const revisions = new Map<string, number | null>()
  for (const part of chunks(dirs)) {
    const rows = await db.all<Row>(
      `SELECT id, committer_date_seconds AS s, committer_date_micro AS us FROM revision
       WHERE directory IN ${inList(part.length)}`,
      part.map(b),
    )
    for (const r of rows) {
      const s = r['s']
      revisions.set(
        hex(r['id']),
        s === null || s === undefined ? null : num(s) * 1_000_000 + num(r['us'] ?? 0),
      )
    }
  }
  return { revisions, dirs, truncated }
}

async function containingReleases(
  db: SqlExecutor,
  swhid: CoreSwhid,
  found: Found,
): Promise<ProvenanceListItem[]> {
  const targets: [string, string][] = [...found.revisions.keys()].map((r) => ['revision', r])
  if (swhid.type === 'cnt') targets.push(['content', swhid.id])
  // tarball and package releases name their directory
  for (const d of found.dirs) targets.push(['directory', d])
  const out = new Map<string, ProvenanceListItem>()
  for (const type of ['revision', 'content', 'directory']) {
    const ids = targets.filter(([t]) => t === type).map(([, id]) => id)
    for (const part of chunks(ids)) {
      const rows = await db.all<Row>(
        `SELECT id, name, date_seconds AS s, date_micro AS us FROM release
         WHERE target_type = ? AND target IN ${inList(part.length)}`,
        [type, ...part.map(b)],
      )
      for (const r of rows)
        out.set(hex(r['id']), {
          id: hex(r['id']),
          name: bytesOrNull(r['name']),
          date: r['s'] === null ? null : new Date(num(r['s']) * 1000 + num(r['us'] ?? 0) / 1000),
        })
    }
  }
  return [...out.values()]
}

async function containingOrigins(
  db: SqlExecutor,
  found: Found,
  releases: readonly ProvenanceListItem[],
): Promise<ProvenanceListItem[]> {
  const revs = [...found.revisions.keys()]
  const ids = new Set<number>()
  for (const part of chunks(revs)) {
    const rows = await db.all<Row>(
      `SELECT DISTINCT origin_id FROM provenance_origin_revision
       WHERE revision IN ${inList(part.length)}`,
      part.map(b),
    )
    rows.forEach((r) => ids.add(num(r['origin_id'])))
  }
  // branches naming a revision, a release, or a directory (SWH's `tarball-directory` HEAD)
  for (const part of chunks([...revs, ...releases.map((r) => r.id), ...found.dirs])) {
    const rows = await db.all<Row>(
      `SELECT DISTINCT s.origin_id FROM snapshot_branch br
       JOIN origin_visit_status s ON s.snapshot = br.snapshot_id
       WHERE br.target IN ${inList(part.length)}`,
      part.map(b),
    )
    rows.forEach((r) => ids.add(num(r['origin_id'])))
  }
  const urls = await originUrls(db, [...ids])
  return [...urls.values()].map((url) => ({ id: url, name: null, date: null }))
}

/**
 * The revisions (by date), releases (by date) or origins (by URL) containing `swhid`, one page;
 * null when the object has no recorded occurrence.
 */
export async function provenanceList(
  db: SqlExecutor,
  swhid: CoreSwhid,
  kind: ProvenanceListKind,
  options: ProvenanceListOptions = {},
): Promise<ProvenanceListPage | null> {
  if (swhid.type !== 'cnt' && swhid.type !== 'dir') return null
  const [first] = await provenanceFirst(db, [swhid])
  if (!first) return null
  // rather than silently miss containers, as the graph API does
  if (!(await graphIndexComplete(db)))
    throw new UnavailableError(
      'Provenance lists walk the reverse index of directory entries, incomplete in this archive: run "arca graph reindex"',
    )
  const found = await containingRevisions(db, swhid, options.walkLimit ?? DEFAULT_WALK_LIMIT)
  let items: ProvenanceListItem[]
  if (kind === 'revision') {
    items = [...found.revisions].map(([id, us]) => ({ id, name: null, date: dateOf(us) }))
  } else {
    const releases = await containingReleases(db, swhid, found)
    items = kind === 'release' ? releases : await containingOrigins(db, found, releases)
  }
  if (kind === 'origin') items.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
  else
    items.sort(
      (x, y) =>
        (x.date?.getTime() ?? Infinity) - (y.date?.getTime() ?? Infinity) || (x.id < y.id ? -1 : 1),
    )
  const from = parseToken(options.pageToken, 'provenance') ?? 0
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000)
  const results = items.slice(from, from + limit)
  return {
    results,
    nextPageToken: from + limit < items.length ? token(from + limit) : null,
    total: items.length,
    truncated: found.truncated,
  }
}
