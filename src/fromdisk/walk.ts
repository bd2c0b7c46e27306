/**
 * Turns a filesystem tree into model objects exactly as Software Heritage's `from_disk` does
 * (SWHID spec §8): a file is executable (`100755`) when any execute bit is set; symlinks inside
 * the tree are never followed and hash as a blob of their link text; empty directories are kept;
 * FIFOs, sockets and devices are empty contents; names are the raw on-disk bytes.
 *
 * The walk is a depth-first traversal by one walker; files are hashed by a {@link HashPool} on
 * every core. Memory stays bounded: the walker waits when too many files are in flight, so the
 * directories held at once are those on the current path plus those still waiting for a hash.
 *
 * Nodes are reported in a deterministic post-order (children in manifest order before their
 * directory) whatever order the hashes finish in.
 *
 * @module
 */

import { type Dirent, readdirSync, readlinkSync } from 'node:fs'

import { IoError } from '../errors.js'
import {
  compareBytes,
  concatBytes,
  contentSha1Git,
  type Directory,
  type DirectoryEntry,
  hashContent,
  makeDirectory,
  Perms,
} from '../model/index.js'
import { compileFnmatch, type Fnmatcher } from './fnmatch.js'
import { FileHashError, type FileHashResult, HashPool } from './hash-pool.js'

/** A file, symlink or special file of the tree. */
export interface DiskContentNode {
  readonly kind: 'content'
  /** Path relative to the root, `/`-separated raw bytes. */
  readonly path: Uint8Array
  readonly perms: number
  readonly sha1Git: string
  readonly length: number
  /** The four hashes, when the walk was asked for them. */
  readonly sha1?: string
  readonly sha256?: string
  readonly blake2s256?: string
}

/** A directory of the tree, with its model object. */
export interface DiskDirectoryNode {
  readonly kind: 'directory'
  /** Path relative to the root (empty for the root). */
  readonly path: Uint8Array
  readonly directory: Directory
}

/** A node reported by the walk. */
export type DiskNode = DiskContentNode | DiskDirectoryNode

/** Progress counters of a walk. */
export interface WalkProgress {
  readonly files: number
  readonly bytes: number
  readonly directories: number
}

/** Options of {@link walkDirectory}. */
export interface WalkOptions {
  /** Shell patterns matched against each root-relative path; matches are left out. */
  readonly exclude?: readonly string[]
  /** Called for every node, in post-order. */
  readonly onNode?: (node: DiskNode) => void
  /** Called now and then with running totals. */
  readonly onProgress?: (p: WalkProgress) => void
  /** Compute all four content hashes, not only sha1_git. */
  readonly allHashes?: boolean
  /** Worker threads hashing files (default: number of cores). */
  readonly workers?: number
  readonly signal?: AbortSignal
}

/** Perms of a non-directory entry from its mode: any execute bit makes it executable. */
export function modeToPerms(mode: number): number {
  const type = mode & 0o170000
  if (type === 0o120000) return Perms.symlink
  if (type === 0o040000) return Perms.directory
  return mode & 0o111 ? Perms.executableContent : Perms.content
}

const SLASH = Uint8Array.of(0x2f)

function joinPath(base: Uint8Array, name: Uint8Array): Uint8Array {
  return base.length === 0 ? name : concatBytes([base, SLASH, name])
}

function displayPath(p: Uint8Array): string {
  return Buffer.from(p).toString('utf8')
}

function errno(e: unknown): string | undefined {
  return e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined
}

/** One-line error for a failed filesystem call on `path`. */
export function fsError(path: Uint8Array, e: unknown, action = 'read'): IoError {
  const code = e instanceof FileHashError ? e.code : errno(e)
  const p = displayPath(path)
  let why: string
  switch (code) {
    case 'ENOENT':
      why = 'no such file or directory (it may have vanished during the walk)'
      break
    case 'EACCES':
    case 'EPERM':
      why = 'permission denied'
      break
    case 'ELOOP':
      why = 'too many levels of symbolic links'
      break
    case 'ENOTDIR':
      why = 'not a directory'
      break
    case 'ECHANGED':
      why = 'the file changed while it was read'
      break
    default:
      why = e instanceof Error ? e.message : String(e)
  }
  return new IoError(`Cannot ${action} "${p}": ${why}`, { cause: e, details: { path: p, code } })
}

interface Frame {
  readonly abs: Uint8Array
  readonly rel: Uint8Array
  readonly entries: readonly Dirent<Buffer>[]
  next: number
  readonly children: Promise<DirectoryEntry>[]
  readonly done: Deferred<Directory>
}

interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(v: T): void
  reject(e: unknown): void
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Rejections are observed through Promise.all of the parent; never let one go unhandled.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}

/** Emits nodes in the order their slots were reserved, as soon as each prefix is complete. */
class OrderedEmitter {
  readonly #slots: (DiskNode | undefined)[] = []
  #head = 0
  #base = 0

  constructor(private readonly sink: ((n: DiskNode) => void) | undefined) {}

  reserve(): number {
    this.#slots.push(undefined)
    return this.#base + this.#slots.length - 1
  }

