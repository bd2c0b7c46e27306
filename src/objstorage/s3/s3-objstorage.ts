/**
 * Content store on an S3-compatible bucket: contents appended, compressed, to pack objects
 * (the entry format of the local pack store), each written whole with one PUT (S3 shows an
 * object whole or not at all), then its index object; a content is visible once the index
 * naming it is stored. Write order, per batch: pack object, index object, local catalog, then
 * (for a content added again after a removal) its tombstone deleted. A writer killed between
 * the first two leaves an unindexed pack that nothing reads.
 *
 * Lookups use the local catalog (`catalog.ts`), refreshed from the bucket's listing when it is
 * older than `refreshMs`, and when a pack it names is gone. Every read
 * checks the entry's CRC (and its sha1_git when verifying). Removal (takedown) stores a
 * tombstone first, which hides the content from every node at its next refresh, then rewrites
 * each pack holding it without it: the bytes are really deleted from the bucket.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { InvalidInputError } from '../../errors.js'
import { checkId, notFound } from '../ids.js'
import type { AbortOptions, ObjGetOptions, ObjListOptions, ObjStorage } from '../interface.js'
import { checkContentHash, compressAll, decodeEntry, type PackCompression } from '../pack/format.js'
import { Bucket, type S3Location } from './bucket.js'
import { Catalog, decodeIndex, encodeIndex, type IndexEntry, type Located } from './catalog.js'
import { spoolEntry, unspoolEntry } from './large.js'

/** Settings of {@link S3ObjStorage}. */
export interface S3ObjStorageInit extends S3Location {
  /** Directory of the local catalog and scratch files (created if needed). */
  readonly cacheDir: string
  /** Compression of new entries (default brotli). */
  readonly compression?: PackCompression
  /** Verify every read (recompute sha1_git); the CRC is always checked. */
  readonly verifyOnRead?: boolean
  /** Largest pack object written from a batch (bytes; default 64 MiB). */
  readonly maxPackSize?: number
  /** Contents larger than this are streamed in and out (bytes; default 16 MiB). */
  readonly streamThreshold?: number
  /**
   * Longest time the catalog is trusted without a look at the bucket (ms; default 5 s): how
   * long another node's writes and removals may take to be seen here.
   */
  readonly refreshMs?: number
}

/** What `arca objstorage stats` shows of an S3 store. */
export interface S3StoreStats {
  readonly bucket: string
  readonly packs: number
  /** Bytes of the pack objects. */
  readonly packBytes: number
  /** Live contents, and their bytes before compression. */
  readonly entries: number
  readonly rawBytes: number
  /** Tombstones (removed contents). */
  readonly gone: number
}

const packKey = (name: string) => `packs/${name}.pack`
const indexKey = (name: string) => `index/${name}.idx`
const tombKey = (id: string) => `deleted/${id}`
/** A new pack's name: creation time (sortable) and randomness (several writers). */
const newPackName = () =>
  `${Date.now().toString(36).padStart(10, '0')}-${randomBytes(8).toString('hex')}`

/** Reads in flight at once in {@link S3ObjStorage.getBytesMany}. */
const GET_MANY_PARALLEL = 16
/** Ids listed per catalog query in {@link S3ObjStorage.list}. */
const LIST_PAGE = 1000

/** The S3 content store. */
export class S3ObjStorage implements ObjStorage {
  readonly #init: S3ObjStorageInit
  readonly #bucket: Bucket
  #catalog: Catalog | undefined
  #lastRefresh = 0
  #refreshing: Promise<void> | null = null
  /** Serialises this instance's removals (each rewrites packs). */
  #removals: Promise<unknown> = Promise.resolve()

  constructor(init: S3ObjStorageInit) {
    this.#init = init
    this.#bucket = new Bucket(init)
  }

  /** `s3://bucket/prefix`. */
  get name(): string {
    return this.#bucket.name
  }

  get #cat(): Catalog {
    if (!this.#catalog) throw new InvalidInputError(`The S3 content store ${this.name} is not open`)
    return this.#catalog
  }

  async open(options: AbortOptions = {}): Promise<void> {
    if (this.#catalog) return
    mkdirSync(this.#init.cacheDir, { recursive: true })
    await this.#bucket.ensure()
    this.#catalog = new Catalog(join(this.#init.cacheDir, 'catalog.sqlite'))
    await this.refresh(options)
  }

  close(): Promise<void> {
    this.#catalog?.close()
    this.#catalog = undefined
    this.#bucket.close()
    return Promise.resolve()
  }

  /** Brings the catalog up to date with the bucket: new and vanished packs, tombstones. */
  refresh(options: AbortOptions = {}): Promise<void> {
    this.#refreshing ??= this.#refresh(options.signal).finally(() => {
      this.#refreshing = null
    })
    return this.#refreshing
  }

