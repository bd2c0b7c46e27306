/**
 * Integrity scans: the stored objects of one kind, in pages ordered by key, decoded one row at
 * a time so that a row that no longer decodes is reported instead of failing the page. Each
 * page is one read statement (SQLite: one short read transaction in WAL mode, which never
 * blocks writers; PostgreSQL: one snapshot per statement).
 *
 * @module
 */

import { unpackEntries } from '../codec.js'
import type {
  IdScanKind,
  PackedDirectory,
  ScanItem,
  ScanKind,
  ScannedObject,
  ScanPage,
} from '../scan.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import {
  b,
  bytesOrNull,
  contentFromRow,
  hex,
  num,
  releaseFromRow,
  revisionFromRow,
  type Row,
  statusFromRow,
  str,
} from './rows.js'
import { snapshotGet } from './snapshots.js'

/** Table and key column of each scanned kind. */
const SOURCE: Readonly<Record<ScanKind, { table: string; key: string }>> = {
  content: { table: 'content', key: 'sha1_git' },
  directory: { table: 'directory', key: 'id' },
  revision: { table: 'revision', key: 'id' },
  release: { table: 'release', key: 'id' },
  snapshot: { table: 'snapshot', key: 'id' },
  origin_visit_status: { table: 'origin_visit_status', key: 'seq' },
}

function decode(kind: ScanKind, r: Row): ScannedObject {
  switch (kind) {
    case 'content':
      return { kind, value: contentFromRow(r) }
    case 'directory':
      return {
        kind,
        value: {
          id: hex(r['id']),
          entries: unpackEntries(r['entries'] as Uint8Array),
          rawManifest: bytesOrNull(r['raw_manifest']),
        },
      }
    case 'revision':
      return { kind, value: revisionFromRow(r) }
    case 'release':
      return { kind, value: releaseFromRow(r) }
    case 'origin_visit_status':
      return { kind, value: statusFromRow(str(r['url']), r) }
    case 'snapshot':
      throw new Error('snapshots are read with their branches')
  }
}

function keyOf(kind: ScanKind, r: Row): string {
  return kind === 'origin_visit_status' ? String(num(r['seq'])) : hex(r[SOURCE[kind].key])
}

/**
 * Up to `limit` objects of `kind` whose key is greater than `after` (null: from the start), in
 * key order. Keys are hex ids, or the decimal sequence number of a visit status.
 */
export async function scanPage(
  db: SqlExecutor,
  kind: ScanKind,
  after: string | null,
  limit: number,
): Promise<ScanPage> {
  const { table, key } = SOURCE[kind]
  const params: SqlValue[] = []
  let where = ''
  if (after !== null) {
    where = kind === 'origin_visit_status' ? 'WHERE s.seq > ?' : `WHERE ${key} > ?`
    params.push(kind === 'origin_visit_status' ? Number(after) : b(after))
  }
  const sql =
    kind === 'origin_visit_status'
      ? `SELECT s.seq, o.url, s.visit, s.date, s.status, s.snapshot, s.type, s.metadata FROM origin_visit_status s JOIN origin o ON o.id = s.origin_id ${where} ORDER BY s.seq LIMIT ?`
      : kind === 'snapshot'
        ? `SELECT id FROM snapshot ${where} ORDER BY id LIMIT ?`
        : `SELECT * FROM ${table} ${where} ORDER BY ${key} LIMIT ?`
  const rows = await db.all<Row>(sql, [...params, limit])
  const items: ScanItem[] = []
  if (kind === 'snapshot') {
    const ids = rows.map((r) => hex(r['id']))
    // One snapshot at a time: its branches are paged by the snapshot reader.
    for (const id of ids) {
      try {
        const [snap] = await snapshotGet(db, [id])
        items.push(
          snap
            ? { key: id, object: { kind, value: snap } }
            : { key: id, error: 'the snapshot row vanished while it was read' },
        )
      } catch (e) {
        items.push({ key: id, error: e instanceof Error ? e.message : String(e) })
      }
    }
  } else {
    for (const r of rows) {
      const k = keyOf(kind, r)
      try {
        items.push({ key: k, object: decode(kind, r) })
      } catch (e) {
        items.push({ key: k, error: e instanceof Error ? e.message : String(e) })
      }
    }
  }
  return { items, next: rows.length < limit ? null : (items.at(-1)?.key ?? null) }
}

/** Directory rows in id order, entries left packed. */
export async function scanPackedDirectories(
  db: SqlExecutor,
  after: string | null,
  limit: number,
): Promise<{ items: PackedDirectory[]; next: string | null }> {
  const rows = await db.all<Row>(
    `SELECT id, entries, raw_manifest FROM directory ${after === null ? '' : 'WHERE id > ?'} ORDER BY id LIMIT ?`,
    after === null ? [limit] : [b(after), limit],
  )
  const items = rows.map((r) => ({
    key: hex(r['id']),
    packed: r['entries'] as Uint8Array,
    rawManifest: bytesOrNull(r['raw_manifest']),
  }))
  return { items, next: rows.length < limit ? null : (items.at(-1)?.key ?? null) }
}

/** Ids of `kind` in order, concatenated. */
export async function scanIds(
  db: SqlExecutor,
  kind: IdScanKind,
  after: Uint8Array | null,
  limit: number,
): Promise<{ ids: Uint8Array; next: Uint8Array | null }> {
  const { table, key } = SOURCE[kind]
  const where = after === null ? '' : `WHERE ${key} > ?`
  const params = after === null ? [limit] : [Buffer.from(after), limit]
  if (db.dialect === 'sqlite') {
    // The page as one hex string: a value per row (a driver Buffer each) cost more than the
    // scan. When an id is not 20 bytes (a damaged row) the string does not split back: the
    // page is read again row by row below.
    const [row] = await db.all<Row>(
      `SELECT group_concat(hex(${key}), '' ORDER BY ${key}) AS h, count(*) AS n FROM (SELECT ${key} FROM ${table} ${where} ORDER BY ${key} LIMIT ?)`,
      params,
    )
    const n = num(row?.['n'] ?? 0)
    const ids = Buffer.from(n === 0 ? '' : str(row?.['h']), 'hex')
    if (ids.length === n * 20)
      return { ids, next: n < limit || n === 0 ? null : ids.subarray((n - 1) * 20) }
  }
  const rows = await db.all<Row>(
    `SELECT ${key} AS k FROM ${table} ${where} ORDER BY ${key} LIMIT ?`,
    params,
  )
  const ids = Buffer.allocUnsafe(rows.length * 20)
  rows.forEach((r, i) => ids.set(r['k'] as Uint8Array, i * 20))
  return {
    ids,
    next: rows.length < limit || rows.length === 0 ? null : ids.subarray((rows.length - 1) * 20),
  }
}
