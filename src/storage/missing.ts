/**
 * Which ids of one kind a storage lacks: one dispatch from a SWHID core type to the storage's
 * `*Missing` call, for every caller that asks by kind.
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'
import type { CoreType } from '../model/index.js'
import type { Storage } from './interface.js'

/** The storage calls {@link missingIds} uses. */
export type MissingStorage = Pick<
  Storage,
  'contentMissing' | 'directoryMissing' | 'revisionMissing' | 'releaseMissing' | 'snapshotMissing'
>

/**
 * The ids among `ids` (objects of core type `type`) that `storage` does not have. A content
 * known only as skipped is missing here (callers that accept skipped contents check them).
 *
 * @example
 * ```ts
 * const absent = await missingIds(storage, 'dir', [id]) // Set { id } when not archived
 * ```
 */
export async function missingIds(
  storage: MissingStorage,
  type: CoreType,
  ids: readonly string[],
  options?: AbortOptions,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  switch (type) {
    case 'cnt':
      return new Set(await storage.contentMissing(ids, options))
    case 'dir':
      return new Set(await storage.directoryMissing(ids, options))
    case 'rev':
      return new Set(await storage.revisionMissing(ids, options))
    case 'rel':
      return new Set(await storage.releaseMissing(ids, options))
    case 'snp':
      return new Set(await storage.snapshotMissing(ids, options))
  }
}