  async #refresh(signal?: AbortSignal): Promise<void> {
    this.#lastRefresh = Date.now()
    const cat = this.#cat
    const known = cat.packs()
    const listed = new Set<string>()
    for await (const o of this.#bucket.list('index/', signal)) {
      const name = o.key.slice('index/'.length, -'.idx'.length)
      listed.add(name)
      if (known.has(name)) continue
      const bytes = await this.#bucket.get(o.key, undefined, signal)
      if (bytes === null) continue // removed since the listing
      cat.addPack(name, decodeIndex(bytes, name), o.size)
    }
    for (const name of known) if (!listed.has(name)) cat.dropPack(name)
    const gone: string[] = []
    for await (const o of this.#bucket.list('deleted/', signal))
      gone.push(o.key.slice('deleted/'.length))
    cat.setAllGone(gone)
  }

  /** Refreshes unless the last refresh is more recent than `refreshMs`; whether it did. */
  async #refreshIfStale(signal?: AbortSignal): Promise<boolean> {
    if (Date.now() - this.#lastRefresh < (this.#init.refreshMs ?? 5000)) return false
    await this.refresh(signal ? { signal } : {})
    return true
  }

  /** Where `id` is, the catalog refreshed first when stale. */
  async #locate(id: string, signal?: AbortSignal): Promise<Located | null> {
    await this.#refreshIfStale(signal)
    return this.#cat.find(id)
  }

  /**
   * Writes one pack of `entries` (encoded, back to back) and its index, records them, and
   * (unless `revive` is false: a rewrite keeping what was there) lifts their tombstones.
   */
  async #writePack(
    entries: readonly { id: string; bytes: Uint8Array; raw: number }[],
    signal?: AbortSignal,
    revive = true,
  ): Promise<void> {
    const name = newPackName()
    const rows: IndexEntry[] = []
    let off = 0
    for (const e of entries) {
      rows.push({ id: e.id, pack: name, off, len: e.bytes.length, raw: e.raw })
      off += e.bytes.length
    }
    await this.#bucket.put(packKey(name), Buffer.concat(entries.map((e) => e.bytes)), signal)
    await this.#bucket.put(indexKey(name), encodeIndex(rows), signal)
    this.#cat.addPack(name, rows, off)
    if (revive)
      await this.#revive(
        rows.map((r) => r.id),
        signal,
      )
  }

  /** Deletes the tombstones of `ids` that have one (contents stored again). */
  async #revive(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    for (const id of ids)
      if (this.#cat.isGone(id)) {
        await this.#bucket.delete(tombKey(id), signal)
        this.#cat.setGone(id, false)
      }
  }

  async add(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    checkId(id)
    if (this.#cat.find(id)) return
    await this.#store(id, data, options.signal)
  }

  async #store(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<void> {
    if (data instanceof Uint8Array && data.length <= this.#threshold) {
      await this.#writePack(await compressAll([{ id, data }], this.#compression), signal)
      return
    }
    const source =
      data instanceof Uint8Array
        ? (async function* () {
            yield await Promise.resolve(data)
          })()
        : data
    const scratch = join(this.#init.cacheDir, `spool-${randomBytes(8).toString('hex')}`)
    const spooled = await spoolEntry(id, source, this.#compression, scratch, signal)
    try {
      const name = newPackName()
      await this.#bucket.putStream(packKey(name), spooled.body(), signal)
      const row = { id, pack: name, off: 0, len: spooled.length, raw: spooled.raw }
      await this.#bucket.put(indexKey(name), encodeIndex([row]), signal)
      this.#cat.addPack(name, [row], spooled.length)
      await this.#revive([id], signal)
    } finally {
      spooled.dispose()
    }
  }

  get #compression(): PackCompression {
    return this.#init.compression ?? 'brotli'
  }

  get #threshold(): number {
    return this.#init.streamThreshold ?? 16 << 20
  }

  async addBatch(
    items: readonly { id: string; data: Uint8Array }[],
    options: AbortOptions = {},
  ): Promise<void> {
    for (const it of items) checkId(it.id)
    const seen = new Set<string>()
    const todo: { id: string; data: Uint8Array }[] = []
    for (const it of items) {
      if (seen.has(it.id) || this.#cat.find(it.id)) continue
      seen.add(it.id)
      if (it.data.length > this.#threshold) await this.#store(it.id, it.data, options.signal)
      else todo.push(it)
    }
    const max = this.#init.maxPackSize ?? 64 << 20
    let group: { id: string; data: Uint8Array }[] = []
    let size = 0
    const flush = async () => {
      if (group.length === 0) return
      await this.#writePack(await compressAll(group, this.#compression), options.signal)
      group = []
      size = 0
    }
    for (const it of todo) {
      if (size + it.data.length > max) await flush()
      group.push(it)
      size += it.data.length
    }
    await flush()
  }

  async replace(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options: AbortOptions = {},
  ): Promise<void> {
    checkId(id)
    // a newer pack wins over the older ones holding `id`
    await this.#store(id, data, options.signal)
  }

  async has(id: string, options: AbortOptions = {}): Promise<boolean> {
    checkId(id)
    return (await this.#locate(id, options.signal)) !== null
  }

  async missing(ids: readonly string[], options: AbortOptions = {}): Promise<string[]> {
    for (const id of ids) checkId(id)
    await this.#refreshIfStale(options.signal)
    return ids.filter((id) => this.#cat.find(id) === null)
  }

  /** The stored entry of `id`, its bytes fetched; a pack gone since the catalog's refresh is looked up again. */
  async #entryBytes(id: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array; at: Located }> {
    for (let attempt = 0; ; attempt++) {
      const at = await this.#locate(id, signal)
      if (!at) throw notFound(id)
      const bytes = await this.#bucket.get(
        packKey(at.pack),
        { start: at.off, end: at.off + at.len },
        signal,
      )
      if (bytes !== null) return { bytes, at }
      if (attempt > 0) throw notFound(id)
      await this.refresh(signal ? { signal } : {})
    }
  }

  #verify(options: ObjGetOptions): boolean {
    return options.verify ?? this.#init.verifyOnRead ?? false
  }

  async *get(id: string, options: ObjGetOptions = {}): AsyncIterable<Uint8Array> {
    checkId(id)
    const at = await this.#locate(id, options.signal)
    if (!at) throw notFound(id)
    if (at.raw <= this.#threshold) {
      yield await this.getBytes(id, options)
      return
    }
    const stream = await this.#bucket.getStream(
      packKey(at.pack),
      { start: at.off, end: at.off + at.len },
      options.signal,
    )
    if (stream === null) throw notFound(id)
    yield* unspoolEntry(stream, id, at.pack, at.len, this.#verify(options))
  }

  async getBytes(id: string, options: ObjGetOptions = {}): Promise<Uint8Array> {
    checkId(id)
    const { bytes, at } = await this.#entryBytes(id, options.signal)
    const raw = decodeEntry(bytes, id, at.pack)
    if (this.#verify(options)) checkContentHash(id, raw, at.pack)
    return raw
  }

  async getBytesMany(ids: readonly string[], options: ObjGetOptions = {}): Promise<Uint8Array[]> {
    for (const id of ids) checkId(id)
    const out = new Array<Uint8Array>(ids.length)
    let next = 0
    let failed: unknown = null
    const lane = async (): Promise<void> => {
      while (next < ids.length && failed === null) {
        const i = next++
        try {
          out[i] = await this.getBytes(ids[i]!, options)
        } catch (e) {
          failed ??= { i, e }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(GET_MANY_PARALLEL, ids.length) }, lane))
    if (failed !== null) throw (failed as { e: unknown }).e
    return out
  }

  delete(id: string, options: AbortOptions = {}): Promise<boolean> {
    checkId(id)
    const run = this.#removals.then(() => this.#delete(id, options.signal))
    this.#removals = run.catch(() => undefined)
    return run
  }

  async #delete(id: string, signal?: AbortSignal): Promise<boolean> {
    await this.refresh(signal ? { signal } : {})
    const present = this.#cat.find(id) !== null
    const packs = this.#cat.packsOf(id)
    if (packs.length === 0) return false
    // 1. the tombstone: every node stops serving `id` at its next refresh
    await this.#bucket.put(tombKey(id), new Uint8Array(0), signal)
    this.#cat.setGone(id, true)
    // 2. each pack holding it rewritten without it (and without any other tombstoned content)
    for (const pack of packs) await this.#rewrite(pack, signal)
    return present
  }

  /** Pack `pack` written anew without its tombstoned entries, then deleted (index first). */
  async #rewrite(pack: string, signal?: AbortSignal): Promise<void> {
    const entries = this.#cat.entriesOf(pack)
    const keep = entries.filter((e) => !this.#cat.isGone(e.id))
    if (keep.length > 0) {
      const copies: { id: string; bytes: Uint8Array; raw: number }[] = []
      for (const e of keep) {
        const bytes = await this.#bucket.get(
          packKey(pack),
          { start: e.off, end: e.off + e.len },
          signal,
        )
        if (bytes === null) return // rewritten by another node meanwhile
        copies.push({ id: e.id, bytes, raw: e.raw })
      }
      await this.#writePack(copies, signal, false)
    }
    await this.#bucket.delete(indexKey(pack), signal)
    await this.#bucket.delete(packKey(pack), signal)
    this.#cat.dropPack(pack)
  }

  /** Figures of the bucket, from the catalog brought up to date first. */
  async stats(options: AbortOptions = {}): Promise<S3StoreStats> {
    await this.refresh(options)
    return { bucket: this.name, ...this.#cat.stats() }
  }

  async *list(options: ObjListOptions = {}): AsyncIterable<string> {
    await this.refresh(options)
    let from = options.from ?? ''
    const to = options.to ?? 'g'
    let after = false
    for (;;) {
      const page = this.#cat.ids(from, to, LIST_PAGE, after)
      yield* page
      if (page.length < LIST_PAGE) return
      from = page[page.length - 1]!
      after = true
    }
  }
}
