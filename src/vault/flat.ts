/**
 * The `flat` bundle: a gzipped tarball of a directory, as Software Heritage's vault cooks it.
 *
 * - The target is a directory, or the root directory of a revision, of a release (followed to
 *   its revision or directory), or of a snapshot's `HEAD` branch (aliases followed).
 * - The tarball holds one top folder named after the requested SWHID (`swh:1:dir:…/`), then
 *   the tree depth first, in the directory's entry order.
 * - Files keep their executable bit (0755, else 0644); symlinks are symlink entries whose
 *   target is the content's bytes; a submodule (`rev` entry) is an empty directory, as in SWH.
 * - Names are bytes, written byte-exact (GNU long-name records beyond 100 bytes): see `tar.ts`.
 * - A masked or missing object fails the cook with an error naming it; SWH's vault writes a
 *   placeholder text instead, which would give a tree whose identifier is not the requested
 *   one.
 *
 * Memory: per level of the path being walked, the listings of up to 128 subdirectories of one
 * directory (read together: two queries for all of them, see `listings.ts`); the small files of a
 * directory in batches, one read ahead; one chunk of a big content. The listings read are also
 * kept in the walk's bounded cache, which a size estimate and the cook after it share.
 *
 * @module
 */

import { once } from 'node:events'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'

import { ArcaError, CorruptError, InvalidInputError, NotFoundError } from '../errors.js'
import {
  concatBytes,
  type Content,
  type CoreSwhid,
  type DirectoryEntry,
  formatSwhid,
  utf8,
} from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import { describeNoRoot, type NoRootReason, resolveRoot, type Storage } from '../storage/index.js'
import type { CookContext, Cooker } from './cooker.js'
import { type Listing, ListingCache, readListings } from './listings.js'
import { batchingSink, type Pending, TarWriter } from './tar.js'

/** Length of the top folder name (`swh:1:dir:` and 40 hex digits). */
const TOP_LENGTH = 50
/** Contents up to this size are read in one piece (a stream costs a 1 MiB buffer each). */
const SMALL_CONTENT = 512 * 1024
/** Small contents read in one batch: at most this many, of at most BATCH_BYTES in all. */
const BATCH_FILES = 256
const BATCH_BYTES = 4 * 1024 * 1024
/**
 * Batches read ahead of the one being written (memory: at most this many plus one batches per
 * directory level).
 */
const BATCHES_AHEAD = 1
/** Subdirectories of a directory whose listings are read together (memory: as many a level). */
const SIBLINGS_READ = 128
const SLASH = new Uint8Array([0x2f])
/** A snapshot's flat bundle is its HEAD's tree, and only HEAD's (as SWH's vault). */
const HEAD_ONLY = [utf8('HEAD')]

/** What a flat bundle is made of: a root directory and the mtime its entries get. */
export interface FlatRoot {
  readonly directory: string
  /** Seconds since the epoch: the revision's committer date, else 0. */
  readonly mtime: number
}

/** Words for why a target has no tree to cook. */
function refusal(target: CoreSwhid, reason: NoRootReason): InvalidInputError {
  switch (reason.kind) {
    case 'no-branch':
      return new InvalidInputError(
        `swh:1:snp:${reason.snapshot} has no branch "HEAD" to cook (a flat bundle of a snapshot is its HEAD's tree)`,
      )
    case 'content':
      return new InvalidInputError(
        `${formatSwhid(target)} leads to a content, which needs no cooking: use /api/1/content/raw/`,
      )
    case 'unsupported':
      return new InvalidInputError(`${formatSwhid(target)} cannot be cooked as a flat bundle`)
    default:
      return new InvalidInputError(`${describeNoRoot(reason)}: nothing to cook`)
  }
}

/**
 * The root directory of a flat bundle of `target`.
 *
 * @example
 * ```ts
 * const { directory } = await flatRoot(storage, parseCoreSwhid('swh:1:snp:…'))
 * ```
 */
export async function flatRoot(storage: Storage, target: CoreSwhid): Promise<FlatRoot> {
  const found = await resolveRoot(storage, target, { branches: HEAD_ONLY })
  if ('none' in found) throw refusal(target, found.none)
  const { directory, revision } = found.root
  return { directory, mtime: revision?.committerDate?.timestamp.seconds ?? 0 }
}

/** The tar entry mode of a git mode: executable or not (SWH's `mode_to_perms`). */
function fileMode(perms: number): number {
  return perms === 0o100755 ? 0o755 : 0o644
}

/** Small file entries of a directory read together: entry indexes, and their bytes. */
interface Batch {
  readonly entries: readonly number[]
  bytes: Promise<Uint8Array[]> | null
}

