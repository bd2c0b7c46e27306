/**
 * Indexing of an origin's intrinsic metadata right after a load (`arca save`, the harvest
 * worker), for the metadata search. Derived data: a failure never fails the load, and
 * `arca metadata index` catches up.
 *
 * @module
 */

import { indexOriginMetadata } from '../metadata/index.js'
import type { Archive } from '../storage/index.js'

/** Indexes `origin` (what was just loaded into `archive`); never throws. */
export async function indexMetadata(
  archive: Pick<Archive, 'storage' | 'backend' | 'objstorage'>,
  origin: string,
): Promise<void> {
  try {
    await archive.storage.flush()
    await indexOriginMetadata({ storage: archive.backend, objstorage: archive.objstorage }, origin)
  } catch {
    // The index lags behind until the next load or `arca metadata index`.
  }
}
