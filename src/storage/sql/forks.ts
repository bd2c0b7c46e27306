/**
 * The fork index: `origin_root` pairs an origin with every root revision (no parents) reachable
 * from the branches of its latest snapshot (kept up to date by fork-index.ts). Origins sharing a
 * root are forks of each other. Divergence (ahead/behind between HEAD revisions) is computed on request for one page, in batch
 * (fork-divergence.ts).
 *
 * @module
 */

import type { OriginFork, OriginForksOptions, OriginForksPage } from '../interface.js'
import type { SqlExecutor } from './executor.js'
import { divergences, originHeads } from './fork-divergence.js'
import { originRowId } from './origins.js'
import { num, type Row, str } from './rows.js'
import { parseToken, token } from './statements.js'

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
  const heads = await originHeads(db, [oid, ...rows.map((r) => num(r['id']))])
  const head = heads.get(oid) ?? null
  const forkHeads = rows.map((r) => heads.get(num(r['id'])) ?? null)
  const div =
    head === null
      ? new Map<string, null>()
      : await divergences(
          db,
          head,
          forkHeads.filter((h): h is string => h !== null),
        )
  const results: OriginFork[] = rows.map((r, i) => {
    const forkHead = forkHeads[i] ?? null
    const d = forkHead === null ? null : (div.get(forkHead) ?? null)
    return {
      url: str(r['url']),
      head: forkHead,
      ahead: d?.ahead ?? null,
      behind: d?.behind ?? null,
    }
  })
  const next = offset + rows.length < total ? token(offset + rows.length) : null
  return { results, nextPageToken: next, total }
}
