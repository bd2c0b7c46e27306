/**
 * Packed content store: contents appended, compressed, to a few large pack files under
 * `<root>/`, found through a shared SQLite index (`<root>/index.sqlite`). One durable flush per
 * batch instead of one fsynced file per content; the write order is stated in `pack-writer.ts`.
 * Reads check every entry's CRC (and its sha1_git when verifying); deletion drops the index row
 * and compaction (`compact.ts`) reclaims the bytes.
 *
 * @module
 */

import { closeSync, existsSync, mkdirSync, openSync, read, readSync } from 'node:fs'
import { join } from 'node:path'

import { InvalidInputError } from '../../errors.js'
import { diskError } from '../disk.js'
import { checkId, notFound } from '../ids.js'
import type {
  AbortOptions,
  ObjGetOptions,
  ObjListOptions,
  ObjStorage,
  StoredHashes,
} from '../interface.js'
import { type CompactOptions, compactPacks, type CompactReport } from './compact.js'
import {
  checkContentHash,
  compressAll,
  corruptEntry,
  decodeEntry,
  decodeEntryAsync,
  HEADER_SIZE,
  type PackCompression,
  TRAILER_SIZE,
} from './format.js'
import { type EntryRow, PackIndex } from './pack-index.js'
import { streamEntry } from './pack-stream.js'
import { acquirePack, appendBatch, appendStream, type OpenPack } from './pack-writer.js'
import { hashRuns, type PoolGate, readRuns } from './read-many.js'
import { type PackStats, packStats } from './stats.js'

/** Settings of {@link PackObjStorage}. */
export interface PackObjStorageInit {
  /** Directory of the packs and their index (created if needed). */
  readonly root: string
  /** Compression of new entries (default brotli). */
  readonly compression?: PackCompression
  /** Verify every read (recompute sha1_git); the CRC is always checked. */
  readonly verifyOnRead?: boolean
  /** fsync packs on write (disable only for throwaway stores). */
  readonly fsync?: boolean
  /** A pack is sealed once it reaches this size (bytes). */
  readonly maxPackSize?: number
  /** Entries larger than this are streamed in and out instead of held in memory (bytes). */
  readonly streamThreshold?: number
  /** How long a write waits for another process's index transaction (ms). */
  readonly busyTimeoutMs?: number
  /**
   * Compressed entries decompressed in place before batches go to the decode pool (its worker
   * start is paid only by a store that reads more than this; see `read-many.ts`).
   */
  readonly decodePoolAfter?: number
}

/** Defaults of {@link PackObjStorageInit}. */
export const DEFAULT_PACK_OBJSTORAGE = {
  compression: 'brotli' as PackCompression,
  verifyOnRead: false,
  fsync: true,
  maxPackSize: 512 << 20,
  streamThreshold: 16 << 20,
  busyTimeoutMs: 30_000,
  decodePoolAfter: 2048,
} as const

/** File name of the index, under the root. */
export const INDEX_FILE = 'index.sqlite'

/** Largest group of entries appended in one write. */
const GROUP_BYTES = 32 << 20
/**
 * Content store in pack files.
 *
 * @example
 * ```ts
 * const store = new PackObjStorage({ root: 'arca-data/packs' })
 * await store.open()
 * await store.addBatch([{ id, data }])
 * const bytes = await store.getBytes(id, { verify: true })
 * ```
 */
