/**
 * External identifiers (ExtIDs) and their lookups by external id or by target.
 *
 * @module
 */

import type { CoreSwhid, ExtId } from '../../model/index.js'
import type { AddSummary } from '../interface.js'
import { addCounted } from './counters.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { b, extidFromRow, type Row } from './rows.js'
import { chunks, inList, uniqueBy } from './statements.js'

export async function extidAdd(db: SqlExecutor, extids: readonly ExtId[]): Promise<AddSummary> {
  const unique = uniqueBy(extids, (e) => e.id)
  const added = await addCounted(
    db,
    'extid',
    [
      'id',
      'extid_type',
      'extid',
      'extid_version',
      'target_type',
      'target',
      'payload_type',
      'payload',
    ],
    unique.map((e) => [
      b(e.id),
      e.extidType,
      Buffer.from(e.extid),
      e.extidVersion,
      e.target.type,
      b(e.target.id),
      e.payloadType,
      e.payload === null ? null : b(e.payload),
    ]),
  )
  return { 'extid:add': added }
}

export async function extidGetFromExtid(
  db: SqlExecutor,
  extidType: string,
  extids: readonly Uint8Array[],
  options: { readonly version?: number } = {},
): Promise<ExtId[]> {
  const out: ExtId[] = []
  for (const part of chunks(extids)) {
    const params: SqlValue[] = [extidType, ...part.map((e) => Buffer.from(e))]
    let sql = `SELECT * FROM extid WHERE extid_type = ? AND extid IN ${inList(part.length)}`
    if (options.version !== undefined) {
      sql += ' AND extid_version = ?'
      params.push(options.version)
    }
    out.push(...(await db.all<Row>(sql, params)).map(extidFromRow))
  }
  return out
}

export async function extidGetFromTarget(
  db: SqlExecutor,
  target: CoreSwhid,
  options: { readonly extidType?: string; readonly version?: number } = {},
): Promise<ExtId[]> {
  const params: SqlValue[] = [b(target.id), target.type]
  let sql = 'SELECT * FROM extid WHERE target = ? AND target_type = ?'
  if (options.extidType !== undefined) {
    sql += ' AND extid_type = ?'
    params.push(options.extidType)
  }
  if (options.version !== undefined) {
    sql += ' AND extid_version = ?'
    params.push(options.version)
  }
  return (await db.all<Row>(sql, params)).map(extidFromRow)
}