  fill(slot: number, node: DiskNode): void {
    if (!this.sink) return
    this.#slots[slot - this.#base] = node
    while (this.#head < this.#slots.length && this.#slots[this.#head] !== undefined) {
      this.sink(this.#slots[this.#head]!)
      this.#slots[this.#head] = undefined
      this.#head++
    }
    if (this.#head > 4096) {
      this.#slots.splice(0, this.#head)
      this.#base += this.#head
      this.#head = 0
    }
  }
}

function sortDirents(entries: Dirent<Buffer>[]): Dirent<Buffer>[] {
  const keyed = entries.map((d) => ({
    d,
    key: d.isDirectory() ? concatBytes([d.name, SLASH]) : (d.name as Uint8Array),
  }))
  keyed.sort((a, b) => compareBytes(a.key, b.key))
  return keyed.map((k) => k.d)
}

/**
 * Walks the directory at `root` and returns its model directory; every node goes to `onNode`.
 *
 * @example
 * ```ts
 * const { directory } = await walkDirectory(Buffer.from('src'), { exclude: ['*.o'] })
 * console.log(`swh:1:dir:${directory.id}`)
 * ```
 */
export async function walkDirectory(
  root: Uint8Array,
  options: WalkOptions = {},
): Promise<DiskDirectoryNode> {
  const excludes: Fnmatcher[] = (options.exclude ?? []).map(compileFnmatch)
  const isExcluded = (rel: Uint8Array): boolean => excludes.some((m) => m.matches(rel))
  const emitter = new OrderedEmitter(options.onNode)
  const pool = new HashPool({
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    allHashes: options.allHashes === true,
  })
  const progress = { files: 0, bytes: 0, directories: 0 }
  let lastProgress = 0
  const report = (): void => {
    if (!options.onProgress) return
    const now = Date.now()
    if (now - lastProgress >= 100) {
      lastProgress = now
      options.onProgress({ ...progress })
    }
  }
  let failure: Error | undefined

  const listFrame = (abs: Uint8Array, rel: Uint8Array): Frame => {
    let entries: Dirent<Buffer>[]
    try {
      entries = readdirSync(Buffer.from(abs), { encoding: 'buffer', withFileTypes: true })
    } catch (e) {
      throw fsError(abs, e, 'list directory')
    }
    return { abs, rel, entries: sortDirents(entries), next: 0, children: [], done: deferred() }
  }

  const contentNode = (rel: Uint8Array, r: FileHashResult): DiskContentNode => ({
    kind: 'content',
    path: rel,
    perms: modeToPerms(r.mode),
    sha1Git: r.sha1Git,
    length: r.length,
    ...(r.sha1 === undefined ? {} : { sha1: r.sha1, sha256: r.sha256!, blake2s256: r.blake2s256! }),
  })

  const symlinkNode = (abs: Uint8Array, rel: Uint8Array): DiskContentNode => {
    let target: Uint8Array
    try {
      target = readlinkSync(Buffer.from(abs), { encoding: 'buffer' })
    } catch (e) {
      throw fsError(abs, e, 'read symlink')
    }
    const hashes = options.allHashes ? hashContent(target) : { sha1Git: contentSha1Git(target) }
    return { kind: 'content', path: rel, perms: Perms.symlink, length: target.length, ...hashes }
  }

  try {
    const rootFrame = listFrame(root, new Uint8Array(0))
    const stack: Frame[] = [rootFrame]
    while (stack.length > 0) {
      if (failure !== undefined) throw failure
      options.signal?.throwIfAborted()
      const f = stack[stack.length - 1]!
      if (f.next < f.entries.length) {
        const d = f.entries[f.next++]!
        const name = d.name as Uint8Array
        const rel = joinPath(f.rel, name)
        if (excludes.length > 0 && isExcluded(rel)) continue
        const abs = joinPath(f.abs, name)
        if (d.isDirectory()) {
          const sub = listFrame(abs, rel)
          f.children.push(
            sub.done.promise.then((dir) => ({
              name,
              type: 'dir',
              perms: Perms.directory,
              target: dir.id,
            })),
          )
          stack.push(sub)
        } else if (d.isSymbolicLink()) {
          const node = symlinkNode(abs, rel)
          emitter.fill(emitter.reserve(), node)
          f.children.push(
            Promise.resolve({ name, type: 'file', perms: node.perms, target: node.sha1Git }),
          )
        } else {
          await pool.room()
          const slot = emitter.reserve()
          const p = pool.hash(abs).then(
            (r) => {
              const node = contentNode(rel, r)
              progress.files++
              progress.bytes += r.length
              report()
              emitter.fill(slot, node)
              return { name, type: 'file', perms: node.perms, target: node.sha1Git } as const
            },
            (e: unknown) => {
              const err = fsError(abs, e)
              failure ??= err
              throw err
            },
          )
          p.catch(() => undefined)
          f.children.push(p)
        }
      } else {
        stack.pop()
        const slot = emitter.reserve()
        Promise.all(f.children).then(
          (entries) => {
            const directory = makeDirectory({ entries })
            progress.directories++
            emitter.fill(slot, { kind: 'directory', path: f.rel, directory })
            f.done.resolve(directory)
          },
          (e: unknown) => {
            failure ??= e instanceof Error ? e : new Error(String(e))
            f.done.reject(e)
          },
        )
      }
    }
    const directory = await rootFrame.done.promise
    options.onProgress?.({ ...progress })
    return { kind: 'directory', path: rootFrame.rel, directory }
  } finally {
    await pool.close()
  }
}
