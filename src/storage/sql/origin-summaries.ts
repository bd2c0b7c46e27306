/**
 * What a search result shows of each origin of one page, read in a fixed number of batch
 * queries whatever the page size (no query per result): the latest status of its latest visit,
 * the snapshot of its latest visit that has one, and that snapshot's branch count (stored with
 * the snapshot, so no branch is read).
 *
 * @module
 */

import type { OriginVisitStatus } from '../../model/index.js'
import type { SqlExecutor } from './executor.js'
import { b, hex, num, type Row, statusFromRow } from './rows.js'
import { chunks, inList } from './statements.js'

/** The visit summary of one origin. */
export interface OriginSummary {
  /** The latest status of the latest visit. */
  readonly latestStatus: OriginVisitStatus
  /** The snapshot of the latest visit status that names one, or null. */
  readonly latestSnapshot: string | null
  /** Branches of `latestSnapshot` (null without one, or if the snapshot is not stored). */
  readonly branchCount: number | null
}

/** The `seq` of the latest status of each origin (optionally: the latest naming a snapshot). */
async function latestSeqs(
  db: SqlExecutor,
  ids: readonly number[],
  withSnapshot: boolean,
): Promise<number[]> {
  const snap = withSnapshot ? ' AND s.snapshot IS NOT NULL' : ''
  const out: number[] = []
  for (const part of chunks(ids)) {
    const rows = await db.all<Row>(
      `SELECT (SELECT s.seq FROM origin_visit_status s WHERE s.origin_id = o.id${snap}
               ORDER BY s.visit DESC, s.date DESC, s.seq DESC LIMIT 1) AS seq
       FROM origin o WHERE o.id IN ${inList(part.length)}`,
      part,
    )
    for (const r of rows) if (r['seq'] !== null && r['seq'] !== undefined) out.push(num(r['seq']))
  }
  return out
}

/** Summaries of the origins `ids` (row id → URL); origins never visited are absent. */
export async function originSummaries(
  db: SqlExecutor,
  origins: ReadonlyMap<number, string>,
): Promise<Map<number, OriginSummary>> {
  const ids = [...origins.keys()]
  const latest = new Map<number, OriginVisitStatus>()
  const snapshotOf = new Map<number, string>()
  const [all, withSnp] = [await latestSeqs(db, ids, false), await latestSeqs(db, ids, true)]
  const [latestSet, wanted] = [new Set(all), new Set(withSnp)]
  for (const part of chunks([...new Set([...all, ...withSnp])])) {
    const rows = await db.all<Row>(
      `SELECT seq, origin_id, visit, date, status, snapshot, type, metadata
       FROM origin_visit_status WHERE seq IN ${inList(part.length)}`,
      part,
    )
    for (const r of rows) {
      const oid = num(r['origin_id'])
      const seq = num(r['seq'])
      if (latestSet.has(seq)) latest.set(oid, statusFromRow(origins.get(oid) ?? '', r))
      if (wanted.has(seq) && r['snapshot'] !== null) snapshotOf.set(oid, hex(r['snapshot']))
    }
  }
  const counts = new Map<string, number>()
  for (const part of chunks([...new Set(snapshotOf.values())])) {
    const rows = await db.all<Row>(
      `SELECT id, branch_count FROM snapshot WHERE id IN ${inList(part.length)}`,
      part.map(b),
    )
    rows.forEach((r) => counts.set(hex(r['id']), num(r['branch_count'])))
  }
  const out = new Map<number, OriginSummary>()
  for (const [oid, status] of latest) {
    const snp = snapshotOf.get(oid) ?? null
    out.set(oid, {
      latestStatus: status,
      latestSnapshot: snp,
      branchCount: snp === null ? null : (counts.get(snp) ?? null),
    })
  }
  return out
}
