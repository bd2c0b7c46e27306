/**
 * Which content store an archive uses, and opening it: the file store (`<data>/objects/`, one
 * file per content) or the pack store (`<data>/packs/`, contents appended to a few compressed
 * pack files with a shared index). An archive keeps the store it was created with: a pack store
 * that is ready wins, then an existing file store, then the requested kind or the default for a
 * new archive. Moving an archive from files to packs is `arca objstorage migrate`.
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { InvalidInputError } from '../errors.js'
import {
  type FsCompression,
  FsObjStorage,
  type ObjStorage,
  PackObjStorage,
  packStoreState,
} from '../objstorage/index.js'

/** The content stores an archive can use. */
export type ContentStoreKind = 'files' | 'pack'

/** The kind of a new archive's content store: packs (`--objstorage files` for the file store). */
export const DEFAULT_CONTENT_STORE: ContentStoreKind = 'pack'

/** Directory of each kind, under the data directory. */
export const CONTENT_STORE_DIRS = { files: 'objects', pack: 'packs' } as const

/** Parses a `--objstorage` / `ARCA_OBJSTORAGE` value. */
export function parseContentStoreKind(text: string): ContentStoreKind {
  if (text === 'files' || text === 'pack') return text
  throw new InvalidInputError(`Invalid content store "${text}": expected files or pack`)
}

/** The kind of content store of the archive in `dataDir` (see the module comment). */
export function contentStoreKind(dataDir: string, requested?: ContentStoreKind): ContentStoreKind {
  const packs = packStoreState(join(dataDir, CONTENT_STORE_DIRS.pack))
  const files = existsSync(join(dataDir, CONTENT_STORE_DIRS.files))
  if (packs === 'ready') {
    if (requested === 'files')
      throw new InvalidInputError(
        `The archive in ${dataDir} keeps its contents in packs (${CONTENT_STORE_DIRS.pack}/), not in the file store`,
      )
    return 'pack'
  }
  if (files) {
    if (requested === 'pack')
      throw new InvalidInputError(
        `The archive in ${dataDir} keeps its contents in the file store (${CONTENT_STORE_DIRS.files}/): run "arca objstorage migrate" to move them into packs`,
      )
    return 'files'
  }
  return requested ?? DEFAULT_CONTENT_STORE
}

/** Settings of {@link openContentStore}. */
export interface ContentStoreInit {
  readonly kind: ContentStoreKind
  /** Compression of new contents: gzip (files) or brotli (packs) unless `none`. */
  readonly compression?: FsCompression | undefined
  readonly fsync?: boolean | undefined
}

/** The (unopened) content store of kind `init.kind` in `dataDir`. */
export function openContentStore(dataDir: string, init: ContentStoreInit): ObjStorage {
  const root = join(dataDir, CONTENT_STORE_DIRS[init.kind])
  const fsync = init.fsync === undefined ? {} : { fsync: init.fsync }
  if (init.kind === 'pack')
    return new PackObjStorage({
      root,
      ...(init.compression === 'none' ? { compression: 'none' as const } : {}),
      ...fsync,
    })
  return new FsObjStorage({
    root,
    ...(init.compression ? { compression: init.compression } : {}),
    ...fsync,
  })
}
