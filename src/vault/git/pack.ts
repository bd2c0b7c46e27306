/**
 * Writing a git packfile (version 2) from the archive: the objects of a {@link PackPlan},
 * each zlib-deflated whole, or with `deltas` (a clone) blobs as deltas of the previous version
 * at their path where that pays (`delta.ts`, `delta-writer.ts`) and trees in stored blocks,
 * after the `PACK` header with their count and before the SHA-1 trailer. Bytes are produced as they are read (commits, tags, trees, then blobs,
 * read from storage in batches) and handed to a sink that may apply backpressure, so memory
 * does not grow with the pack.
 *
 * Every object is written from the bytes its archived id hashes (a raw manifest where the
 * archive keeps one), and its id is checked against them: a pack written here always yields the
 * archived ids. Objects go in batches to worker threads that check and compress them
 * (`deflate-pool.ts`) while the next batch is read; large blobs are deflated as they stream
 * from the content store.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { crc32, createDeflate } from 'node:zlib'

import { type AbortOptions, CorruptError, MaskedError, NotFoundError } from '../../errors.js'
import { concatBytes, gitHeader, releaseObjectManifest, sha1Hex } from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type { Storage } from '../../storage/index.js'
import { type Deflated, deflatePool } from './deflate-pool.js'
import { BlobDeltas } from './delta-writer.js'
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
  /**
   * Send blobs as deltas of the bases the plan chose (`delta.ts`): `ofs` (`OFS_DELTA`, for a
   * client with the `ofs-delta` capability) or `ref` (`REF_DELTA`); absent: every blob whole.
   */
  readonly deltas?: 'ofs' | 'ref'
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
const READ_AHEAD = 4 * 1024 * 1024
const BATCH = 256
const FLUSH_AT = 64 * 1024

