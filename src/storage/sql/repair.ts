/**
 * Rewriting rows a repair found corrupt: each object's old rows are deleted and the verified
 * object inserted, in one transaction per object (a reader sees the old row or the new one),
 * with the counter brought back so that a replacement does not count as a new object.
 *
 * @module
 */

import type { RepairObject } from '../scan.js'
import { directoryAdd } from './directories.js'
import type { SqlExecutor } from './executor.js'
import { releaseAdd } from './releases.js'
import { revisionAdd } from './revisions.js'
import { b } from './rows.js'
import { snapshotAdd } from './snapshots.js'

const TABLE: Readonly<Record<RepairObject['kind'], string>> = {
  directory: 'directory',
  revision: 'revision',
  release: 'release',
  snapshot: 'snapshot',
}

export async function replaceObjects(
  db: SqlExecutor,
  objects: readonly RepairObject[],
): Promise<void> {
  for (const o of objects) {
    await db.transaction(async (tx) => {
      const id = b(o.value.id)
      if (o.kind === 'snapshot')
        await tx.run('DELETE FROM snapshot_branch WHERE snapshot_id = ?', [id])
      const removed = await tx.run(`DELETE FROM ${TABLE[o.kind]} WHERE id = ?`, [id])
      if (removed > 0)
        await tx.run('UPDATE counter SET value = value - ? WHERE kind = ?', [removed, o.kind])
      if (o.kind === 'directory') await directoryAdd(tx, [o.value])
      else if (o.kind === 'revision') await revisionAdd(tx, [o.value])
      else if (o.kind === 'release') await releaseAdd(tx, [o.value])
      else await snapshotAdd(tx, [o.value])
    })
  }
}
