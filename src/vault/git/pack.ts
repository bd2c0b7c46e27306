/**
 * Writing a git packfile (version 2) from the archive: the objects of a {@link PackPlan},
 * each zlib-deflated whole (no deltas), after the `PACK` header with their count and before
 * the SHA-1 trailer. Bytes are produced as they are read (commits, tags, trees, then blobs,
 * read from storage in batches) and handed to a sink that may apply backpressure, so memory
 * does not grow with the pack.
 *
 * Every object is written from the bytes its archived id hashes (a raw manifest where the
 * archive keeps one), and its id is checked against them: a pack written here always yields the
 * archived ids. Large blobs are deflated as they stream from the content store.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { crc32, createDeflate, deflateSync } from 'node:zlib'

import { type AbortOptions, CorruptError, MaskedError, NotFoundError } from '../../errors.js'
import {
  gitHeader,
  indexOfByte,
  releaseObjectManifest,
  revisionObjectManifest,
  sha1Hex,
} from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type { Storage } from '../../storage/index.js'
import type { IdList } from './ids.js'
import { type PackPlan, planSize } from './walk.js'

/** Where pack bytes go; `write` resolves when more may be written. */
export interface PackSink {
  write(chunk: Uint8Array): Promise<void>
}

/** One object as written: for the pack's index. */
export interface PackEntry {
  readonly id: string
  readonly offset: number
  readonly crc32: number
}

/** Options of {@link writePack}. */
export interface WritePackOptions extends AbortOptions {
  /** zlib level (0–9; default 1: fast, as the bytes are recompressed by nobody). */
  readonly level?: number
  /** Called after each object (the idx writer collects them). */
  readonly onEntry?: (entry: PackEntry) => void
  readonly progress?: (message: string) => void
  /** Objects made for this pack (a commit of a directory), written first. */
  readonly extra?: readonly { readonly type: 'commit' | 'tree'; readonly body: Uint8Array }[]
}

/** What a pack ended as. */
export interface PackResult {
  readonly objects: number
  readonly bytes: number
  /** SHA-1 of the pack (its trailer), 20 bytes. */
  readonly checksum: Uint8Array
  /** Ids of the `extra` objects, in order. */
  readonly extraIds: readonly string[]
}

const TYPE_CODE = { commit: 1, tree: 2, blob: 3, tag: 4 } as const
type GitType = keyof typeof TYPE_CODE

/** Blobs at most this large are read whole; larger ones stream. */
const WHOLE_LIMIT = 4 * 1024 * 1024
/** Bytes of small blobs read ahead at once. */
const READ_AHEAD = 16 * 1024 * 1024
const BATCH = 256
const FLUSH_AT = 64 * 1024

/** Objects smaller than this are written as stored zlib streams (see {@link storedZlib}). */
const STORE_BELOW = 512

/**
 * A zlib stream of `data` in stored (uncompressed) blocks: header, blocks of at most 65535
 * bytes, Adler-32. For small objects it is many times cheaper than a deflate call (whose setup
 * dominates at this size) and only a little larger.
 */
export function storedZlib(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / 65535))
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4)
  out[0] = 0x78
  out[1] = 0x01
  let o = 2
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535
    const len = Math.min(65535, data.length - start)
    out[o] = b === blocks - 1 ? 1 : 0
    out.writeUInt16LE(len, o + 1)
    out.writeUInt16LE(~len & 0xffff, o + 3)
    out.set(data.subarray(start, start + len), o + 5)
    o += 5 + len
  }
  let a = 1
  let c = 0
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521
    c = (c + a) % 65521
  }
  out.writeUInt32BE(((c << 16) | a) >>> 0, o)
  return out
}

/**
 * Deflates `data` with a window and buffers sized to it: for the small objects of a repository
 * the setup of a full-size zlib stream costs more than the compression itself.
 */
function deflateFit(data: Uint8Array, level: number): Buffer {
  let windowBits = 9
  while (windowBits < 15 && 1 << windowBits < data.length) windowBits++
  return deflateSync(data, {
    level,
    windowBits,
    memLevel: Math.max(1, Math.min(8, windowBits - 6)),
    chunkSize: Math.max(1024, Math.min(data.length + 1024, 64 * 1024)),
  })
}

