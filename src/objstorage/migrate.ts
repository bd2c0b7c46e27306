/**
 * Moving contents from the file store into a pack store (`arca objstorage migrate`). Every
 * content is read back verified (its sha1_git recomputed) and written in batches (one durable
 * flush each); contents the packs already hold are skipped, so an interrupted run continues
 * where it stopped. The pack store is marked `ready` only when every content of the file store
 * is in it: until then the archive keeps reading and writing the file store.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { FsObjStorage } from './fs/fs-objstorage.js'
import type { AbortOptions } from './interface.js'
import type { PackObjStorage } from './pack/pack-objstorage.js'

/** Counts so far, given to {@link MigrateOptions.onProgress}. */
export interface MigrateProgress {
  /** Contents of the file store looked at. */
  readonly seen: number
  /** Copied into packs by this run. */
  readonly copied: number
  /** Already in packs (an earlier run, or a writer on packs). */
  readonly present: number
  /** Bytes copied (uncompressed). */
  readonly bytes: number
  /** Contents whose bytes do not hash to their id (not copied). */
  readonly corrupt: number
}

/** Options of {@link migrateToPacks}. */
export interface MigrateOptions extends AbortOptions {
  /** Contents per batch (default 1000). */
  readonly batchSize?: number
  /** Bytes per batch (default 32 MiB). */
  readonly batchBytes?: number
  readonly onProgress?: (p: MigrateProgress) => void
}

/** What a migration did. */
export interface MigrateReport extends MigrateProgress {
  /** Whether the pack store now holds everything and is marked ready. */
  readonly complete: boolean
  /** Ids of corrupt contents (at most 100), to repair before migrating again. */
  readonly corruptIds: readonly string[]
}

/** Copies every content of `files` into `packs` (both open), then marks `packs` ready. */
export async function migrateToPacks(
  files: FsObjStorage,
  packs: PackObjStorage,
  options: MigrateOptions = {},
): Promise<MigrateReport> {
  const batchSize = options.batchSize ?? 1000
  const batchBytes = options.batchBytes ?? 32 << 20
  let seen = 0
  let copied = 0
  let present = 0
  let bytes = 0
  const corruptIds: string[] = []
  let corrupt = 0
  let ids: string[] = []
  const progress = (): MigrateProgress => ({ seen, copied, present, bytes, corrupt })
  const flush = async (): Promise<void> => {
    const todo = await packs.missing(ids)
    present += ids.length - todo.length
    ids = []
    let batch: { id: string; data: Uint8Array }[] = []
    let size = 0
    for (const id of todo) {
      options.signal?.throwIfAborted()
      let data: Uint8Array
      try {
        data = await files.getBytes(id, { verify: true })
      } catch (e) {
        if (!(e instanceof CorruptError)) throw e
        corrupt++
        if (corruptIds.length < 100) corruptIds.push(id)
        continue
      }
      batch.push({ id, data })
      size += data.length
      if (batch.length >= batchSize || size >= batchBytes) {
        await packs.addBatch(batch, options)
        copied += batch.length
        bytes += size
        batch = []
        size = 0
        options.onProgress?.(progress())
      }
    }
    await packs.addBatch(batch, options)
    copied += batch.length
    bytes += size
    options.onProgress?.(progress())
  }
  for await (const id of files.list(options)) {
    seen++
    ids.push(id)
    if (ids.length >= batchSize) await flush()
  }
  await flush()
  const complete = corrupt === 0
  if (complete) packs.index.setMeta('state', 'ready')
  return { ...progress(), complete, corruptIds }
}
