/**
 * Factories: build model objects with their computed id (from the raw manifest when one is
 * given), checking the ids they reference.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { compareBytes, isSha1Hex, toHex, utf8 } from './bytes.js'
import { hashContent, sha1Hex } from './hash.js'
import {
  directoryManifest,
  extIdManifest,
  manifestId,
  rawExtrinsicMetadataManifest,
  RELEASE_TARGET_GIT_TYPE,
  type ReleaseFields,
  releaseManifest,
  type RevisionFields,
  revisionManifest,
  snapshotManifest,
  sortBranches,
  sortDirectoryEntries,
} from './manifest.js'
import type {
  Content,
  Directory,
  DirectoryEntry,
  ExtId,
  ExtraHeader,
  Person,
  RawExtrinsicMetadata,
  Release,
  ReleaseTargetType,
  Revision,
  RevisionType,
  Snapshot,
  SnapshotBranch,
  TimestampWithTimezone,
} from './objects.js'

function checkSha1(what: string, value: string): void {
  if (!isSha1Hex(value)) {
    throw new InvalidInputError(`${what} "${value}" is not 40 lowercase hexadecimal digits`)
  }
}

/** Input of {@link makeDirectory}. */
export interface DirectoryInit {
  readonly entries: readonly DirectoryEntry[]
  readonly rawManifest?: Uint8Array | null
}

/**
 * Builds a directory: entries sorted in manifest order, id computed (from the raw manifest
 * when one is given).
 *
 * @example
 * ```ts
 * makeDirectory({ entries: [] }).id // '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
 * ```
 */
export function makeDirectory(init: DirectoryInit): Directory {
  for (const e of init.entries) checkSha1('Directory entry target', e.target)
  const entries = sortDirectoryEntries(init.entries)
  const rawManifest = init.rawManifest ?? null
  const id = manifestId(rawManifest ?? directoryManifest(entries))
  return { id, entries, rawManifest }
}

/** Input of {@link makeRevision}: every field but the id; defaults for the rare ones. */
export interface RevisionInit {
  readonly directory: string
  readonly parents?: readonly string[]
  readonly author: Person | null
  readonly committer: Person | null
  readonly date: TimestampWithTimezone | null
  readonly committerDate: TimestampWithTimezone | null
  readonly message: Uint8Array | null
  readonly extraHeaders?: readonly ExtraHeader[]
  readonly type?: RevisionType
  readonly synthetic?: boolean
  readonly metadata?: Readonly<Record<string, unknown>> | null
  readonly rawManifest?: Uint8Array | null
}

/** Builds a revision with its id. */
export function makeRevision(init: RevisionInit): Revision {
  checkSha1('Revision directory', init.directory)
  for (const p of init.parents ?? []) checkSha1('Revision parent', p)
  const fields: RevisionFields = {
    directory: init.directory,
    parents: init.parents ?? [],
    author: init.author,
    committer: init.committer,
    date: init.date,
    committerDate: init.committerDate,
    extraHeaders: init.extraHeaders ?? [],
    message: init.message,
  }
  const rawManifest = init.rawManifest ?? null
  return {
    ...fields,
    id: manifestId(rawManifest ?? revisionManifest(fields)),
    type: init.type ?? 'git',
    synthetic: init.synthetic ?? false,
    metadata: init.metadata ?? null,
    rawManifest,
  }
}

/** Input of {@link makeRelease}. */
export interface ReleaseInit {
  readonly name: Uint8Array
  readonly target: string
  readonly targetType: ReleaseTargetType
  readonly author: Person | null
  readonly date: TimestampWithTimezone | null
  readonly message: Uint8Array | null
  readonly synthetic?: boolean
  readonly rawManifest?: Uint8Array | null
}

/** Builds a release with its id. */
export function makeRelease(init: ReleaseInit): Release {
  checkSha1('Release target', init.target)
  if (!Object.hasOwn(RELEASE_TARGET_GIT_TYPE, init.targetType))
    throw new InvalidInputError(
      `Release target type "${String(init.targetType)}" is not one of ${Object.keys(RELEASE_TARGET_GIT_TYPE).join(', ')}`,
    )
  const rawManifest = init.rawManifest ?? null
  const fields: ReleaseFields = {
    name: init.name,
    target: init.target,
    targetType: init.targetType,
    author: init.author,
    date: init.date,
    message: init.message,
  }
  return {
    ...fields,
    id: manifestId(rawManifest ?? releaseManifest(fields)),
    synthetic: init.synthetic ?? false,
    rawManifest,
  }
}

/** Builds a snapshot with its id; branches are sorted, a repeated name is an error. */
export function makeSnapshot(branches: readonly SnapshotBranch[]): Snapshot {
  const sorted = sortBranches(branches)
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i]!
    if (i > 0 && compareBytes(sorted[i - 1]!.name, b.name) === 0) {
      throw new InvalidInputError(`Snapshot branch "${toHex(b.name)}" (hex) appears twice`)
    }
    if (b.target !== null && b.target.targetType !== 'alias') {
      checkSha1('Snapshot branch target', b.target.target)
    }
  }
  return { id: manifestId(snapshotManifest(sorted)), branches: sorted }
}

/** Builds a content record (four hashes and length) from its bytes. */
export function makeContent(data: Uint8Array, ctime: Date | null = null): Content {
  return { ...hashContent(data), length: data.length, status: 'visible', ctime }
}

/** Builds an ExtID with its id. */
export function makeExtId(init: Omit<ExtId, 'id'>): ExtId {
  return { ...init, id: manifestId(extIdManifest(init)) }
}

/** Builds a raw extrinsic metadata record with its id. */
export function makeRawExtrinsicMetadata(
  init: Omit<RawExtrinsicMetadata, 'id'>,
): RawExtrinsicMetadata {
  return { ...init, id: manifestId(rawExtrinsicMetadataManifest(init)) }
}

/** The `ori` id of an origin: SHA-1 of the URL's UTF-8 bytes, no frame (spec §1). */
export function originId(url: string): string {
  return sha1Hex(utf8(url))
}
