/**
 * Snapshots of loads: which kind of object the archive holds for an id (to type a branch whose
 * target was not part of this load), and the snapshot of a producer's branches, stored after
 * every object it names.
 *
 * @module
 */

import {
  CORE_TYPE_OF,
  makeSnapshot,
  type ReleaseTargetType,
  type Snapshot,
  type SnapshotBranch,
} from '../../model/index.js'
import { missingIds, type Storage } from '../../storage/index.js'

/** Kinds looked up, most likely first for a branch target. */
const BRANCH_KINDS: readonly ReleaseTargetType[] = ['revision', 'release', 'directory', 'content']

/**
 * The kind of each of `ids` that `storage` holds (ids it holds as none are left out).
 *
 * @example
 * ```ts
 * const kinds = await classify(storage, [headId]) // Map { headId => 'revision' }
 * ```
 */
export async function classify(
  storage: Storage,
  ids: readonly string[],
): Promise<Map<string, ReleaseTargetType>> {
  const out = new Map<string, ReleaseTargetType>()
  let todo = [...new Set(ids)]
  for (const kind of BRANCH_KINDS) {
    if (todo.length === 0) break
    const absent = await missingIds(storage, CORE_TYPE_OF[kind], todo)
    for (const id of todo) if (!absent.has(id)) out.set(id, kind)
    todo = todo.filter((id) => absent.has(id))
  }
  return out
}

/** Makes the snapshot of `branches` and adds it (after everything it names was added). */
export async function storeSnapshot(
  storage: Storage,
  branches: readonly SnapshotBranch[],
): Promise<Snapshot> {
  const snapshot = makeSnapshot(branches)
  await storage.snapshotAdd([snapshot])
  return snapshot
}
