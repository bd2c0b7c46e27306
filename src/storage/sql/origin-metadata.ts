/**
 * The origin metadata index (docs/citation.md, "Metadata search"): one row per origin with the
 * intrinsic metadata of its latest visit's root directory, searched by words. SQLite: an FTS5
 * table (unicode61 tokens) whose rowid is the origin's; PostgreSQL: a GIN index on
 * `to_tsvector('simple', body)`. Text and queries are folded here (lower case, accents off) so
 * that both backends match the same words.
 *
 * @module
 */

import type { AddSummary, OriginMetadataRecord, OriginMetadataSearchOptions } from '../interface.js'
import type { SqlExecutor } from './executor.js'
import { originRowIds } from './origins.js'
import { b, hex, type Row, str } from './rows.js'

/** Lower case, no diacritics, words separated by single spaces. */
export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

export async function originMetadataAdd(
  db: SqlExecutor,
  records: readonly OriginMetadataRecord[],
): Promise<AddSummary> {
  if (records.length === 0) return { 'origin_intrinsic_metadata:add': 0 }
  return db.transaction(async (tx) => {
    const ids = await originRowIds(
      tx,
      records.map((r) => r.origin),
    )
    let n = 0
    for (const r of records) {
      const id = ids.get(r.origin)
      if (id === undefined) continue
      const body = foldText(r.text)
      const values = [b(r.directory), JSON.stringify(r.mappings), JSON.stringify(r.metadata), body]
      await tx.run(
        `INSERT INTO origin_intrinsic_metadata (origin_id, directory, mappings, metadata, body)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (origin_id) DO UPDATE SET directory = excluded.directory,
           mappings = excluded.mappings, metadata = excluded.metadata, body = excluded.body`,
        [id, ...values],
      )
      if (tx.dialect === 'sqlite') {
        await tx.run('DELETE FROM origin_intrinsic_metadata_fts WHERE rowid = ?', [id])
        await tx.run('INSERT INTO origin_intrinsic_metadata_fts (rowid, body) VALUES (?, ?)', [
          id,
          body,
        ])
      }
      n++
    }
    return { 'origin_intrinsic_metadata:add': n }
  })
}

export async function originMetadataSearch(
  db: SqlExecutor,
  fulltext: string,
  options: OriginMetadataSearchOptions = {},
): Promise<OriginMetadataRecord[]> {
  const limit = Math.max(1, Math.min(options.limit ?? 70, 100))
  const words = foldText(fulltext)
    .split(' ')
    .filter((w) => w !== '')
  if (words.length === 0) return []
  const cols = 'o.url, m.directory, m.mappings, m.metadata, m.body'
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<Row>(
          `SELECT ${cols} FROM origin_intrinsic_metadata_fts f
           JOIN origin_intrinsic_metadata m ON m.origin_id = f.rowid
           JOIN origin o ON o.id = m.origin_id
           WHERE origin_intrinsic_metadata_fts MATCH ? ORDER BY f.rank, o.url LIMIT ?`,
          [words.map((w) => `"${w}"`).join(' '), limit],
        )
      : await db.all<Row>(
          `SELECT ${cols} FROM origin_intrinsic_metadata m JOIN origin o ON o.id = m.origin_id
           WHERE to_tsvector('simple', m.body) @@ to_tsquery('simple', ?)
           ORDER BY ts_rank(to_tsvector('simple', m.body), to_tsquery('simple', ?)) DESC, o.url
           LIMIT ?`,
          [words.join(' & '), words.join(' & '), limit],
        )
  return rows.map((r) => ({
    origin: str(r['url']),
    directory: hex(r['directory']),
    mappings: JSON.parse(str(r['mappings'])) as string[],
    metadata: JSON.parse(str(r['metadata'])) as Record<string, unknown>,
    text: str(r['body']),
  }))
}