export class PackObjStorage implements ObjStorage {
  readonly #init: PackObjStorageInit
  readonly #gate: PoolGate
  #index: PackIndex | undefined
  #pack: OpenPack | undefined
  /** Read descriptors by pack file name (a few; the oldest closed first). */
  readonly #fds = new Map<string, number>()
  #fdsChecked = Date.now()
  /** Serialises this instance's appends. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(init: PackObjStorageInit) {
    this.#init = init
    this.#gate = {
      after: init.decodePoolAfter ?? DEFAULT_PACK_OBJSTORAGE.decodePoolAfter,
      inPlace: 0,
    }
  }

  get root(): string {
    return this.#init.root
  }

  get #fsync(): boolean {
    return this.#init.fsync ?? DEFAULT_PACK_OBJSTORAGE.fsync
  }

  /** The index (open stores only). */
  get index(): PackIndex {
    if (!this.#index) throw new InvalidInputError(`The pack store ${this.root} is not open`)
    return this.#index
  }

  /**
   * Opens the store. `state` is recorded when the index is created: `ready` (default), or
   * `migrating` while `arca objstorage migrate` fills it.
   */
  open(options: AbortOptions & { state?: 'ready' | 'migrating' } = {}): Promise<void> {
    if (this.#index) return Promise.resolve()
    mkdirSync(this.root, { recursive: true })
    this.#index = new PackIndex(
      join(this.root, INDEX_FILE),
      this.#init.busyTimeoutMs ?? DEFAULT_PACK_OBJSTORAGE.busyTimeoutMs,
    )
    if (this.#index.meta('version') === undefined) {
      this.#index.setMeta('version', '1')
      this.#index.setMeta('state', options.state ?? 'ready')
    }
    return Promise.resolve()
  }

  /** `ready`, or `migrating` while `arca objstorage migrate` fills the store. */
  get state(): 'ready' | 'migrating' {
    return this.index.meta('state') === 'migrating' ? 'migrating' : 'ready'
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined)
    if (this.#pack) {
      closeSync(this.#pack.fd)
      this.#index?.release(this.#pack.id)
      this.#pack = undefined
    }
    for (const fd of this.#fds.values()) closeSync(fd)
    this.#fds.clear()
    this.#index?.close()
    this.#index = undefined
  }

  /** Runs `fn` after every earlier append of this instance. */
  #exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** The pack to append to, sealing a full one first. */
  #currentPack(): OpenPack {
    const max = this.#init.maxPackSize ?? DEFAULT_PACK_OBJSTORAGE.maxPackSize
    if (this.#pack && this.#pack.size >= max) {
      closeSync(this.#pack.fd)
      this.index.release(this.#pack.id)
      this.#pack = undefined
    }
    this.#pack ??= acquirePack(this.index, this.root, max, this.#fsync)
    return this.#pack
  }

  async add(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    checkId(id)
    if (this.index.has(id)) return
    await this.#put(id, data, false, options)
  }

  async replace(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    checkId(id)
    await this.#put(id, data, true, options)
  }

  async #put(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    replace: boolean,
    options: AbortOptions,
  ): Promise<void> {
    if (data instanceof Uint8Array) {
      await this.#addMany([{ id, data }], replace, options)
      return
    }
    // Hold chunks until the content proves large; then stream it into the pack.
    const threshold = this.#init.streamThreshold ?? DEFAULT_PACK_OBJSTORAGE.streamThreshold
    const held: Uint8Array[] = []
    let size = 0
    const it = data[Symbol.asyncIterator]()
    for (;;) {
      const next = await it.next()
      if (next.done) {
        await this.#addMany([{ id, data: Buffer.concat(held) }], replace, options)
        return
      }
      held.push(next.value)
      size += next.value.length
      if (size > threshold) break
    }
    async function* rest(): AsyncIterable<Uint8Array> {
      yield* held
      for (;;) {
        const next = await it.next()
        if (next.done) return
        yield next.value
      }
    }
    const compression = this.#init.compression ?? DEFAULT_PACK_OBJSTORAGE.compression
    await this.#exclusive(async () => {
      if (!replace && this.index.has(id)) return
      const pack = this.#currentPack()
      try {
        await appendStream(this.index, pack, id, rest(), {
          fsync: this.#fsync,
          compress: compression === 'brotli',
          replace,
          ...(options.signal ? { signal: options.signal } : {}),
        })
      } catch (e) {
        throw diskError(e, `content ${id} into pack ${pack.name} under ${this.root}`)
      }
    })
  }

  async addBatch(
    items: readonly { id: string; data: Uint8Array }[],
    options: AbortOptions = {},
  ): Promise<void> {
    for (const { id } of items) checkId(id)
    const index = this.index
    const seen = new Set<string>()
    const todo = items.filter(({ id }) => {
      if (seen.has(id)) return false
      seen.add(id)
      return !index.has(id)
    })
    await this.#addMany(todo, false, options)
  }