/** A pack entry header: type and size, 7 bits a byte after the first 4. */
export function entryHeader(type: GitType, size: number): Uint8Array {
  const out: number[] = []
  let c = (TYPE_CODE[type] << 4) | (size & 0x0f)
  let rest = Math.floor(size / 16)
  while (rest > 0) {
    out.push(c | 0x80)
    c = rest & 0x7f
    rest = Math.floor(rest / 128)
  }
  out.push(c)
  return Uint8Array.from(out)
}

/** Buffers small writes, hashes everything, counts offsets. */
class PackOut {
  readonly #sink: PackSink
  readonly #hash = createHash('sha1')
  #parts: Uint8Array[] = []
  #pending = 0
  offset = 0

  constructor(sink: PackSink) {
    this.#sink = sink
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.#hash.update(chunk)
    this.offset += chunk.length
    this.#parts.push(chunk)
    this.#pending += chunk.length
    if (this.#pending >= FLUSH_AT) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.#pending === 0) return
    const data = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts)
    this.#parts = []
    this.#pending = 0
    await this.#sink.write(data)
  }

  digest(): Uint8Array {
    return this.#hash.digest()
  }
}

/** The git id of blob bytes. */
function blobId(data: Uint8Array): string {
  return createHash('sha1').update(gitHeader('blob', data.length)).update(data).digest('hex')
}

/** The body of a framed manifest whose SHA-1 must be `id`. */
function checkedBody(kind: string, id: string, manifest: Uint8Array): Uint8Array {
  if (sha1Hex(manifest) !== id) {
    throw new CorruptError(`swh:1:${kind}:${id}: its stored fields do not hash to its id`)
  }
  return manifest.subarray(indexOfByte(manifest, 0) + 1)
}

/** Blobs to write: a run of small ones read at once, or one large one streamed. */
type BlobRun =
  | { readonly small: readonly { readonly id: string; readonly length: number }[] }
  | { readonly large: { readonly id: string; readonly length: number } }

/** The blobs of a plan, in order, cut into runs (of at most READ_AHEAD bytes of small ones). */
async function* blobRuns(
  storage: Pick<Storage, 'contentGet'>,
  blobs: IdList,
  o: AbortOptions,
): AsyncGenerator<BlobRun> {
  for (const ids of blobs.chunks(BATCH)) {
    o.signal?.throwIfAborted()
    const got = await storage.contentGet(ids, 'sha1_git', o)
    let run: { id: string; length: number }[] = []
    let bytes = 0
    for (let k = 0; k < ids.length; k++) {
      const c = got[k]
      if (!c) {
        throw new NotFoundError(
          `swh:1:cnt:${ids[k]}: its bytes are not archived (skipped or missing), so no ` +
            'git object can be made of it',
        )
      }
      if (c.status === 'hidden') throw new MaskedError(`swh:1:cnt:${c.sha1Git} is hidden`)
      if (c.length > WHOLE_LIMIT || (run.length > 0 && bytes + c.length > READ_AHEAD)) {
        if (run.length > 0) yield { small: run }
        run = []
        bytes = 0
      }
      if (c.length > WHOLE_LIMIT) yield { large: { id: c.sha1Git, length: c.length } }
      else {
        run.push({ id: c.sha1Git, length: c.length })
        bytes += c.length
      }
    }
    if (run.length > 0) yield { small: run }
  }
}

/**
 * Writes the pack of `plan` to `sink`.
 *
 * @example
 * ```ts
 * const plan = await planPack(storage, { wants: [{ type: 'rev', id }] })
 * await writePack(storage, objstorage, plan, { write: async (b) => void file.write(b) })
 * ```
 */
