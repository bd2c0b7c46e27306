/**
 * Releases.
 *
 * @module
 */

import type { Release } from '../../model/index.js'
import type { AddSummary } from '../interface.js'
import { addCounted } from './counters.js'
import type { SqlExecutor } from './executor.js'
import { b, dateCols, releaseFromRow } from './rows.js'
import { absentIds, getRows, uniqueBy } from './statements.js'

export async function releaseAdd(
  db: SqlExecutor,
  releases: readonly Release[],
): Promise<AddSummary> {
  const unique = uniqueBy(releases, (r) => r.id)
  const added = await addCounted(
    db,
    'release',
    [
      'id',
      'target',
      'target_type',
      'name',
      'message',
      'author',
      'date_seconds',
      'date_micro',
      'date_offset',
      'synthetic',
      'raw_manifest',
    ],
    unique.map((r) => [
      b(r.id),
      r.target === null ? null : b(r.target),
      r.targetType,
      Buffer.from(r.name),
      r.message === null ? null : Buffer.from(r.message),
      r.author === null ? null : Buffer.from(r.author.fullname),
      ...dateCols(r.date),
      r.synthetic ? 1 : 0,
      r.rawManifest === null ? null : Buffer.from(r.rawManifest),
    ]),
  )
  return { 'release:add': added }
}

export function releaseMissing(db: SqlExecutor, ids: readonly string[]): Promise<string[]> {
  return absentIds(db, 'release', 'id', ids)
}

export async function releaseGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Release | null)[]> {
  const rows = await getRows(db, 'release', 'id', ids)
  return ids.map((id) => {
    const r = rows.get(id)
    return r ? releaseFromRow(r) : null
  })
}