/** A pack entry header: type and size, 7 bits a byte after the first 4. */
export function entryHeader(type: GitType | number, size: number): Uint8Array {
  const out: number[] = []
  let c = ((typeof type === 'number' ? type : TYPE_CODE[type]) << 4) | (size & 0x0f)
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

/** Blobs to write: a run of small ones read at once, or one large one streamed. */
type BlobRun =
  | {
      readonly small: readonly { readonly id: string; readonly length: number }[]
      /** The index in the plan's blobs of the first. */
      readonly first: number
    }
  | { readonly large: { readonly id: string; readonly length: number } }

/** The blobs of a plan, in order, cut into runs (of at most READ_AHEAD bytes of small ones). */
async function* blobRuns(
  storage: Pick<Storage, 'contentLengthGet'>,
  blobs: IdList,
  lengths: Float64Array | null,
  o: AbortOptions,
): AsyncGenerator<BlobRun> {
  let index = 0
  for (const ids of blobs.chunks(BATCH)) {
    o.signal?.throwIfAborted()
    // The plan checked them (found, not hidden) and kept their lengths.
    const got = lengths
      ? ids.map((_, k) => ({ length: lengths[index + k]!, status: 'visible' }))
      : await storage.contentLengthGet(ids, o)
    let run: { id: string; length: number }[] = []
    let bytes = 0
    for (let k = 0; k < ids.length; k++, index++) {
      const c = got[k]
      if (!c) {
        throw new NotFoundError(
          `swh:1:cnt:${ids[k]}: its bytes are not archived (skipped or missing), so no ` +
            'git object can be made of it',
        )
      }
      const id = ids[k]!
      if (c.status === 'hidden') throw new MaskedError(`swh:1:cnt:${id} is hidden`)
      if (c.length > WHOLE_LIMIT || (run.length > 0 && bytes + c.length > READ_AHEAD)) {
        if (run.length > 0) yield { small: run, first: index - run.length }
        run = []
        bytes = 0
      }
      if (c.length > WHOLE_LIMIT) yield { large: { id, length: c.length } }
      else {
        run.push({ id, length: c.length })
        bytes += c.length
      }
    }
    if (run.length > 0) yield { small: run, first: index - run.length }
  }
}

type Kind = 'rev' | 'rel' | 'dir' | 'cnt'

/** The storage reads of a pack writer. */
type PackReader = Pick<
  Storage,
  'revisionManifestGet' | 'releaseGet' | 'directoryManifestGet' | 'contentLengthGet'
>
const GIT_TYPE: Readonly<Record<Kind, GitType>> = {
  rev: 'commit',
  rel: 'tag',
  dir: 'tree',
  cnt: 'blob',
}

/** Objects to write: a batch of one kind (framed manifests, or blob bytes), or a large blob. */
type PackItem =
  | {
      readonly kind: Kind
      readonly ids: readonly string[]
      readonly inputs: Uint8Array[]
      /** For blobs: the index in the plan's blobs of the first. */
      readonly first?: number
    }
  | { readonly kind: Kind; readonly ids: readonly string[]; readonly done: Promise<Deflated> }
  | { readonly large: { readonly id: string; readonly length: number } }

/** A batch sent to the pool (null for a large blob, streamed when its turn comes). */
interface Started {
  readonly item: PackItem
  readonly done: Promise<Deflated> | null
  /** For each object of a blob batch, the plan index of its delta base, or -1. */
  readonly bases?: readonly number[]
}

/**
 * The objects of a plan in pack order (commits, tags, trees, blobs), batch by batch; the
 * commits and trees the walk already gave to the deflate pool at this `level` come as that
 * work.
 */
async function* packItems(
  storage: PackReader,
  objstorage: Pick<ObjStorage, 'getBytesMany'>,
  plan: PackPlan,
  level: number,
  storeTrees: boolean,
  o: AbortOptions,
): AsyncGenerator<PackItem> {
  const manifests = async function* (
    list: IdList,
    kind: Kind,
    get: (ids: string[]) => Promise<(Uint8Array | null)[]>,
    from = 0,
  ): AsyncGenerator<PackItem> {
    for (const ids of list.chunks(BATCH, from)) {
      o.signal?.throwIfAborted()
      const cached = ids.map((id) => plan.manifests.take(id))
      const toRead = ids.filter((_, k) => cached[k] === undefined)
      const read = toRead.length > 0 ? await get(toRead) : []
      let r = 0
      const inputs = ids.map((id, k) => {
        const m = cached[k] ?? read[r++]
        if (m === null || m === undefined) {
          throw new NotFoundError(`swh:1:${kind}:${id} is not archived`)
        }
        return m
      })
      yield { kind, ids, inputs }
    }
  }
  const sameTrees = plan.manifests.level === level && plan.manifests.storeTrees === storeTrees
  let commitsStarted = 0
  if (plan.manifests.level === level) {
    for (const { ids, done } of plan.manifests.deflatingCommits) {
      o.signal?.throwIfAborted()
      yield { kind: 'rev', ids, done }
      commitsStarted += ids.length
    }
  }
  yield* manifests(
    plan.commits,
    'rev',
    (ids) => storage.revisionManifestGet(ids, o),
    commitsStarted,
  )
  yield* manifests(plan.tags, 'rel', async (ids) =>
    (await storage.releaseGet(ids, o)).map((r) => (r ? releaseObjectManifest(r) : null)),
  )
  let treesStarted = 0
  if (sameTrees) {
    for (const { ids, done } of plan.manifests.deflating) {
      o.signal?.throwIfAborted()
      yield { kind: 'dir', ids, done }
      treesStarted += ids.length
    }
  }
  yield* manifests(plan.trees, 'dir', (ids) => storage.directoryManifestGet(ids, o), treesStarted)
  for await (const run of blobRuns(storage, plan.blobs, plan.blobLengths, o)) {
    if ('large' in run) yield run
    else {
      const ids = run.small.map((r) => r.id)
      yield { kind: 'cnt', ids, inputs: await objstorage.getBytesMany(ids, o), first: run.first }
    }
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
  storage: PackReader,
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

  const whole = async (
    type: GitType | number,
    id: string,
    size: number,
    data: Uint8Array,
    base?: Uint8Array,
  ) => {
    const header = entryHeader(type, size)
    const offset = out.offset
    await out.push(header)
    let crc = crc32(header)
    if (base !== undefined) {
      await out.push(base)
      crc = crc32(base, crc)
    }
    await out.push(data)
    options.onEntry?.({ id, offset, crc32: crc32(data, crc) })
    written++
    progress()
    return offset
  }

  const pool = deflatePool()
  const extraIds: string[] = []
  const framedExtra = extra.map((x) => concatBytes([gitHeader(x.type, x.body.length), x.body]))
  for (const f of framedExtra) extraIds.push(sha1Hex(f))
  if (extra.length > 0) {
    const got = await pool.run({ ids: extraIds, framed: true, inputs: framedExtra, level })
    if ('mismatch' in got) throw new CorruptError('a made object does not hash to its id')
    for (let k = 0; k < extra.length; k++) {
      await whole(extra[k]!.type, extraIds[k]!, got.sizes[k]!, got.data[k]!)
    }
  }

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

  // Batches of objects, each checked and compressed on the pool while the next is read and the
  // previous written.
  const deltas = options.deltas && plan.bases ? new BlobDeltas(plan.bases, options.deltas) : null
  const start = (item: PackItem): Started => {
    if ('large' in item) return { item, done: null }
    if ('done' in item) return { item, done: item.done }
    const chosen =
      deltas && item.first !== undefined ? deltas.choose(item.first, item.inputs) : null
    const done = pool.run({
      ids: item.ids,
      framed: item.kind !== 'cnt',
      inputs: chosen ? chosen.inputs : item.inputs,
      level,
      // Trees hardly compress (an id of 20 random bytes an entry): with deltas (a clone), sent
      // in stored blocks.
      store: item.kind === 'dir' && options.deltas !== undefined,
      ...(chosen ? { bases: chosen.inputBases } : {}),
      // The contents read for this batch are needed no more (the bases kept are copies).
      lend: item.kind === 'cnt',
    })
    done.catch(() => undefined) // observed when the batch is written
    return { item, done, ...(chosen ? { bases: chosen.bases } : {}) }
  }
  const items = packItems(storage, objstorage, plan, level, options.deltas !== undefined, o)
  const first = await items.next()
  let current = first.done ? null : start(first.value)
  while (current) {
    o.signal?.throwIfAborted()
    const next = await items.next()
    const ahead = next.done ? null : start(next.value)
    const { item, done, bases } = current
    if ('large' in item) await streamed(item.large.id, item.large.length)
    else if (deltas && bases && 'first' in item && item.first !== undefined) {
      const got = await done!
      if ('mismatch' in got) {
        throw new CorruptError(
          `swh:1:cnt:${item.ids[got.mismatch]!}: its stored bytes do not hash to its id`,
        )
      }
      for (let k = 0; k < item.ids.length; k++) {
        const index = item.first + k
        const b = bases[k]!
        const ref = b < 0 || got.kinds[k] === 0 ? null : deltas.reference(b, index, out.offset)
        const offset = ref
          ? await whole(ref.type, item.ids[k]!, got.sizes[k]!, got.data[k]!, ref.bytes)
          : await whole('blob', item.ids[k]!, got.sizes[k]!, got.data[k]!)
        deltas.written(index, offset, item.ids[k]!)
      }
    } else {
      const got = await done!
      if ('mismatch' in got) {
        const id = item.ids[got.mismatch]!
        throw new CorruptError(
          item.kind === 'cnt'
            ? `swh:1:cnt:${id}: its stored bytes do not hash to its id`
            : `swh:1:${item.kind}:${id}: its stored fields do not hash to its id`,
        )
      }
      const type = GIT_TYPE[item.kind]
      for (let k = 0; k < item.ids.length; k++) {
        await whole(type, item.ids[k]!, got.sizes[k]!, got.data[k]!)
      }
    }
    current = ahead
  }

  await out.flush()
  const checksum = out.digest()
  await sink.write(checksum)
  return { objects: written, bytes: out.offset + 20, checksum, extraIds }
}