export async function writePack(
  storage: Pick<Storage, 'revisionGet' | 'releaseGet' | 'directoryManifestGet' | 'contentGet'>,
  objstorage: Pick<ObjStorage, 'get' | 'getBytesMany'>,
  plan: PackPlan,
  sink: PackSink,
  options: WritePackOptions = {},
): Promise<PackResult> {
  const o: AbortOptions = options.signal ? { signal: options.signal } : {}
  const level = options.level ?? 1
  const extra = options.extra ?? []
  const total = planSize(plan) + extra.length
  const out = new PackOut(sink)
  let written = 0
  const head = new Uint8Array(12)
  head.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2])
  new DataView(head.buffer).setUint32(8, total)
  await out.push(head)

  const progress = (): void => {
    if (options.progress && (written % 1000 === 0 || written === total)) {
      options.progress(
        `Writing objects: ${Math.floor((written * 100) / Math.max(1, total))}% (${written}/${total})`,
      )
    }
  }

  const whole = async (type: GitType, id: string, body: Uint8Array): Promise<void> => {
    const header = entryHeader(type, body.length)
    const data = body.length < STORE_BELOW ? storedZlib(body) : deflateFit(body, level)
    const offset = out.offset
    await out.push(header)
    await out.push(data)
    options.onEntry?.({ id, offset, crc32: crc32(data, crc32(header)) })
    written++
    progress()
  }

  const extraIds: string[] = []
  for (const x of extra) {
    const id = createHash('sha1')
      .update(gitHeader(x.type, x.body.length))
      .update(x.body)
      .digest('hex')
    extraIds.push(id)
    await whole(x.type, id, x.body)
  }

  const manifests = async (
    list: IdList,
    get: (ids: string[]) => Promise<(Uint8Array | null)[]>,
    kind: string,
    type: GitType,
  ): Promise<void> => {
    for (const ids of list.chunks(BATCH)) {
      o.signal?.throwIfAborted()
      const cached = ids.map((id) => plan.manifests.take(id))
      const toRead = ids.filter((_, k) => cached[k] === undefined)
      const read = toRead.length > 0 ? await get(toRead) : []
      let r = 0
      for (let k = 0; k < ids.length; k++) {
        const m = cached[k] ?? read[r++]
        if (m === null || m === undefined) {
          throw new NotFoundError(`swh:1:${kind}:${ids[k]} is not archived`)
        }
        await whole(type, ids[k]!, checkedBody(kind, ids[k]!, m))
      }
    }
  }

  await manifests(
    plan.commits,
    async (ids) =>
      (await storage.revisionGet(ids, o)).map((r) => (r ? revisionObjectManifest(r) : null)),
    'rev',
    'commit',
  )
  await manifests(
    plan.tags,
    async (ids) =>
      (await storage.releaseGet(ids, o)).map((r) => (r ? releaseObjectManifest(r) : null)),
    'rel',
    'tag',
  )
  await manifests(plan.trees, (ids) => storage.directoryManifestGet(ids, o), 'dir', 'tree')

  const streamed = async (id: string, length: number): Promise<void> => {
    const header = entryHeader('blob', length)
    const offset = out.offset
    await out.push(header)
    let crc = crc32(header)
    const deflate = createDeflate({ level })
    const hash = createHash('sha1').update(gitHeader('blob', length))
    let seen = 0
    const drain = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        crc = crc32(chunk, crc)
        await out.push(chunk)
      }
    })()
    try {
      for await (const chunk of objstorage.get(id, o)) {
        seen += chunk.length
        hash.update(chunk)
        if (!deflate.write(chunk)) {
          await new Promise<void>((resolve) => deflate.once('drain', resolve))
        }
      }
    } finally {
      deflate.end()
      await drain
    }
    if (seen !== length || hash.digest('hex') !== id) {
      throw new CorruptError(`swh:1:cnt:${id}: its stored bytes do not hash to its id`)
    }
    options.onEntry?.({ id, offset, crc32: crc })
    written++
    progress()
  }

  // Runs of small blobs are read in one batch each, the next run while this one is written.
  const start = (run: BlobRun): { run: BlobRun; bytes: Promise<Uint8Array[]> | null } => {
    if ('large' in run) return { run, bytes: null }
    const bytes = objstorage.getBytesMany(
      run.small.map((r) => r.id),
      o,
    )
    bytes.catch(() => undefined) // observed when the run is written
    return { run, bytes }
  }
  const runs = blobRuns(storage, plan.blobs, o)
  const first = await runs.next()
  let current = first.done ? null : start(first.value)
  while (current) {
    o.signal?.throwIfAborted()
    const next = await runs.next()
    const ahead = next.done ? null : start(next.value)
    const { run, bytes } = current
    if ('large' in run) await streamed(run.large.id, run.large.length)
    else {
      const datas = await bytes!
      for (let i = 0; i < run.small.length; i++) {
        const data = datas[i]!
        const id = run.small[i]!.id
        if (blobId(data) !== id) {
          throw new CorruptError(`swh:1:cnt:${id}: its stored bytes do not hash to its id`)
        }
        await whole('blob', id, data)
        datas[i] = new Uint8Array(0)
      }
    }
    current = ahead
  }

  await out.flush()
  const checksum = out.digest()
  await sink.write(checksum)
  return { objects: written, bytes: out.offset + 20, checksum, extraIds }
}
