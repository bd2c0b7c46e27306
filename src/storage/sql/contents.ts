/**
 * Contents and skipped contents: bytes go to the content store, rows to `content`; skipped
 * contents are keyed by a digest of their known hashes.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { InvalidInputError } from '../../errors.js'
import { type Content, fromHex, type SkippedContent, toHex } from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type {
  AbortOptions,
  AddSummary,
  ContentHashName,
  ContentLength,
  ContentWithData,
} from '../interface.js'
import { addCounted } from './counters.js'
import type { SqlExecutor } from './executor.js'
import { b, contentFromRow, num, type Row, skippedFromRow } from './rows.js'
import { absentIds, existing, getRows, getRowsByHexKey, uniqueBy } from './statements.js'

export async function contentAdd(
  db: SqlExecutor,
  objstorage: ObjStorage,
  contents: readonly ContentWithData[],
  options: AbortOptions = {},
): Promise<AddSummary> {
  const unique = uniqueBy(contents, (c) => c.sha1Git)
  for (const c of unique) {
    if (c.data.length !== c.length) {
      throw new InvalidInputError(
        `Cannot add content "swh:1:cnt:${c.sha1Git}": length ${c.length} but ${c.data.length} bytes given`,
      )
    }
  }
  const missing = new Set(
    await contentMissing(
      db,
      unique.map((c) => c.sha1Git),
    ),
  )
  const todo = unique.filter((c) => missing.has(c.sha1Git))
  // Write order: bytes go to the content store before the rows that make them visible, so a
  // visible content row always has its bytes (a crash in between leaves unreferenced bytes,
  // which a rerun reuses).
  await objstorage.addBatch(
    todo.map((c) => ({ id: c.sha1Git, data: c.data })),
    options,
  )
  const summary = await contentAddMetadata(db, todo)
  return { ...summary, 'content:add:bytes': todo.reduce((n, c) => n + c.length, 0) }
}

export async function contentAddMetadata(
  db: SqlExecutor,
  contents: readonly Content[],
): Promise<AddSummary> {
  const unique = uniqueBy(contents, (c) => c.sha1Git)
  const added = await addCounted(
    db,
    'content',
    ['sha1_git', 'sha1', 'sha256', 'blake2s256', 'length', 'status', 'ctime'],
    unique.map((c) => [
      b(c.sha1Git),
      b(c.sha1),
      b(c.sha256),
      b(c.blake2s256),
      c.length,
      c.status,
      c.ctime?.getTime() ?? null,
    ]),
  )
  return { 'content:add': added }
}

export function contentMissing(db: SqlExecutor, ids: readonly string[]): Promise<string[]> {
  return absentIds(db, 'content', 'sha1_git', ids)
}

export async function contentGet(
  db: SqlExecutor,
  ids: readonly string[],
  hash: ContentHashName = 'sha1_git',
): Promise<(Content | null)[]> {
  const rows = await getRows(db, 'content', hash, ids)
  return ids.map((id) => {
    const r = rows.get(id)
    return r ? contentFromRow(r) : null
  })
}

/** Length and status only, keyed by a hex text: no Buffer a row (a clone sizes every blob). */
export async function contentLengthGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(ContentLength | null)[]> {
  const rows = await getRowsByHexKey(db, 'content', 'sha1_git', ids, 'length, status')
  return ids.map((id) => {
    const r = rows.get(id)
    return r ? { length: num(r['length']), status: r['status'] as ContentLength['status'] } : null
  })
}

export async function skippedContentAdd(
  db: SqlExecutor,
  contents: readonly SkippedContent[],
): Promise<AddSummary> {
  const added = await addCounted(
    db,
    'skipped_content',
    ['hash_key', 'sha1', 'sha1_git', 'sha256', 'blake2s256', 'length', 'reason', 'origin', 'ctime'],
    contents.map((c) => [
      skippedKey(c),
      c.sha1 === null ? null : b(c.sha1),
      c.sha1Git === null ? null : b(c.sha1Git),
      c.sha256 === null ? null : b(c.sha256),
      c.blake2s256 === null ? null : b(c.blake2s256),
      c.length,
      c.reason,
      c.origin,
      c.ctime?.getTime() ?? null,
    ]),
  )
  return { 'skipped_content:add': added }
}

export async function skippedContentMissing(
  db: SqlExecutor,
  contents: readonly SkippedContent[],
): Promise<SkippedContent[]> {
  const keys = contents.map(skippedKey)
  const found = await existing(db, 'skipped_content', 'hash_key', keys)
  return contents.filter((_, i) => !found.has(toHex(keys[i]!)))
}

export async function skippedContentFind(
  db: SqlExecutor,
  sha1Git: string,
): Promise<SkippedContent[]> {
  const rows = await db.all<Row>('SELECT * FROM skipped_content WHERE sha1_git = ?', [b(sha1Git)])
  return rows.map(skippedFromRow)
}

function skippedKey(c: SkippedContent): Buffer {
  if (c.sha1 === null && c.sha1Git === null && c.sha256 === null && c.blake2s256 === null) {
    throw new InvalidInputError('Cannot add a skipped content without any hash')
  }
  return Buffer.from(
    fromHex(
      toHexDigest(`${c.sha1 ?? ''}:${c.sha1Git ?? ''}:${c.sha256 ?? ''}:${c.blake2s256 ?? ''}`),
    ),
  )
}

function toHexDigest(s: string): string {
  return createHash('sha1').update(s).digest('hex')
}