interface Frame {
  readonly path: Uint8Array
  readonly entries: readonly DirectoryEntry[]
  /** Stored contents of the file entries, by sha1_git. */
  readonly contents: ReadonlyMap<string, Content>
  next: number
  /** The batches of the small files, in entry order, and each entry's batch and place. */
  readonly batches: readonly Batch[]
  readonly place: ReadonlyMap<number, readonly [number, number]>
  /** Listings of subdirectories, read together (see {@link childFrame}). */
  children: Map<string, Listing> | null
}

/** What a tree walk reads listings with: the storage and the request's listing cache. */
interface Reads {
  readonly storage: Storage
  readonly cache: ListingCache
}

function readsOf(ctx: Pick<CookContext, 'storage' | 'listings'>): Reads {
  return { storage: ctx.storage, cache: ctx.listings ?? new ListingCache() }
}

function frameOf(listing: Listing, path: Uint8Array): Frame {
  const { entries, contents } = listing
  const batches: Batch[] = []
  const place = new Map<number, readonly [number, number]>()
  let batch: number[] = []
  let bytes = 0
  entries.forEach((e, i) => {
    const cnt = e.type === 'file' ? contents.get(e.target) : undefined
    if (!cnt || cnt.status !== 'visible' || cnt.length > SMALL_CONTENT) return
    if (batch.length >= BATCH_FILES || (batch.length > 0 && bytes + cnt.length > BATCH_BYTES)) {
      batches.push({ entries: batch, bytes: null })
      batch = []
      bytes = 0
    }
    place.set(i, [batches.length, batch.length])
    batch.push(i)
    bytes += cnt.length
  })
  if (batch.length > 0) batches.push({ entries: batch, bytes: null })
  return { path, entries, contents, next: 0, batches, place, children: null }
}

/** The frame of the root directory `id`. */
async function rootFrame(reads: Reads, id: string, path: Uint8Array): Promise<Frame> {
  const got = await readListings(reads.storage, [id], reads.cache)
  return frameOf(got.get(id)!, path)
}

/**
 * The frame of subdirectory `id` of `parent` (the entry `parent` is at): the listings of the
 * next {@link SIBLINGS_READ} subdirectories of `parent`, from this one on, are read together
 * when one of them is not read yet (two queries for all of them).
 */
async function childFrame(
  reads: Reads,
  parent: Frame,
  id: string,
  path: Uint8Array,
): Promise<Frame> {
  let listing = parent.children?.get(id)
  if (!listing) {
    const dirs: string[] = []
    for (let i = parent.next - 1; i < parent.entries.length && dirs.length < SIBLINGS_READ; i++) {
      const e = parent.entries[i]!
      if (e.type === 'dir') dirs.push(e.target)
    }
    parent.children = await readListings(reads.storage, dirs, reads.cache)
    listing = parent.children.get(id)!
  }
  return frameOf(listing, path)
}

/** The length of a file entry's content; a clear error when it is not stored. */
function contentSize(f: Frame, sha1Git: string, path: Uint8Array): number {
  const cnt = f.contents.get(sha1Git)
  if (!cnt || cnt.status !== 'visible') {
    const where = new TextDecoder().decode(path)
    throw new NotFoundError(
      `Content swh:1:cnt:${sha1Git} (at ${JSON.stringify(where)}) is not in the archive${cnt ? ` (${cnt.status})` : ''}: the bundle cannot be complete`,
      { details: { swhid: `swh:1:cnt:${sha1Git}` } },
    )
  }
  return cnt.length
}

/**
 * The bytes of small file entry `i` of `f`: its batch (read with the next ones, so the reads
 * overlap the writing), and a batch is dropped once its last entry is taken. A read that fails
 * is reported when its entry is written.
 */
function smallBytes(
  f: Frame,
  i: number,
  objstorage: ObjStorage,
  opts: { signal?: AbortSignal },
): Promise<Uint8Array> | null {
  const at = f.place.get(i)
  if (!at) return null
  const [b, k] = at
  for (let j = b; j <= b + BATCHES_AHEAD && j < f.batches.length; j++) {
    const batch = f.batches[j]!
    if (batch.bytes) continue
    batch.bytes = objstorage.getBytesMany(
      batch.entries.map((e) => f.entries[e]!.target),
      opts,
    )
    batch.bytes.catch(() => undefined) // observed when its entries are written
  }
  const batch = f.batches[b]!
  const p = batch.bytes!.then((all) => all[k]!)
  if (k === batch.entries.length - 1) batch.bytes = Promise.resolve([])
  return p
}

/**
 * Writes the tar (not gzipped) of directory `root.directory` under top folder `top`.
 * Exported for tests and other bundle kinds.
 */
