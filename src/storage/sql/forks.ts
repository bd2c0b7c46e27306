/**
 * The fork index: `origin_root` pairs an origin with every root revision (no parents) reachable
 * from the branches of its latest snapshot (kept up to date by fork-index.ts). Origins sharing a root are forks of each other.
 * Divergence (ahead/behind between two HEAD revisions) is computed on request, with a bounded walk.
 *
 * @module
 */

import { unpackIds } from '../codec.js'
import type { OriginFork, OriginForksOptions, OriginForksPage } from '../interface.js'
import type { SqlExecutor } from './executor.js'
import { originRowId } from './origins.js'
import { b, hex, num, type Row, str } from './rows.js'
import { chunks, inList, parseToken, token } from './statements.js'

/** Most revisions walked from one head when counting ahead/behind; past it, the counts are null. */
export const DIVERGENCE_WALK_LIMIT = 20_000

/**
 * Walks parents breadth first from `heads`; calls `visit` for each stored revision with its
 * parents. Stops after `limit` revisions (returns false then), else true.
 */
async function walk(
  db: SqlExecutor,
  heads: readonly string[],
  limit: number,
  visit: (id: string, parents: string[]) => void,
): Promise<boolean> {
  const seen = new Set(heads)
  let frontier = [...seen]
  let count = 0
  while (frontier.length > 0) {
    const next: string[] = []
    for (const part of chunks(frontier)) {
      const rows = await db.all<Row>(
        `SELECT id, parents FROM revision WHERE id IN ${inList(part.length)}`,
        part.map(b),
      )
      for (const r of rows) {
        if (++count > limit) return false
        const parents = unpackIds(r['parents'] as Uint8Array)
        visit(hex(r['id']), parents)
        for (const p of parents) {
          if (!seen.has(p)) {
            seen.add(p)
            next.push(p)
          }
        }
      }
    }
    frontier = next
  }
  return true
}

/** The revision HEAD of the origin's latest snapshot resolves to (aliases, one release), or null. */
export async function originHead(db: SqlExecutor, oid: number): Promise<string | null> {
  const snap = await db.all<Row>(
    `SELECT snapshot FROM origin_visit_status WHERE origin_id = ? AND snapshot IS NOT NULL
     ORDER BY visit DESC, date DESC, seq DESC LIMIT 1`,
    [oid],
  )
  if (snap.length === 0) return null
  const id = snap[0]!['snapshot'] as Uint8Array
  let name: Uint8Array = Buffer.from('HEAD')
  for (let hops = 0; hops < 10; hops++) {
    const rows = await db.all<Row>(
      'SELECT target_type, target FROM snapshot_branch WHERE snapshot_id = ? AND name = ?',
      [id, name],
    )
    const r = rows[0]
    if (!r || r['target'] === null) return null
    if (r['target_type'] === 'alias') name = r['target'] as Uint8Array
    else if (r['target_type'] === 'revision') return hex(r['target'])
    else if (r['target_type'] === 'release') {
      const rel = await db.all<Row>(
        `SELECT target FROM release WHERE id = ? AND target_type = 'revision'`,
        [r['target'] as Uint8Array],
      )
      return rel[0] ? hex(rel[0]['target']) : null
    } else return null
  }
  return null
}

async function reach(db: SqlExecutor, head: string): Promise<Set<string> | null> {
  const out = new Set<string>()
  const complete = await walk(db, [head], DIVERGENCE_WALK_LIMIT, (id) => out.add(id))
  return complete ? out : null
}

/** Revisions reachable from `b` and not `a` (ahead), and from `a` and not `b` (behind). */
export async function divergence(
  db: SqlExecutor,
  a: string,
  bHead: string,
): Promise<{ ahead: number; behind: number } | null> {
  const [ra, rb] = [await reach(db, a), await reach(db, bHead)]
  if (ra === null || rb === null) return null
  let ahead = 0
  let behind = 0
  for (const id of rb) if (!ra.has(id)) ahead++
  for (const id of ra) if (!rb.has(id)) behind++
  return { ahead, behind }
}

/** One page of the forks of `url` (by URL), with their heads and divergence from `url`'s head. */
export async function originForks(
  db: SqlExecutor,
  url: string,
  options: OriginForksOptions = {},
): Promise<OriginForksPage | null> {
  const oid = await originRowId(db, url)
  if (oid === null) return null
  const offset = parseToken(options.pageToken, 'origin forks') ?? 0
  const limit = Math.max(1, Math.min(options.limit ?? 20, 100))
  const from = `FROM origin o WHERE o.id <> ? AND o.id IN (
     SELECT f.origin_id FROM origin_root mine JOIN origin_root f ON f.root = mine.root
     WHERE mine.origin_id = ?)`
  const total = num((await db.all<Row>(`SELECT COUNT(*) AS n ${from}`, [oid, oid]))[0]!['n'])
  const rows = await db.all<Row>(`SELECT o.id, o.url ${from} ORDER BY o.url LIMIT ? OFFSET ?`, [
    oid,
    oid,
    limit,
    offset,
  ])
  const head = await originHead(db, oid)
  const results: OriginFork[] = []
  for (const r of rows) {
    const forkHead = await originHead(db, num(r['id']))
    const d = head !== null && forkHead !== null ? await divergence(db, head, forkHead) : null
    results.push({
      url: str(r['url']),
      head: forkHead,
      ahead: d?.ahead ?? null,
      behind: d?.behind ?? null,
    })
  }
  const next = offset + rows.length < total ? token(offset + rows.length) : null
  return { results, nextPageToken: next, total }
}
