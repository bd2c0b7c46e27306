/**
 * Filesystem content store with sliced paths: `<root>/ab/cd/abcd…` for the default slicing
 * `0:2/2:4`, optionally gzip-compressed (`….gz`). Writes are atomic: a temporary file in
 * `<root>/.tmp/` (named after the writer's pid), fsync, rename into the final directory, fsync
 * of the directory; a crash leaves at worst a temporary file, which the next opening removes
 * (`sweep.ts`), never a partial object under its final name.
 *
 * The store records its slicing in `<root>/.arca-objstorage.json` at creation; later opens
 * use it, so a store always reads back what it wrote. Compression may change between runs:
 * each object's file name says whether it is compressed.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import {
  access,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { createGunzip, createGzip, gunzip, gunzipSync, gzipSync } from 'node:zlib'

import { CorruptError, InvalidInputError } from '../../errors.js'
import { gitHeader, isSha1Hex } from '../../model/index.js'
import { diskError } from '../disk.js'
import { checkId, notFound } from '../ids.js'
import type { AbortOptions, ObjGetOptions, ObjListOptions, ObjStorage } from '../interface.js'
import { ReadPool } from './read-pool.js'
import { sweepTemps, tempName, TMP_DIR } from './sweep.js'
import { type WriteItem, WritePool } from './write-pool.js'

const gunzipAsync = promisify(gunzip)

/** Compression of newly written objects. */
export type FsCompression = 'none' | 'gzip'

/** Settings of {@link FsObjStorage}. */
export interface FsObjStorageInit {
  /** Root directory (created if needed). */
  readonly root: string
  /** Path slicing, e.g. `0:2/2:4` (only used when the store is created). */
  readonly slicing?: string
  /** Compression of new objects. */
  readonly compression?: FsCompression
  /** Verify every read (recompute sha1_git). */
  readonly verifyOnRead?: boolean
  /** fsync files and directories on write (disable only for throwaway stores). */
  readonly fsync?: boolean
  /** Worker threads writing batches of small contents. */
  readonly writeWorkers?: number
  /** Worker threads reading batches of small contents ({@link FsObjStorage.getBytesMany}). */
  readonly readWorkers?: number
}

/** Defaults of {@link FsObjStorageInit}. */
export const DEFAULT_FS_OBJSTORAGE = {
  slicing: '0:2/2:4',
  compression: 'none' as FsCompression,
  verifyOnRead: false,
  fsync: true,
  writeWorkers: 4,
  readWorkers: 2,
} as const

const CONFIG_FILE = '.arca-objstorage.json'

function parseSlicing(spec: string): [number, number][] {
  const parts = spec.split('/').map((p) => p.split(':').map(Number))
  for (const p of parts) {
    if (
      p.length !== 2 ||
      p.some((n) => !Number.isInteger(n) || n < 0 || n > 40) ||
      p[0]! >= p[1]!
    ) {
      throw new InvalidInputError(`Invalid path slicing "${spec}": expected e.g. 0:2/2:4`)
    }
  }
  // Slices must be consecutive prefixes of the id (0:2/2:4, 0:1/1:3/3:5): then directories
  // sort like the ids below them, which is what ordered listing by hash range relies on.
  let expected = 0
  for (const [a, b] of parts as [number, number][]) {
    if (a !== expected) {
      throw new InvalidInputError(
        `Invalid path slicing "${spec}": slices must be consecutive from 0`,
      )
    }
    expected = b
  }
  return parts as [number, number][]
}

async function* toChunks(data: Uint8Array | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) yield data
  else yield* data
}

/**
 * Content store on a local (or shared) filesystem.
 *
 * @example
 * ```ts
 * const store = new FsObjStorage({ root: 'arca-data/objects', compression: 'gzip' })
 * await store.open()
 * await store.add(id, bytes)
 * ```
 */
