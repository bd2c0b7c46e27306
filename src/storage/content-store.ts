/**
 * Which content store an archive uses, and opening it: the file store (`<data>/objects/`, one
 * file per content), the pack store (`<data>/packs/`, contents appended to a few compressed
 * pack files with a shared index), or the S3 store (packs as objects of an S3-compatible
 * bucket, `--objstorage s3://BUCKET[/PREFIX]`; its local catalog and the bucket's location, never
 * credentials, in `<data>/s3-cache/`). An archive keeps the store it was created with: an S3
 * store wins, then a pack store that is ready, then an existing file store, then the requested
 * kind or the default for a new archive. Moving an archive from files to packs is `arca
 * objstorage migrate`.
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { InvalidInputError } from '../errors.js'
import {
  type FsCompression,
  FsObjStorage,
  type ObjStorage,
  PackObjStorage,
  packStoreState,
  type S3Location,
  S3ObjStorage,
} from '../objstorage/index.js'

/** The content stores an archive can use. */
export type ContentStoreKind = 'files' | 'pack' | 's3'

/** The kind of a new archive's content store: packs (`--objstorage files` for the file store). */
export const DEFAULT_CONTENT_STORE: ContentStoreKind = 'pack'

/** Directory of each kind, under the data directory. */
export const CONTENT_STORE_DIRS = { files: 'objects', pack: 'packs', s3: 's3-cache' } as const

/** File of the S3 store's location (bucket, prefix, endpoint, region), in its directory. */
const S3_LOCATION_FILE = 'location.json'

/** Parses a `--objstorage` / `ARCA_OBJSTORAGE` value (`s3://…` is the S3 store). */
export function parseContentStoreKind(text: string): ContentStoreKind {
  if (text === 'files' || text === 'pack') return text
  if (text.startsWith('s3://')) return 's3'
  throw new InvalidInputError(
    `Invalid content store "${text}": expected files, pack or s3://BUCKET[/PREFIX]`,
  )
}

/**
 * The bucket of `s3://BUCKET[/PREFIX]`, with the server from `ARCA_S3_ENDPOINT` and the region
 * from `ARCA_S3_REGION`; credentials come from the AWS SDK's chain (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, profiles), never from the URL.
 */
export function parseS3Url(text: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  const m = /^s3:\/\/([^/@:]+)(?:\/(.*))?$/.exec(text)
  if (text.includes('@'))
    throw new InvalidInputError(
      'Credentials do not go in an s3:// URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    )
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!))
    throw new InvalidInputError(`Invalid S3 location "${text}": expected s3://BUCKET[/PREFIX]`)
  const prefix = (m[2] ?? '').replace(/\/*$/, '')
  const endpoint = env['ARCA_S3_ENDPOINT']
  const region = env['ARCA_S3_REGION']
  return {
    bucket: m[1]!,
    ...(prefix ? { prefix: `${prefix}/` } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
  }
}

/** The kind of content store of the archive in `dataDir` (see the module comment). */
export function contentStoreKind(dataDir: string, requested?: ContentStoreKind): ContentStoreKind {
  if (existsSync(join(dataDir, CONTENT_STORE_DIRS.s3, S3_LOCATION_FILE))) {
    if (requested && requested !== 's3')
      throw new InvalidInputError(
        `The archive in ${dataDir} keeps its contents in an S3 bucket (${CONTENT_STORE_DIRS.s3}/${S3_LOCATION_FILE}), not in ${requested === 'files' ? 'the file store' : 'local packs'}`,
      )
    return 's3'
  }
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
  /** The bucket of a new S3 store (an existing one keeps the bucket it recorded). */
  readonly s3?: S3Location | undefined
}

/** The S3 location recorded for the archive in `dir`, or the one asked for (then recorded). */
function s3Location(dir: string, asked: S3Location | undefined): S3Location {
  const file = join(dir, S3_LOCATION_FILE)
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as S3Location
    if (asked && (asked.bucket !== kept.bucket || (asked.prefix ?? '') !== (kept.prefix ?? '')))
      throw new InvalidInputError(
        `The archive keeps its contents in s3://${kept.bucket}/${kept.prefix ?? ''}, not in s3://${asked.bucket}/${asked.prefix ?? ''}`,
      )
    return { ...kept, ...(asked?.endpoint ? { endpoint: asked.endpoint } : {}) }
  }
  if (!asked)
    throw new InvalidInputError(
      'An S3 content store needs its bucket: --objstorage s3://BUCKET[/PREFIX]',
    )
  mkdirSync(dir, { recursive: true })
  const { bucket, prefix, endpoint, region } = asked
  writeFileSync(file, JSON.stringify({ bucket, prefix, endpoint, region }, null, 2) + '\n')
  return asked
}

/** The (unopened) content store of kind `init.kind` in `dataDir`. */
export function openContentStore(dataDir: string, init: ContentStoreInit): ObjStorage {
  const root = join(dataDir, CONTENT_STORE_DIRS[init.kind])
  const fsync = init.fsync === undefined ? {} : { fsync: init.fsync }
  if (init.kind === 's3')
    return new S3ObjStorage({
      ...s3Location(root, init.s3),
      cacheDir: root,
      ...(init.compression === 'none' ? { compression: 'none' as const } : {}),
    })
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