  async #addMany(
    items: readonly { id: string; data: Uint8Array }[],
    replace: boolean,
    options: AbortOptions,
  ): Promise<void> {
    if (items.length === 0) return
    const compression = this.#init.compression ?? DEFAULT_PACK_OBJSTORAGE.compression
    // Compression on the thread pool, all of the batch at once; then one append.
    const encoded = await compressAll(items, compression)
    options.signal?.throwIfAborted()
    await this.#exclusive(() => {
      let group: typeof encoded = []
      let bytes = 0
      const flush = (): void => {
        const pack = this.#currentPack()
        try {
          appendBatch(this.index, pack, group, { fsync: this.#fsync, replace })
        } catch (e) {
          throw diskError(e, `contents into pack ${pack.name} under ${this.root}`)
        }
        group = []
        bytes = 0
      }
      for (const e of encoded) {
        if (bytes + e.bytes.length > GROUP_BYTES && group.length > 0) flush()
        group.push(e)
        bytes += e.bytes.length
      }
      if (group.length > 0) flush()
    })
  }

  has(id: string): Promise<boolean> {
    checkId(id)
    return Promise.resolve(this.index.has(id))
  }

  missing(ids: readonly string[]): Promise<string[]> {
    const index = this.index
    return Promise.resolve(ids.filter((id) => !index.has(id)))
  }

  /** A read descriptor of pack file `name`. */
  #fd(name: string): number {
    // Now and then, close descriptors of packs a compaction removed: an open descriptor keeps
    // the old bytes on disk.
    if (Date.now() - this.#fdsChecked > 10_000) {
      this.#fdsChecked = Date.now()
      for (const [n, d] of this.#fds) {
        if (existsSync(join(this.root, n))) continue
        this.#fds.delete(n)
        closeSync(d)
      }
    }
    let fd = this.#fds.get(name)
    if (fd !== undefined) return fd
    fd = openSync(join(this.root, name), 'r')
    if (this.#fds.size >= 64) {
      const [oldest, ofd] = this.#fds.entries().next().value as [string, number]
      this.#fds.delete(oldest)
      closeSync(ofd)
    }
    this.#fds.set(name, fd)
    return fd
  }

  /** The index row of `id`, and a descriptor of its pack (retrying once if compaction moved it). */
  #locate(id: string): { row: EntryRow; fd: number } {
    for (let attempt = 0; ; attempt++) {
      const row = this.index.get(id)
      if (!row) throw notFound(id)
      try {
        return { row, fd: this.#fd(row.name) }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw e
      }
    }
  }

  #checkLength(row: EntryRow, id: string, got: number): void {
    if (got !== row.len) throw corruptEntry(id, row.name, 'the pack ends inside the entry')
  }

  getBytesSync(id: string, options: ObjGetOptions = {}): Uint8Array {
    checkId(id)
    const { row, fd } = this.#locate(id)
    const buf = Buffer.allocUnsafe(row.len)
    this.#checkLength(row, id, readSync(fd, buf, 0, row.len, row.off))
    const data = decodeEntry(buf, id, row.name)
    if (options.verify ?? this.#init.verifyOnRead ?? false) checkContentHash(id, data, row.name)
    return data
  }

  async getBytes(id: string, options: ObjGetOptions = {}): Promise<Uint8Array> {
    checkId(id)
    const { row, fd } = this.#locate(id)
    const buf = Buffer.allocUnsafe(row.len)
    const got = await new Promise<number>((resolve, reject) => {
      read(fd, buf, 0, row.len, row.off, (err, n) => (err ? reject(err) : resolve(n)))
    })
    this.#checkLength(row, id, got)
    const data = await decodeEntryAsync(buf, id, row.name)
    if (options.verify ?? this.#init.verifyOnRead ?? false) checkContentHash(id, data, row.name)
    return data
  }

  async getBytesMany(ids: readonly string[], options: ObjGetOptions = {}): Promise<Uint8Array[]> {
    // One index query for the batch; then the entries in pack order, neighbours read together
    // (one synchronous read a run: no thread pool round trip and promise per content, which
    // cost more than the read itself for small contents), their CRCs checked, and the
    // compressed ones decompressed together on the decode pool. Large entries, and any that
    // cannot be read that way (a pack compacted away meanwhile), are read one by one; the first
    // content in order that cannot be given is the one named.
    for (const id of ids) checkId(id)
    const verify = options.verify ?? this.#init.verifyOnRead ?? false
    const rows = this.index.getMany(ids)
    const { out, failed } = await readRuns(
      ids,
      rows,
      (name) => this.#fd(name),
      this.#gate,
      options.signal,
    )
    for (let k = 0; k < ids.length; k++) {
      if (out[k] !== undefined || failed[k] !== undefined) continue
      try {
        out[k] = await this.getBytes(ids[k]!, options)
      } catch (e) {
        failed[k] = e
      }
    }
    if (verify) {
      for (let k = 0; k < ids.length; k++) {
        if (out[k] === undefined || failed[k] !== undefined) continue
        try {
          checkContentHash(ids[k]!, out[k]!, rows.get(ids[k]!)?.name ?? '?')
        } catch (e) {
          failed[k] = e
        }
      }
    }
    for (let k = 0; k < ids.length; k++) if (failed[k] !== undefined) throw failed[k]
    return out as Uint8Array[]
  }

  async hashMany(
    ids: readonly string[],
    options: AbortOptions = {},
  ): Promise<(StoredHashes | undefined)[]> {
    // As getBytesMany, the payloads then decompressed and hashed on the hash pool; what cannot
    // be given that way is left to the caller's one-by-one read.
    for (const id of ids) checkId(id)
    const rows = this.index.getMany(ids)
    return hashRuns(ids, rows, (name) => this.#fd(name), options.signal)
  }

  get(id: string, options: ObjGetOptions = {}): AsyncIterable<Uint8Array> {
    checkId(id)
    const verify = options.verify ?? this.#init.verifyOnRead ?? false
    const threshold = this.#init.streamThreshold ?? DEFAULT_PACK_OBJSTORAGE.streamThreshold
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        const { row } = self.#locate(id)
        if (row.len <= threshold + HEADER_SIZE + TRAILER_SIZE) {
          const data = await self.getBytes(id, { verify })
          for (let off = 0; off < data.length || off === 0; off += 1 << 20) {
            yield data.subarray(off, off + (1 << 20))
            if (data.length === 0) break
          }
          return
        }
        yield* streamEntry(self.root, self.#fd(row.name), id, row, verify, options.signal)
      },
    }
  }

  delete(id: string): Promise<boolean> {
    checkId(id)
    return Promise.resolve(this.index.delete(id))
  }

  list(options: ObjListOptions = {}): AsyncIterable<string> {
    const from = options.from ?? ''
    const to = options.to ?? 'g'
    const index = this.index
    return {
      async *[Symbol.asyncIterator]() {
        let after: string | null = null
        for (;;) {
          options.signal?.throwIfAborted()
          const page = index.page(from, to, after, 1000)
          yield* page
          if (page.length < 1000) return
          after = page[page.length - 1]!
          await Promise.resolve()
        }
      },
    }
  }

  /** Packs, entries, bytes raw and stored, dead bytes. */
  stats(): PackStats {
    return packStats(this.index, this.root)
  }

  /** Rewrites packs holding dead bytes (see `compact.ts`). */
  async compact(options: CompactOptions = {}): Promise<CompactReport> {
    // This instance's own pack is compacted too: give it up first.
    await this.#exclusive(() => {
      if (this.#pack) {
        closeSync(this.#pack.fd)
        this.index.release(this.#pack.id)
        this.#pack = undefined
      }
    })
    return compactPacks(this.index, this.root, {
      fsync: this.#fsync,
      maxPackSize: this.#init.maxPackSize ?? DEFAULT_PACK_OBJSTORAGE.maxPackSize,
      ...options,
    })
  }
}

/**
 * The state of the pack store at `root` without opening it for writing: null when there is
 * none, `migrating` while `arca objstorage migrate` fills it, `ready` once it holds the contents.
 */
export function packStoreState(root: string): 'ready' | 'migrating' | null {
  const path = join(root, INDEX_FILE)
  if (!existsSync(path)) return null
  const index = new PackIndex(path)
  try {
    const state = index.meta('state')
    return state === 'migrating' ? 'migrating' : 'ready'
  } finally {
    index.close()
  }
}
