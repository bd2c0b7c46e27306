/**
 * Brotli decompression of many small pack entries, in batches on worker threads. A
 * `brotliDecompressSync` call costs a decoder's set-up, tens of microseconds, whatever the size
 * of the entry: for the thousands of small contents of a bundle or a git pack this was most of
 * the main thread's time. A worker decompresses a whole batch (sent and returned as one
 * transferred buffer) while the main thread goes on.
 *
 * @module
 */

import { availableParallelism } from 'node:os'

import { joinBuffers, splitBuffer, WorkerPool, type WorkerReply } from '../../workers.js'
import type { StoredHashes } from '../interface.js'

// Runs inside each worker (plain CommonJS, evaluated).
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads')
const { brotliDecompressSync } = require('node:zlib')
const { createHash, hash } = require('node:crypto')
// Hash mode: each payload decompressed (when m.compressed[i]), its length checked, and its
// four hashes (sha1 · sha1_git · sha256 · blake2s256, 104 bytes) returned instead of it.
// The decompressed length is known (the entry header's): the output is given one chunk of
// that size (plus one byte, so that a longer output shows), not grown 16 KiB at a time and
// joined. The one-shot hash() costs less per call than createHash().
function hashAll(m) {
  const n = m.lengths.length
  const ok = new Uint8Array(n)
  const digests = new Uint8Array(new ArrayBuffer(n * 104))
  for (let i = 0; i < n; i++) {
    const item = Buffer.from(m.buffer, m.offsets[i], m.lengths[i])
    let raw = item
    if (m.compressed[i]) {
      try {
        raw = brotliDecompressSync(item, {
          chunkSize: Math.max(64, m.raws[i] + 1),
          maxOutputLength: m.raws[i] + 1,
        })
      } catch { continue }
    }
    if (raw.length !== m.raws[i]) continue
    const at = i * 104
    digests.set(hash('sha1', raw, 'buffer'), at)
    digests.set(createHash('sha1').update('blob ' + raw.length + '\0').update(raw).digest(), at + 20)
    digests.set(hash('sha256', raw, 'buffer'), at + 40)
    digests.set(hash('blake2s256', raw, 'buffer'), at + 72)
    ok[i] = 1
  }
  parentPort.postMessage({ id: m.id, ok: ok.buffer, digests: digests.buffer }, [ok.buffer, digests.buffer])
}
parentPort.on('message', (m) => {
  if (m.hash) return hashAll(m)
  const input = new Uint8Array(m.buffer)
  const outs = []
  const lengths = []
  let total = 0
  let bad = -1
  let why = ''
  let o = 0
  for (let i = 0; i < m.lengths.length; i++) {
    const item = input.subarray(o, o + m.lengths[i])
    o += m.lengths[i]
    let raw
    // One output chunk of the length the entry header gives, when given (not grown 16 KiB at
    // a time and joined: the chunks were most of this worker's garbage).
    const opts = m.raws ? { chunkSize: Math.max(64, m.raws[i] + 1) } : undefined
    try { raw = brotliDecompressSync(item, opts) } catch (e) { bad = i; why = e.message; break }
    outs.push(raw)
    lengths.push(raw.length)
    total += raw.length
  }
  const out = new Uint8Array(new ArrayBuffer(total))
  let p = 0
  for (const r of outs) { out.set(r, p); p += r.length }
  parentPort.postMessage({ id: m.id, buffer: out.buffer, lengths, bad, why }, [out.buffer])
})
`

interface Reply extends WorkerReply {
  /** Hash mode: a flag per payload (1: hashed), and the digests, 104 bytes each. */
  readonly ok: ArrayBuffer
  readonly digests: ArrayBuffer
  readonly buffer: ArrayBuffer
  readonly lengths: readonly number[]
  readonly bad: number
  readonly why: string
}

/** A batch decompressed, or the first entry that did not decompress and why. */
export type Decoded =
  { readonly data: readonly Uint8Array[] } | { readonly bad: number; readonly why: string }

/**
 * Worker threads decompressing batches of brotli payloads (a {@link WorkerPool}: started on
 * first use, unreferenced when idle).
 *
 * @example
 * ```ts
 * const got = await decodePool().run(payloads)
 * ```
 */
export class DecodePool {
  readonly #pool: WorkerPool<Reply>

  constructor(workers: number) {
    this.#pool = new WorkerPool<Reply>(WORKER_SOURCE, workers)
  }

  /**
   * Decompresses each payload, in order; `rawLengths`: the length each should decompress to
   * (as its entry header says), for the output's buffer (a payload that decompresses to another
   * length is still returned whole, for the caller to check).
   */
  async run(payloads: readonly Uint8Array[], rawLengths?: readonly number[]): Promise<Decoded> {
    if (payloads.length === 0) return { data: [] }
    const { buffer, lengths } = joinBuffers(payloads)
    const m = await this.#pool.request(
      { buffer, lengths, ...(rawLengths ? { raws: rawLengths } : {}) },
      [buffer],
    )
    if (m.bad >= 0) return { bad: m.bad, why: m.why }
    return { data: splitBuffer(m.buffer, m.lengths) }
  }

  /**
   * The length and hashes of each payload (at `offset` in `buffer`, which is handed to the
   * worker: it is unusable here afterwards), decompressed first when `compressed`; undefined for
   * one that does not decompress or whose length is not `rawLength`.
   */
  async hash(
    buffer: ArrayBuffer,
    items: readonly { offset: number; length: number; compressed: boolean; rawLength: number }[],
  ): Promise<(StoredHashes | undefined)[]> {
    if (items.length === 0) return []
    const m = await this.#pool.request(
      {
        hash: true,
        buffer,
        offsets: items.map((c) => c.offset),
        lengths: items.map((c) => c.length),
        compressed: items.map((c) => c.compressed),
        raws: items.map((c) => c.rawLength),
      },
      [buffer],
    )
    const ok = new Uint8Array(m.ok)
    const d = Buffer.from(m.digests)
    return items.map((c, i) => {
      if (ok[i] !== 1) return undefined
      const at = i * 104
      return {
        length: c.rawLength,
        hashes: {
          sha1: d.toString('hex', at, at + 20),
          sha1Git: d.toString('hex', at + 20, at + 40),
          sha256: d.toString('hex', at + 40, at + 72),
          blake2s256: d.toString('hex', at + 72, at + 104),
        },
      }
    })
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

let shared: DecodePool | undefined
let hashing: DecodePool | undefined

/**
 * The process's hashing pool (`fsck`): one worker per core, at most two, since the main thread
 * mostly waits for it while contents are checked.
 */
export function hashPool(): DecodePool {
  hashing ??= new DecodePool(Math.min(2, Math.max(1, availableParallelism())))
  return hashing
}

/** The process's pool (one worker per spare core, at most two). */
export function decodePool(): DecodePool {
  shared ??= new DecodePool(Math.min(2, Math.max(1, availableParallelism() - 1)))
  return shared
}
