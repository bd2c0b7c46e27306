/**
 * Masking (takedowns): masking requests and the masked objects they set.
 *
 * @module
 */

import { type ExtendedSwhid, formatSwhid } from '../../model/index.js'
import type { MaskingState } from '../interface.js'
import type { SqlExecutor } from './executor.js'
import { type Row, str } from './rows.js'
import { chunks, inList, insert } from './statements.js'

/** Whether the masking table holds any object. */
export async function maskedAny(db: SqlExecutor): Promise<boolean> {
  return (await db.all('SELECT 1 AS one FROM masked_object LIMIT 1')).length > 0
}

export async function maskedGet(
  db: SqlExecutor,
  swhids: readonly ExtendedSwhid[],
): Promise<ReadonlyMap<string, readonly MaskingState[]>> {
  const out = new Map<string, MaskingState[]>()
  const keys = [...new Set(swhids.map((s) => formatSwhid(s)))]
  for (const part of chunks(keys)) {
    const rows = await db.all<Row>(
      `SELECT swhid, request_id, state FROM masked_object WHERE swhid IN ${inList(part.length)}`,
      part,
    )
    for (const r of rows) {
      const list = out.get(str(r['swhid'])) ?? []
      list.push({
        requestId: str(r['request_id']),
        state: str(r['state']) as MaskingState['state'],
      })
      out.set(str(r['swhid']), list)
    }
  }
  return out
}

/**
 * Records a masking request over objects (takedowns): from then on {@link maskedGet} reports
 * them. `state: null` lifts every mask of the given objects (whatever request set it).
 */
export async function maskSet(
  db: SqlExecutor,
  requestId: string,
  reason: string,
  swhids: readonly string[],
  state: MaskingState['state'] | null,
  date: Date = new Date(),
): Promise<void> {
  await db.transaction(async (tx) => {
    await insert(
      tx,
      'masking_request',
      ['id', 'reason', 'date'],
      [[requestId, reason, date.getTime()]],
    )
    for (const s of swhids) {
      // Lifting (state null) unmasks the object whatever request masked it.
      if (state === null) await tx.run('DELETE FROM masked_object WHERE swhid = ?', [s])
      else
        await tx.run('DELETE FROM masked_object WHERE swhid = ? AND request_id = ?', [s, requestId])
      if (state !== null) {
        await tx.run('INSERT INTO masked_object (swhid, request_id, state) VALUES (?, ?, ?)', [
          s,
          requestId,
          state,
        ])
      }
    }
  })
}
