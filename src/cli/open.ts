/**
 * Opening the archive for a command, from `--data`/`--storage` (or their environment variables).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { type CoreSwhid, parseQualifiedSwhid } from '../model/index.js'
import { type Archive, type ArchiveInit, openArchive, type Writer } from '../storage/index.js'
import { type ArchiveFlags, archiveLocation } from './archive-options.js'

/**
 * Opens the archive named by the flags, runs `fn`, closes it (flushing) whatever happens.
 * `writer` names the program writing (its layers are in `WRITER_STACKS`); null for readers.
 */
export async function withArchive<T>(
  flags: ArchiveFlags,
  writer: Writer | null,
  fn: (archive: Archive) => Promise<T>,
  init: Partial<Pick<ArchiveInit, 'bufferThresholds'>> = {},
): Promise<T> {
  const loc = archiveLocation(flags)
  const archive = await openArchive({
    dataDir: loc.dataDir,
    storageUrl: loc.storageUrl,
    journalUrl: loc.journalUrl,
    contentStore: loc.contentStore,
    s3: loc.s3,
    writer: writer ?? undefined,
    ...init,
  })
  try {
    return await fn(archive)
  } finally {
    await archive.close()
  }
}

/** The core SWHID of a command argument (qualifiers are accepted and ignored). */
export function swhidArg(text: string): CoreSwhid {
  const q = parseQualifiedSwhid(text)
  return { type: q.type, id: q.id }
}

/** Throws a clear error for an object that is not in the archive. */
export function notArchived(swhid: string): never {
  throw new InvalidInputError(`Object "${swhid}" is not in the archive`, { details: { swhid } })
}