export class FsObjStorage implements ObjStorage {
  readonly #init: FsObjStorageInit
  #slices: [number, number][] = []
  #opened = false
  #pool: WritePool | undefined
  #readPool: ReadPool | undefined
  /** Directories known to exist (saves a mkdir per write). */
  readonly #dirs = new Set<string>()

  constructor(init: FsObjStorageInit) {
    this.#init = init
  }

  get root(): string {
    return this.#init.root
  }

  async open(): Promise<void> {
    if (this.#opened) return
    await mkdir(this.#init.root, { recursive: true })
    const configPath = join(this.#init.root, CONFIG_FILE)
    let slicing: string
    try {
      slicing = (JSON.parse(await readFile(configPath, 'utf8')) as { slicing: string }).slicing
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      slicing = this.#init.slicing ?? DEFAULT_FS_OBJSTORAGE.slicing
      parseSlicing(slicing)
      const tmp = `${configPath}.tmp-${process.pid}`
      await writeFile(tmp, JSON.stringify({ slicing, version: 1 }) + '\n')
      await rename(tmp, configPath)
    }
    this.#slices = parseSlicing(slicing)
    // Temporary files of writers that were killed.
    sweepTemps(this.#init.root)
    this.#opened = true
  }

  async close(): Promise<void> {
    this.#opened = false
    const pool = this.#pool
    const readPool = this.#readPool
    this.#pool = undefined
    this.#readPool = undefined
    await Promise.all([pool?.close(), readPool?.close()])
  }

  #dir(id: string): string {
    return join(this.#init.root, ...this.#slices.map(([a, b]) => id.slice(a, b)))
  }

  /** The file of `id` if it exists (plain or gzip), with its compression. */
  async #locate(id: string): Promise<{ path: string; gzip: boolean } | null> {
    const base = join(this.#dir(id), id)
    const preferGzip = (this.#init.compression ?? DEFAULT_FS_OBJSTORAGE.compression) === 'gzip'
    const candidates = preferGzip
      ? [
          { path: base + '.gz', gzip: true },
          { path: base, gzip: false },
        ]
      : [
          { path: base, gzip: false },
          { path: base + '.gz', gzip: true },
        ]
    for (const c of candidates) {
      try {
        await access(c.path)
        return c
      } catch {
        // Try the other variant.
      }
    }
    return null
  }

  async add(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    checkId(id)
    if (await this.#locate(id)) return
    await this.#write(id, data, options)
  }

  async replace(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    checkId(id)
    const before = await this.#locate(id)
    await this.#write(id, data, options)
    // The file of the other compression, if that is what was there, goes: one file per id.
    const now = await this.#locate(id)
    if (before && now && before.path !== now.path) await rm(before.path, { force: true })
  }

  /** Writes `id` under a temporary name, then renames it over whatever had its final name. */
  async #write(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions,
  ): Promise<void> {
    const dir = this.#dir(id)
    if (!this.#dirs.has(dir)) {
      await mkdir(dir, { recursive: true })
      if (this.#dirs.size < 1 << 17) this.#dirs.add(dir)
    }
    const gzip = (this.#init.compression ?? DEFAULT_FS_OBJSTORAGE.compression) === 'gzip'
    const final = join(dir, id + (gzip ? '.gz' : ''))
    const tmp = join(this.#init.root, TMP_DIR, tempName(id))
    const fsync = this.#init.fsync ?? DEFAULT_FS_OBJSTORAGE.fsync
    try {
      if (data instanceof Uint8Array && data.length <= 4 << 20) {
        // Small contents (nearly all of them): one write, no stream machinery.
        const fh = await open(tmp, 'wx', 0o644)
        try {
          await fh.writeFile(gzip ? gzipSync(data) : data)
          if (fsync) await fh.sync()
        } finally {
          await fh.close()
        }
      } else {
        const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 })
        const source = toChunks(data)
        if (gzip) await pipeline(source, createGzip(), out, { signal: options.signal })
        else await pipeline(source, out, { signal: options.signal })
        if (fsync) {
          const fh = await open(tmp, 'r')
          try {
            await fh.sync()
          } finally {
            await fh.close()
          }
        }
      }
      // Rename is atomic: the object appears whole under its final name, or not at all; the
      // directory fsync makes the new name durable before the caller writes rows naming it.
      await rename(tmp, final)
      if (fsync) await syncDir(dir)
    } catch (e) {
      await rm(tmp, { force: true })
      throw diskError(e, `content ${id} under ${this.#init.root}`)
    }
  }

  async addBatch(
    items: readonly { id: string; data: Uint8Array }[],
    options: AbortOptions = {},
  ): Promise<void> {
    const gzip = (this.#init.compression ?? DEFAULT_FS_OBJSTORAGE.compression) === 'gzip'
    const small: WriteItem[] = []
    for (const { id, data } of items) {
      checkId(id)
      if (data.length > 1 << 20) {
        await this.add(id, data, options)
        continue
      }
      const base = join(this.#dir(id), id)
      small.push({ final: gzip ? base + '.gz' : base, other: gzip ? base : base + '.gz', data })
    }
    if (small.length === 0) return
    this.#pool ??= new WritePool(this.#init.writeWorkers ?? DEFAULT_FS_OBJSTORAGE.writeWorkers)
    await this.#pool.write(small, {
      fsync: this.#init.fsync ?? DEFAULT_FS_OBJSTORAGE.fsync,
      gzip,
      tmpDir: join(this.#init.root, TMP_DIR),
      root: this.#init.root,
    })
  }

  async has(id: string): Promise<boolean> {
    checkId(id)
    return (await this.#locate(id)) !== null
  }

  async missing(ids: readonly string[]): Promise<string[]> {
    const out: string[] = []
    for (const id of ids) if (!(await this.has(id))) out.push(id)
    return out
  }

  get(id: string, options: ObjGetOptions = {}): AsyncIterable<Uint8Array> {
    checkId(id)
    const verify = options.verify ?? this.#init.verifyOnRead ?? false
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        const loc = await self.#locate(id)
        if (!loc) throw notFound(id)
        const read = (): AsyncIterable<Uint8Array> => {
          const file = createReadStream(loc.path, {
            highWaterMark: 1 << 20,
            signal: options.signal,
          })
          return (loc.gzip ? file.pipe(createGunzip()) : file) as AsyncIterable<Uint8Array>
        }
        if (!verify) {
          yield* read()
          return
        }
        let length: number
        if (loc.gzip) {
          length = 0
          for await (const c of read()) length += c.length
        } else {
          length = (await stat(loc.path)).size
        }
        const hash = createHash('sha1').update(gitHeader('blob', length))
        // Hold back the last chunk until the hash is checked, so a corrupt object is never
        // delivered whole.
        let pending: Uint8Array | null = null
        let seen = 0
        for await (const c of read()) {
          hash.update(c)
          seen += c.length
          if (pending) yield pending
          pending = c
        }
        const got = hash.digest('hex')
        if (got !== id || seen !== length) {
          throw new CorruptError(
            `Content "swh:1:cnt:${id}" is corrupt in the content store (hashes to ${got})`,
            {
              details: { id, computed: got },
            },
          )
        }
        if (pending) yield pending
      },
    }
  }

  async getBytes(id: string, options: ObjGetOptions = {}): Promise<Uint8Array> {
    checkId(id)
    // One read of the whole file: no stream (and no stream buffer) per object, which matters
    // for the many small files mirrors and pages read.
    // Each variant is read directly (no existence check first: one system call less); a
    // variant replaced by the other between the two reads (a concurrent re-add) is found on
    // the second round.
    const base = join(this.#dir(id), id)
    const gzipFirst = (this.#init.compression ?? DEFAULT_FS_OBJSTORAGE.compression) === 'gzip'
    const order = gzipFirst ? [true, false, true] : [false, true, false]
    for (const gzip of order) {
      let data: Uint8Array
      try {
        const raw = await readFile(gzip ? base + '.gz' : base, { signal: options.signal })
        data = gzip ? await gunzipAsync(raw) : raw
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw e
      }
      if (options.verify ?? this.#init.verifyOnRead ?? false) {
        const got = createHash('sha1')
          .update(gitHeader('blob', data.length))
          .update(data)
          .digest('hex')
        if (got !== id)
          throw new CorruptError(
            `Content "swh:1:cnt:${id}" is corrupt in the content store (hashes to ${got})`,
            { details: { id, computed: got } },
          )
      }
      return data
    }
    throw notFound(id)
  }

  async getBytesMany(ids: readonly string[], options: ObjGetOptions = {}): Promise<Uint8Array[]> {
    for (const id of ids) checkId(id)
    options.signal?.throwIfAborted()
    if (ids.length === 0) return []
    const gzipFirst = (this.#init.compression ?? DEFAULT_FS_OBJSTORAGE.compression) === 'gzip'
    this.#readPool ??= new ReadPool(this.#init.readWorkers ?? DEFAULT_FS_OBJSTORAGE.readWorkers)
    const layout = { root: this.#init.root, slices: this.#slices, gzipFirst }
    const got = await this.#readPool.read(ids, layout, {
      verify: options.verify ?? this.#init.verifyOnRead ?? false,
    })
    options.signal?.throwIfAborted()
    if (Array.isArray(got)) return got
    switch (got.kind) {
      case 'missing':
        throw notFound(got.id)
      case 'corrupt':
        throw new CorruptError(
          `Content "swh:1:cnt:${got.id}" is corrupt in the content store (hashes to ${got.computed})`,
          { details: { id: got.id, computed: got.computed } },
        )
      default:
        throw Object.assign(
          new Error(`Cannot read content ${got.id} under ${this.#init.root}: ${got.message}`),
          got.code ? { code: got.code } : {},
        )
    }
  }

  getBytesSync(id: string): Uint8Array {
    checkId(id)
    const base = join(this.#dir(id), id)
    for (const gzip of [false, true]) {
      try {
        const raw = readFileSync(gzip ? base + '.gz' : base)
        return gzip ? gunzipSync(raw) : raw
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      }
    }
    throw notFound(id)
  }

  async delete(id: string): Promise<boolean> {
    checkId(id)
    let found = false
    for (const suffix of ['', '.gz']) {
      try {
        await unlink(join(this.#dir(id), id + suffix))
        found = true
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      }
    }
    return found
  }

  list(options: ObjListOptions = {}): AsyncIterable<string> {
    const from = options.from ?? ''
    const to = options.to ?? 'g'
    const slices = this.#slices
    const root = this.#init.root
    return {
      async *[Symbol.asyncIterator]() {
        // Directory levels hold id slices in increasing order; prune those outside the range.
        async function* walk(dir: string, level: number, prefixes: string): AsyncIterable<string> {
          let names: string[]
          try {
            names = (await readdir(dir)).filter((n) => !n.startsWith('.'))
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
            throw e
          }
          names.sort()
          if (level === slices.length) {
            const ids = [...new Set(names.map((n) => n.replace(/\.gz$/, '')))]
              .filter((n) => isSha1Hex(n))
              .sort()
            for (const id of ids) {
              options.signal?.throwIfAborted()
              if (id >= from && id < to) yield id
            }
            return
          }
          const end = slices[level]![1]
          for (const name of names) {
            // Every id below this directory starts with prefix+name: skip whole subtrees that
            // lie entirely outside [from, to).
            const prefix = prefixes + name
            if (prefix < from.slice(0, end)) continue
            if (prefix > to.slice(0, end)) break
            yield* walk(join(dir, name), level + 1, prefix)
          }
        }
        yield* walk(root, 0, '')
      },
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
