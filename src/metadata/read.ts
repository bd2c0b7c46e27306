/**
 * Reads the intrinsic metadata of an archived tree: the metadata files at its root directory
 * (CITATION.cff, codemeta.json, package.json, pyproject.toml), each parsed and mapped, merged
 * field by field in precedence order. A file that cannot be used (invalid, too large,
 * withheld by a takedown) is reported and skipped, never fatal. As Software Heritage does, a
 * root holding nothing but one directory (a tarball's top folder) is read through it.
 *
 * @module
 */

import { MaskedError } from '../errors.js'
import { decodeUtf8, type DirectoryEntry, Perms } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { Storage } from '../storage/index.js'
import { MetadataParseError, readCff, readCodemeta } from './read-cff-codemeta.js'
import { readPackageJson, readPyproject } from './read-packages.js'
import {
  type IntrinsicMetadata,
  isEmptyMetadata,
  mergeMetadata,
  METADATA_FILE_KINDS,
  METADATA_FILE_NAMES,
  type MetadataFile,
  type MetadataFileKind,
  type SoftwareMetadata,
} from './record.js'

/** Larger metadata files are not read (a CITATION.cff is a few kilobytes). */
export const MAX_METADATA_FILE_BYTES = 1024 * 1024

const READERS: Readonly<Record<MetadataFileKind, (src: string) => SoftwareMetadata>> = {
  cff: readCff,
  codemeta: readCodemeta,
  package: readPackageJson,
  pyproject: readPyproject,
}

/** What the reader needs of the archive (the masked view's storage and objstorage fit). */
export interface MetadataSource {
  readonly storage: Pick<Storage, 'directoryLs'>
  readonly objstorage: Pick<ObjStorage, 'getBytes'>
}

const nameText = (e: DirectoryEntry): string => Buffer.from(e.name).toString('utf8')

/** Parses the text of one metadata file of `kind` (exposed for the tests and the CLI). */
export function parseMetadataFile(kind: MetadataFileKind, src: string): SoftwareMetadata {
  return READERS[kind](src.replace(/^\uFEFF/, ''))
}

async function readOne(
  src: MetadataSource,
  kind: MetadataFileKind,
  entry: { name: string; id: string; length: number | null },
): Promise<{ file: MetadataFile; record: SoftwareMetadata | null }> {
  const fail = (error: string) => ({ file: { kind, ...entry, error }, record: null })
  const file = { kind, name: entry.name, id: entry.id }
  if (entry.length !== null && entry.length > MAX_METADATA_FILE_BYTES)
    return fail(`${entry.name} is too large (${entry.length} bytes) to be read as metadata`)
  let bytes: Uint8Array
  try {
    bytes = await src.objstorage.getBytes(entry.id)
  } catch (err) {
    if (err instanceof MaskedError) return fail(`${entry.name} is withheld`)
    return fail(`${entry.name} is not archived (${(err as Error).message})`)
  }
  const textValue = decodeUtf8(bytes)
  if (textValue === null) return fail(`${entry.name} is not valid UTF-8`)
  try {
    const record = parseMetadataFile(kind, textValue)
    return { file: { ...file, error: null }, record }
  } catch (err) {
    if (err instanceof MetadataParseError) return fail(err.message)
    return fail(`${entry.name} could not be read: ${(err as Error).message}`)
  }
}

/**
 * The intrinsic metadata of the tree rooted at directory `dir`, or null when the directory is
 * not archived. Throws MaskedError when the directory itself is masked.
 *
 * @example
 * ```ts
 * const found = await readIntrinsicMetadata(view, rootDirectoryId)
 * found?.metadata.title // 'Arca'
 * found?.files.filter((f) => f.error) // the files that could not be used, and why
 * ```
 */
export async function readIntrinsicMetadata(
  src: MetadataSource,
  dir: string,
  depth = 1,
  path = '',
): Promise<IntrinsicMetadata | null> {
  const entries = await src.storage.directoryLs(dir)
  if (entries === null) return null
  const byName = new Map(
    entries
      .filter((e) => e.type === 'file' && e.perms !== Perms.symlink)
      .map((e) => [nameText(e), e]),
  )
  const files: MetadataFile[] = []
  const records: SoftwareMetadata[] = []
  let source: MetadataFile | null = null
  for (const kind of METADATA_FILE_KINDS) {
    for (const name of METADATA_FILE_NAMES[kind]) {
      const e = byName.get(name)
      if (!e) continue
      const { file, record } = await readOne(src, kind, {
        name,
        id: e.target,
        length: e.length,
      })
      files.push(file)
      if (record && !isEmptyMetadata(record)) {
        records.push(record)
        source ??= file
      }
    }
  }
  if (files.length === 0 && depth > 0 && entries.length === 1 && entries[0]!.type === 'dir')
    return readIntrinsicMetadata(
      src,
      entries[0]!.target,
      depth - 1,
      `${path}${nameText(entries[0]!)}/`,
    )
  return { directory: dir, path, metadata: mergeMetadata(records), files, source }
}
