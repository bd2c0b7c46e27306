/**
 * Revisions and the revision log (breadth first from the given heads).
 *
 * @module
 */

import type { Revision } from '../../model/index.js'
import { packHeaders, packIds } from '../codec.js'
import type { AddSummary, RevisionLogOptions } from '../interface.js'
import { bump } from './counters.js'
import type { SqlExecutor } from './executor.js'
import { indexRevisionParents } from './graph-index.js'
import {
  b,
  dateCols,
  REVISION_MANIFEST_COLUMNS,
  revisionFromRow,
  revisionManifestFromRow,
} from './rows.js'
import { absentIds, getRows, getRowsByHexKey, insert, uniqueBy } from './statements.js'

export async function revisionAdd(
  db: SqlExecutor,
  revisions: readonly Revision[],
): Promise<AddSummary> {
  const unique = uniqueBy(revisions, (r) => r.id)
  // The graph's reverse edges in the same transaction: no stored revision lacks them.
  const added = await db.transaction(async (tx) => {
    const n = await insert(
      tx,
      'revision',
      [
        'id',
        'directory',
        'parents',
        'author',
        'committer',
        'date_seconds',
        'date_micro',
        'date_offset',
        'committer_date_seconds',
        'committer_date_micro',
        'committer_date_offset',
        'message',
        'type',
        'synthetic',
        'metadata',
        'extra_headers',
        'raw_manifest',
      ],
      unique.map((r) => [
        b(r.id),
        b(r.directory),
        Buffer.from(packIds(r.parents)),
        r.author === null ? null : Buffer.from(r.author.fullname),
        r.committer === null ? null : Buffer.from(r.committer.fullname),
        ...dateCols(r.date),
        ...dateCols(r.committerDate),
        r.message === null ? null : Buffer.from(r.message),
        r.type,
        r.synthetic ? 1 : 0,
        r.metadata === null ? null : JSON.stringify(r.metadata),
        Buffer.from(packHeaders(r.extraHeaders)),
        r.rawManifest === null ? null : Buffer.from(r.rawManifest),
      ]),
    )
    await bump(tx, 'revision', n)
    await indexRevisionParents(tx, unique)
    return n
  })
  return { 'revision:add': added }
}

export function revisionMissing(db: SqlExecutor, ids: readonly string[]): Promise<string[]> {
  return absentIds(db, 'revision', 'id', ids)
}

export async function revisionGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Revision | null)[]> {
  const rows = await getRows(db, 'revision', 'id', ids)
  return ids.map((id) => {
    const r = rows.get(id)
    return r ? revisionFromRow(r) : null
  })
}

/** Git commit objects straight from the rows (no revision objects built). */
export async function revisionManifestGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Uint8Array | null)[]> {
  const rows = await getRowsByHexKey(db, 'revision', 'id', ids, REVISION_MANIFEST_COLUMNS)
  return ids.map((id) => {
    const r = rows.get(id)
    return r ? revisionManifestFromRow(r) : null
  })
}

export function revisionLog(
  db: SqlExecutor,
  ids: readonly string[],
  options: RevisionLogOptions = {},
): AsyncIterable<Revision> {
  const limit = options.limit ?? Infinity
  return {
    async *[Symbol.asyncIterator]() {
      const seen = new Set<string>()
      let frontier = [...new Set(ids)]
      frontier.forEach((id) => seen.add(id))
      let emitted = 0
      while (frontier.length > 0 && emitted < limit) {
        options.signal?.throwIfAborted()
        const revs = await revisionGet(db, frontier)
        const next: string[] = []
        for (const r of revs) {
          if (!r) continue
          yield r
          if (++emitted >= limit) return
          for (const p of r.parents) {
            if (!seen.has(p)) {
              seen.add(p)
              next.push(p)
            }
          }
        }
        frontier = next
      }
    },
  }
}
