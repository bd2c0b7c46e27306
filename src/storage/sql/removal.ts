/**
 * Removal on SQL: reverse references through the indexes of migration 11, revision edges for
 * the parent scan, deletion of objects with their counters, and the `removal` audit tables.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import type { ObjStorage } from '../../objstorage/index.js'
import { unpackIds } from '../codec.js'
import type { Referrer, RemovalRecord, RevisionEdges } from '../removal.js'
import type { SqlExecutor } from './executor.js'
import { unindexObject } from './graph-index.js'
import { b, hex, num, type Row, str } from './rows.js'
import { chunks, inList } from './statements.js'

/** Reverse references of `ids` through indexed edges (see `StorageRemoval.referrers`). */
export async function referrers(db: SqlExecutor, ids: readonly string[]): Promise<Referrer[]> {
  const out: Referrer[] = []
  for (const part of chunks([...new Set(ids)])) {
    const params = part.map(b)
    const list = inList(part.length)
    const queries: [Referrer['kind'], string][] = [
      [
        'ori',
        `SELECT DISTINCT s.snapshot AS target, o.sha1 AS id FROM origin_visit_status s
           JOIN origin o ON o.id = s.origin_id WHERE s.snapshot IN ${list}`,
      ],
      [
        'snp',
        `SELECT DISTINCT target, snapshot_id AS id FROM snapshot_branch WHERE target IN ${list}`,
      ],
      ['rel', `SELECT target, id FROM release WHERE target IN ${list}`],
      ['rev', `SELECT directory AS target, id FROM revision WHERE directory IN ${list}`],
    ]
    for (const [kind, sql] of queries) {
      for (const r of await db.all<Row>(sql, params))
        out.push({ target: hex(r['target']), kind, id: hex(r['id']) })
    }
  }
  return out
}

/** A page of revision edges in id order. */
export async function scanRevisionEdges(
  db: SqlExecutor,
  after: string | null,
  limit: number,
): Promise<{ items: RevisionEdges[]; next: string | null }> {
  const rows = await db.all<Row>(
    after === null
      ? 'SELECT id, directory, parents FROM revision ORDER BY id LIMIT ?'
      : 'SELECT id, directory, parents FROM revision WHERE id > ? ORDER BY id LIMIT ?',
    after === null ? [limit] : [b(after), limit],
  )
  const items = rows.map((r) => ({
    id: hex(r['id']),
    directory: hex(r['directory']),
    parents: unpackIds(r['parents'] as Uint8Array),
  }))
  return { items, next: rows.length < limit ? null : items[items.length - 1]!.id }
}

const TABLE = { snp: 'snapshot', rel: 'release', rev: 'revision', dir: 'directory' } as const
const COUNTER = { snp: 'snapshot', rel: 'release', rev: 'revision', dir: 'directory' } as const

async function decrement(tx: SqlExecutor, kind: string, n: number): Promise<void> {
  if (n > 0) await tx.run('UPDATE counter SET value = value - ? WHERE kind = ?', [n, kind])
}

async function removeOrigin(tx: SqlExecutor, sha1: string): Promise<number> {
  const rows = await tx.all<Row>('SELECT id FROM origin WHERE sha1 = ?', [b(sha1)])
  if (rows.length === 0) return 0
  const originId = num(rows[0]!['id'])
  await decrement(
    tx,
    'origin_visit_status',
    await tx.run('DELETE FROM origin_visit_status WHERE origin_id = ?', [originId]),
  )
  const visits = await tx.run('DELETE FROM origin_visit WHERE origin_id = ?', [originId])
  await decrement(tx, 'origin_visit', visits)
  // The `origin` counter counts origins with a visit (migration 5).
  await decrement(tx, 'origin', visits > 0 ? 1 : 0)
  await tx.run('DELETE FROM origin_root WHERE origin_id = ?', [originId])
  await tx.run('DELETE FROM origin_fork_snapshot WHERE origin_id = ?', [originId])
  // The metadata search index (migration 9): its row, and on SQLite its FTS row (same rowid).
  await tx.run('DELETE FROM origin_intrinsic_metadata WHERE origin_id = ?', [originId])
  if (tx.dialect === 'sqlite')
    await tx.run('DELETE FROM origin_intrinsic_metadata_fts WHERE rowid = ?', [originId])
  // SQLite's origin_fts follows through its delete trigger; pg_trgm is an index of the table.
  return tx.run('DELETE FROM origin WHERE id = ?', [originId])
}

async function removeExtids(tx: SqlExecutor, type: string, id: string): Promise<void> {
  const target = { cnt: 'content', dir: 'directory', rev: 'revision', rel: 'release' }[type]
  const targetType = target ?? 'snapshot'
  await decrement(
    tx,
    'extid',
    await tx.run('DELETE FROM extid WHERE target = ? AND target_type = ?', [b(id), targetType]),
  )
}