export async function writeTree(
  ctx: CookContext,
  root: FlatRoot,
  top: Uint8Array,
  tar: TarWriter,
): Promise<void> {
  const { objstorage } = ctx
  const opts = ctx.signal ? { signal: ctx.signal } : {}
  const mtime = root.mtime
  await tar.entry({ name: top, type: 'dir', mode: 0o755, mtime })
  const reads = readsOf(ctx)
  const stack: Frame[] = [await rootFrame(reads, root.directory, top)]
  let files = 0
  let lastReport = 0
  while (stack.length > 0) {
    ctx.signal?.throwIfAborted()
    const current = stack[stack.length - 1]!
    const e = current.entries[current.next++]
    if (!e) {
      stack.pop()
      continue
    }
    const index = current.next - 1
    const path = concatBytes([current.path, SLASH, e.name])
    const bytes = (): Promise<Uint8Array> =>
      smallBytes(current, index, objstorage, opts) ?? objstorage.getBytes(e.target, opts)
    // The tar writer answers a promise only when the gzip stream asks to wait.
    let pending: Pending
    if (e.type === 'dir') {
      pending = tar.entry({ name: path, type: 'dir', mode: 0o755, mtime })
      if (pending) await pending
      stack.push(await childFrame(reads, current, e.target, path))
    } else if (e.type === 'rev') {
      pending = tar.entry({ name: path, type: 'dir', mode: 0o755, mtime })
      if (pending) await pending
    } else if (e.perms === 0o120000) {
      contentSize(current, e.target, path)
      const linkname = await bytes()
      pending = tar.entry({ name: path, type: 'symlink', mode: 0o777, linkname, mtime })
      if (pending) await pending
    } else {
      const size = contentSize(current, e.target, path)
      try {
        const header = { name: path, type: 'file', mode: fileMode(e.perms), size, mtime } as const
        pending = tar.file(
          header,
          size <= SMALL_CONTENT ? await bytes() : objstorage.get(e.target, opts),
        )
        if (pending) await pending
      } catch (err) {
        if (err instanceof ArcaError) throw err
        throw new CorruptError(
          `Content swh:1:cnt:${e.target}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        )
      }
      files++
      if (ctx.progress && files - lastReport >= 1000) {
        lastReport = files
        ctx.progress(`Processing... ${files} files written`)
      }
    }
  }
}

/**
 * The flat cooker: the `.tar.gz` of the target's directory, streamed to `out`.
 *
 * @example
 * ```ts
 * await cookFlat({ storage, objstorage }, parseCoreSwhid('swh:1:dir:…'), createWriteStream(f))
 * ```
 */
export const cookFlat: Cooker = async (ctx, target, out) => {
  ctx.progress?.('Processing...')
  const root = await flatRoot(ctx.storage, target)
  const gzip = createGzip()
  const done = pipeline(gzip, out)
  const { sink, flush } = batchingSink(async (chunk) => {
    if (!gzip.write(chunk)) await Promise.race([once(gzip, 'drain'), done])
  })
  try {
    const tar = new TarWriter(sink)
    await writeTree(ctx, root, utf8(formatSwhid(target)), tar)
    await tar.finish()
    await flush()
    gzip.end()
  } catch (err) {
    gzip.destroy(err instanceof Error ? err : new Error(String(err)))
    await done.catch(() => undefined)
    throw err
  }
  await done
  ctx.progress?.('Done')
}

/**
 * The size of the uncompressed tarball of `target` (headers, data, padding; long names
 * counted as one more block each), reading only the graph: every directory and content is
 * read through the storage, so a masked or missing one throws here as the cook would. Stops
 * early and answers a number above `stopAbove` once the size passes it.
 */
export async function flatSize(
  ctx: Pick<CookContext, 'storage' | 'signal' | 'listings'>,
  target: CoreSwhid,
  stopAbove = Infinity,
): Promise<number> {
  const root = await flatRoot(ctx.storage, target)
  const block = (n: number): number => Math.ceil(n / 512) * 512
  let size = 1024 + 512 // end marker and the top folder
  const reads = readsOf(ctx)
  const stack: Frame[] = [await rootFrame(reads, root.directory, new Uint8Array())]
  while (stack.length > 0 && size <= stopAbove) {
    ctx.signal?.throwIfAborted()
    const current = stack[stack.length - 1]!
    const e = current.entries[current.next++]
    if (!e) {
      stack.pop()
      continue
    }
    const path = concatBytes([current.path, SLASH, e.name])
    size += 512 + (path.length + TOP_LENGTH > 100 ? 512 + block(path.length + TOP_LENGTH + 2) : 0)
    if (e.type === 'dir') stack.push(await childFrame(reads, current, e.target, path))
    else if (e.type === 'file') {
      const length = contentSize(current, e.target, e.name)
      if (e.perms !== 0o120000) size += block(length)
      else if (length > 100) size += 1024 + block(length)
    }
  }
  return size
}
