/**
 * The per-object work of a pack, done in batches on worker threads: checking that each
 * object's bytes hash to its id, and zlib-compressing its body. Done on the main thread, one
 * object at a time, this was most of a clone's time (a `deflateSync` and a SHA-1 for each of
 * tens of thousands of small objects); a worker does a batch of them and sends the compressed
 * bodies back in one buffer (transferred, not copied), while the main thread reads the next
 * batch and writes the previous one.
 *
 * @module
 */

import { availableParallelism } from 'node:os'

import { joinBuffers, splitBuffer, WorkerPool, type WorkerReply } from '../../workers.js'
import { DELTA_SOURCE } from './delta.js'

/** Objects smaller than this are written as stored zlib streams (`storedZlib` below). */
const STORE_BELOW = 512

// Runs inside each worker (plain CommonJS, evaluated).
// - storedZlib: a zlib stream in stored (uncompressed) blocks (header, blocks of at most 65535
//   bytes, Adler-32): for small objects many times cheaper than a deflate call, whose setup
//   dominates at that size, and only a little larger;
// - deflateFit: deflate with a window and buffers sized to the object, for the same reason;
// - deflateReused: one zlib stream per worker and level, reset after each object (through the
//   handle under node:zlib's Deflate, as its own deflateSync drives it), instead of a new
//   stream per object: a deflate call's setup cost as much as compressing a few kilobytes
//   (measured: 20,000 objects of 300–1000 bytes, 1.6 s with deflateSync, 0.8 s reused); when
//   that handle is not there (another Node.js), deflateFit.
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads')
const { Deflate, constants, deflateSync } = require('node:zlib')
const { createHash } = require('node:crypto')
function storedZlib(data) {
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
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + 5552)
    for (; i < end; i++) {
      a += data[i]
      c += a
    }
    a %= 65521
    c %= 65521
  }
  out.writeUInt32BE(((c << 16) | a) >>> 0, o)
  return out
}
function deflateFit(data, level) {
  let windowBits = 9
  while (windowBits < 15 && 1 << windowBits < data.length) windowBits++
  return deflateSync(data, {
    level,
    windowBits,
    memLevel: Math.max(1, Math.min(8, windowBits - 6)),
    chunkSize: Math.max(1024, Math.min(data.length + 1024, 64 * 1024)),
  })
}
const reused = new Map()
let reusedOut = Buffer.allocUnsafe(1 << 16)
function deflateReused(data, level) {
  let z = reused.get(level)
  if (z === undefined) {
    z = new Deflate({ level })
    z.on('error', () => {}) // seen as z.destroyed below
    reused.set(level, z)
  }
  const handle = z._handle
  const state = z._writeState
  if (!handle || typeof handle.writeSync !== 'function' || !state) return deflateFit(data, level)
  const cap = data.length + (data.length >>> 3) + 128
  if (reusedOut.length < cap) reusedOut = Buffer.allocUnsafe(cap)
  handle.writeSync(constants.Z_FINISH, data, 0, data.length, reusedOut, 0, cap)
  if (z.destroyed) {
    reused.delete(level)
    return deflateFit(data, level)
  }
  const availOut = state[0]
  const availIn = state[1]
  handle.reset()
  if (availIn !== 0 || availOut === 0) return deflateFit(data, level)
  return reusedOut.subarray(0, cap - availOut) // a view, copied out before the next call
}
${DELTA_SOURCE}
parentPort.on('message', (m) => {
  const input = new Uint8Array(m.buffer)
  // A lent buffer (m.offsets): objects at their offsets in it, the rest (m.rest) end to end
  // in a second one.
  const rest = m.rest ? new Uint8Array(m.rest) : null
  // The zlib streams, laid end to end in one buffer as they are made (no buffer per object
  // left for the collector: a worker's small heap is rarely collected, and the garbage of
  // each object's output grew the process by tens of megabytes).
  let out = new Uint8Array(
    new ArrayBuffer(Math.max(4096, (input.length + (rest ? rest.length : 0)) >>> 1)),
  )
  let total = 0
  const lengths = []
  const emit = (z) => {
    if (total + z.length > out.length) {
      const next = new Uint8Array(new ArrayBuffer(Math.max(out.length * 2, total + z.length)))
      next.set(out.subarray(0, total))
      out = next
    }
    out.set(z, total)
    total += z.length
    lengths.push(z.length)
  }
  const sizes = []
  let bad = -1
  const items = []
  for (let i = 0, o = 0; i < m.lengths.length; i++) {
    const n = m.lengths[i]
    if (m.offsets && m.offsets[i] >= 0) items.push(input.subarray(m.offsets[i], m.offsets[i] + n))
    else {
      items.push((rest ?? input).subarray(o, o + n))
      o += n
    }
  }
  const kinds = []
  for (let i = 0; i < m.ids.length; i++) {
    const item = items[i]
    const h = createHash('sha1')
    let body
    if (m.framed) {
      h.update(item)
      body = item.subarray(item.indexOf(0) + 1)
    } else {
      h.update('blob ' + item.length + '\0')
      h.update(item)
      body = item
    }
    if (h.digest('hex') !== m.ids[i]) { bad = i; break }
    const d = m.bases && m.bases[i] >= 0 ? makeDelta(items[m.bases[i]], body) : null
    if (d !== null) body = d
    kinds.push(d === null ? 0 : 1)
    const z =
      m.store || body.length < ${STORE_BELOW} ? storedZlib(body) : deflateReused(body, m.level)
    emit(z)
    sizes.push(body.length)
  }
  parentPort.postMessage({ id: m.id, buffer: out.buffer, lengths, sizes, kinds, bad }, [out.buffer])
})
`

/** A batch of objects to check and compress. */
export interface DeflateBatch {
  /** The ids the objects must hash to. */
  readonly ids: readonly string[]
  /**
   * Framed objects (`<type> <size>\0` and body: manifests), whose hash is of the bytes as
   * given; else blob bodies, hashed with their blob header.
   */
  readonly framed: boolean
  readonly inputs: readonly Uint8Array[]
  readonly level: number
  /** Send every object in stored zlib blocks (trees: ids do not compress). */
  readonly store?: boolean
  /**
   * Blobs to try as deltas: for each object (of `ids`), the index in `inputs` of its base (the
   * bases come after the objects), or -1; a delta is sent only if it is much smaller than the
   * blob (`delta.ts`).
   */
  readonly bases?: readonly number[]
  /**
   * The caller no longer needs the inputs' bytes: when most of them are views that exactly
   * cover one buffer (a batch of contents as the content store's decode pool gives them), that
   * buffer is handed to the worker as it is (detached here) instead of copied.
   */
  readonly lend?: boolean
}

/**
 * A batch done: each object's zlib stream and body size (of its delta, for a delta), whether
 * it is a delta, or the first whose id is wrong.
 */
export type Deflated =
  | {
      readonly data: readonly Uint8Array[]
      readonly sizes: readonly number[]
      /** 1 for an object sent as a delta of its base, else 0. */
      readonly kinds: readonly number[]
    }
  | { readonly mismatch: number }

interface Reply extends WorkerReply {
  readonly buffer: ArrayBuffer
  readonly lengths: readonly number[]
  readonly sizes: readonly number[]
  readonly kinds: readonly number[]
  readonly bad: number
}

/**
 * Worker threads checking and compressing batches of pack objects (a {@link WorkerPool}:
 * started on first use, unreferenced when idle, so they never keep a process alive).
 *
 * @example
 * ```ts
 * const got = await deflatePool().run({ ids, framed: true, inputs: manifests, level: 1 })
 * ```
 */
export class DeflatePool {
  readonly #pool: WorkerPool<Reply>

  constructor(workers: number) {
    this.#pool = new WorkerPool<Reply>(WORKER_SOURCE, workers)
  }

  /** Checks and compresses one batch. */
  async run(batch: DeflateBatch): Promise<Deflated> {
    if (batch.inputs.length === 0) return { data: [], sizes: [], kinds: [] }
    const lent = batch.lend ? lendable(batch.inputs) : null
    const { buffer, lengths } = lent ?? joinBuffers(batch.inputs)
    const transfer = lent?.rest ? [buffer, lent.rest] : [buffer]
    const m = await this.#pool.request(
      {
        buffer,
        lengths,
        ...(lent ? { offsets: lent.offsets, rest: lent.rest } : {}),
        ids: batch.ids,
        framed: batch.framed,
        level: batch.level,
        store: batch.store,
        bases: batch.bases,
      },
      transfer,
    )
    if (m.bad >= 0) return { mismatch: m.bad }
    return { data: splitBuffer(m.buffer, m.lengths), sizes: m.sizes, kinds: m.kinds }
  }

  /** Stops the workers. */
  close(): Promise<void> {
    return this.#pool.close()
  }
}

/** Buffers smaller than this are never lent (Node.js's pool of small Buffers is 8 KiB). */
const LEND_FROM = 1 << 16

/**
 * The buffer under `inputs[0]` with each input's offset in it (-1 for the others, joined in
 * `rest`), when the inputs that lie in it cover it exactly, without overlapping: nothing else
 * can be in it. Else null (copied as usual).
 */
function lendable(inputs: readonly Uint8Array[]): {
  buffer: ArrayBuffer
  lengths: number[]
  offsets: number[]
  rest: ArrayBuffer | null
} | null {
  const buffer = inputs[0]!.buffer
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < LEND_FROM) return null
  const inside = inputs.filter((x) => x.buffer === buffer)
  let covered = 0
  for (const x of inside) covered += x.length
  if (covered !== buffer.byteLength) return null
  const sorted = [...inside].sort((a, b) => a.byteOffset - b.byteOffset)
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!
    if (prev.byteOffset + prev.length > sorted[k]!.byteOffset) return null
  }
  const others = inputs.filter((x) => x.buffer !== buffer)
  return {
    buffer,
    lengths: inputs.map((x) => x.length),
    offsets: inputs.map((x) => (x.buffer === buffer ? x.byteOffset : -1)),
    rest: others.length > 0 ? joinBuffers(others).buffer : null,
  }
}

let shared: DeflatePool | undefined

/** The process's pool (one worker per spare core, at most four). */
export function deflatePool(): DeflatePool {
  shared ??= new DeflatePool(Math.min(4, Math.max(1, availableParallelism() - 1)))
  return shared
}