/** Deletes objects named by SWHIDs (see `StorageRemoval.removeObjects`). */
export async function removeObjects(
  db: SqlExecutor,
  objstorage: ObjStorage,
  swhids: readonly string[],
): Promise<number> {
  let removed = 0
  const bytes: string[] = []
  for (const part of chunks([...swhids], 200)) {
    await db.transaction(async (tx) => {
      for (const s of part) {
        const m = /^swh:1:(ori|snp|rel|rev|dir|cnt):([0-9a-f]{40})$/.exec(s)
        if (!m) throw new InvalidInputError(`Cannot remove "${s}": not a SWHID of a stored kind`)
        const [, type, id] = m as unknown as [string, string, string]
        if (type === 'ori') {
          removed += await removeOrigin(tx, id)
          continue
        }
        await removeExtids(tx, type, id)
        if (type === 'cnt') {
          const n = await tx.run('DELETE FROM content WHERE sha1_git = ?', [b(id)])
          await decrement(tx, 'content', n)
          const k = await tx.run('DELETE FROM skipped_content WHERE sha1_git = ?', [b(id)])
          await decrement(tx, 'skipped_content', k)
          removed += n + k
          bytes.push(id)
          continue
        }
        const kind = type as keyof typeof TABLE
        if (kind === 'snp')
          await tx.run('DELETE FROM snapshot_branch WHERE snapshot_id = ?', [b(id)])
        // The graph's reverse edges (migration 18) of a directory or revision go with it.
        if (kind === 'dir' || kind === 'rev') await unindexObject(tx, kind, id)
        // The fork index's marks (migration 10) name revisions: none outlives its revision.
        if (kind === 'rev') await tx.run('DELETE FROM fork_root_mark WHERE revision = ?', [b(id)])
        const n = await tx.run(`DELETE FROM ${TABLE[kind]} WHERE id = ?`, [b(id)])
        await decrement(tx, COUNTER[kind], n)
        removed += n
      }
    })
    // Bytes after the rows of their transaction: a visible row always has its bytes.
    for (const id of bytes.splice(0)) await objstorage.delete(id)
  }
  return removed
}

function recordOf(r: Row): RemovalRecord {
  return {
    id: str(r['id']),
    date: new Date(num(r['date'])),
    actor: str(r['actor']),
    reason: str(r['reason']),
    roots: JSON.parse(str(r['roots'])) as string[],
    counts: JSON.parse(str(r['counts'])) as Record<string, number>,
    state: str(r['state']) as RemovalRecord['state'],
    bundle: r['bundle'] === null || r['bundle'] === undefined ? null : str(r['bundle']),
    finished:
      r['finished'] === null || r['finished'] === undefined ? null : new Date(num(r['finished'])),
  }
}

/** Records a removal with its plan. */
export async function removalCreate(
  db: SqlExecutor,
  rec: RemovalRecord,
  swhids: readonly string[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO removal (id, date, actor, reason, roots, counts, state, bundle, finished)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        rec.id,
        rec.date.getTime(),
        rec.actor,
        rec.reason,
        JSON.stringify(rec.roots),
        JSON.stringify(rec.counts),
        rec.state,
        rec.bundle,
        rec.finished === null ? null : rec.finished.getTime(),
      ],
    )
    let seq = 0
    for (const part of chunks([...swhids], 300)) {
      await tx.run(
        `INSERT INTO removal_object (removal_id, seq, swhid) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`,
        part.flatMap((s) => [rec.id, seq++, s]),
      )
    }
  })
}

/** Updates a removal's state. */
export async function removalUpdate(
  db: SqlExecutor,
  id: string,
  change: Partial<Pick<RemovalRecord, 'state' | 'bundle' | 'counts' | 'finished'>>,
): Promise<void> {
  const sets: string[] = []
  const params: (string | number | null)[] = []
  const set = (column: string, value: string | number | null): void => {
    sets.push(`${column} = ?`)
    params.push(value)
  }
  if (change.state !== undefined) set('state', change.state)
  if (change.bundle !== undefined) set('bundle', change.bundle)
  if (change.counts !== undefined) set('counts', JSON.stringify(change.counts))
  if (change.finished !== undefined) set('finished', change.finished?.getTime() ?? null)
  if (sets.length === 0) return
  await db.run(`UPDATE removal SET ${sets.join(', ')} WHERE id = ?`, [...params, id])
}

export async function removalGet(db: SqlExecutor, id: string): Promise<RemovalRecord | null> {
  const rows = await db.all<Row>('SELECT * FROM removal WHERE id = ?', [id])
  return rows.length === 0 ? null : recordOf(rows[0]!)
}

export async function removalList(db: SqlExecutor): Promise<RemovalRecord[]> {
  const rows = await db.all<Row>('SELECT * FROM removal ORDER BY date, id')
  return rows.map(recordOf)
}

export async function removalObjects(
  db: SqlExecutor,
  id: string,
  from: number,
  limit: number,
): Promise<string[]> {
  const rows = await db.all<Row>(
    'SELECT swhid FROM removal_object WHERE removal_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
    [id, from, limit],
  )
  return rows.map((r) => str(r['swhid']))
}

/** Lifts the masks set by the removal `id` only. */
export async function removalUnmask(db: SqlExecutor, id: string): Promise<void> {
  await db.run('DELETE FROM masked_object WHERE request_id = ?', [id])
}
