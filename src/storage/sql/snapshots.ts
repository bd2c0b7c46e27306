/**
 * Snapshots and their branches (paged by branch name).
 *
 * @module
 */

import type { Snapshot, SnapshotBranch } from '../../model/index.js'
import { plainBytes } from '../codec.js'
import type { AddSummary, SnapshotBranchesOptions, SnapshotBranchesPage } from '../interface.js'
import { bump } from './counters.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { b, branchFromRow, num, type Row, str } from './rows.js'
import { absentIds, inList, insert, uniqueBy } from './statements.js'

export async function snapshotAdd(
  db: SqlExecutor,
  snapshots: readonly Snapshot[],
): Promise<AddSummary> {
  let added = 0
  for (const s of uniqueBy(snapshots, (x) => x.id)) {
    added += await db.transaction(async (tx) => {
      const exists = await tx.all('SELECT 1 AS x FROM snapshot WHERE id = ?', [b(s.id)])
      if (exists.length > 0) return 0
      // Branches first, then the snapshot row: the row is what makes the snapshot visible.
      await insert(
        tx,
        'snapshot_branch',
        ['snapshot_id', 'name', 'target_type', 'target'],
        s.branches.map((br) => [
          b(s.id),
          Buffer.from(br.name),
          br.target?.targetType ?? null,
          br.target === null
            ? null
            : br.target.targetType === 'alias'
              ? Buffer.from(br.target.target)
              : b(br.target.target),
        ]),
      )
      const n = await insert(tx, 'snapshot', ['id', 'branch_count'], [[b(s.id), s.branches.length]])
      await bump(tx, 'snapshot', n)
      return n
    })
  }
  return { 'snapshot:add': added }
}

export function snapshotMissing(db: SqlExecutor, ids: readonly string[]): Promise<string[]> {
  return absentIds(db, 'snapshot', 'id', ids)
}

export async function snapshotGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Snapshot | null)[]> {
  const out: (Snapshot | null)[] = []
  for (const id of ids) {
    const branches: SnapshotBranch[] = []
    let from: Uint8Array | undefined
    let page: SnapshotBranchesPage | null
    let found = true
    do {
      page = await snapshotGetBranches(db, id, {
        branchesCount: 10_000,
        ...(from ? { branchesFrom: from } : {}),
      })
      if (!page) {
        found = false
        break
      }
      branches.push(...page.branches)
      from = page.nextBranch ?? undefined
    } while (page.nextBranch !== null)
    out.push(found ? { id, branches } : null)
  }
  return out
}

export async function snapshotGetBranches(
  db: SqlExecutor,
  id: string,
  options: SnapshotBranchesOptions = {},
): Promise<SnapshotBranchesPage | null> {
  const exists = await db.all('SELECT 1 AS x FROM snapshot WHERE id = ?', [b(id)])
  if (exists.length === 0) return null
  const count = Math.max(1, Math.min(options.branchesCount ?? 1000, 100_000))
  const where: string[] = ['snapshot_id = ?']
  const params: SqlValue[] = [b(id)]
  if (options.branchesFrom !== undefined) {
    where.push('name >= ?')
    params.push(Buffer.from(options.branchesFrom))
  }
  if (options.targetTypes !== undefined) {
    if (options.targetTypes.length === 0) return { id, branches: [], nextBranch: null }
    where.push(`target_type IN ${inList(options.targetTypes.length)}`)
    params.push(...options.targetTypes)
  }
  if (options.branchNameExcludePrefix !== undefined) {
    // Names starting with the prefix are exactly those in [prefix, the next prefix): a range
    // the index answers, applied before LIMIT so that every page is full.
    const p = Buffer.from(options.branchNameExcludePrefix)
    const end = prefixEnd(p)
    if (end === null) where.push('name < ?')
    else where.push('(name < ? OR name >= ?)')
    params.push(p, ...(end === null ? [] : [end]))
  }
  const rows = await db.all<Row>(
    `SELECT name, target_type, target FROM snapshot_branch WHERE ${where.join(' AND ')} ORDER BY name LIMIT ?`,
    [...params, count + 1],
  )
  const branches = rows.slice(0, count).map(branchFromRow)
  const nextBranch = rows.length > count ? plainBytes(rows[count]!['name'] as Uint8Array) : null
  return { id, branches, nextBranch }
}

export async function snapshotCountBranches(
  db: SqlExecutor,
  id: string,
): Promise<Readonly<Record<string, number>> | null> {
  const exists = await db.all('SELECT 1 AS x FROM snapshot WHERE id = ?', [b(id)])
  if (exists.length === 0) return null
  const rows = await db.all<Row>(
    'SELECT target_type, COUNT(*) AS n FROM snapshot_branch WHERE snapshot_id = ? GROUP BY target_type',
    [b(id)],
  )
  const out: Record<string, number> = {}
  for (const r of rows)
    out[r['target_type'] === null ? 'null' : str(r['target_type'])] = num(r['n'])
  return out
}

/** The smallest byte string greater than every string starting with `p`; null if none. */
function prefixEnd(p: Buffer): Buffer | null {
  let n = p.length
  while (n > 0 && p[n - 1] === 0xff) n--
  if (n === 0) return null
  const end = Buffer.from(p.subarray(0, n))
  end[n - 1] = end[n - 1]! + 1
  return end
}
