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

// Runs inside each worker (plain CommonJS, evaluated).
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads')
const { brotliDecompressSync } = require('node:zlib')
parentPort.on('message', (m) => {
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
    try { raw = brotliDecompressSync(item) } catch (e) { bad = i; why = e.message; break }
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

  /** Decompresses each payload, in order. */
  async run(payloads: readonly Uint8Array[]): Promise<Decoded> {
    if (payloads.length === 0) return { data: [] }
    const { buffer, lengths } = joinBuffers(payloads)
    const m = await this.#pool.request({ buffer, lengths }, [buffer])
    if (m.bad >= 0) return { bad: m.bad, why: m.why }
    return { data: splitBuffer(m.buffer, m.lengths) }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

let shared: DecodePool | undefined

/** The process's pool (one worker per spare core, at most two). */
export function decodePool(): DecodePool {
  shared ??= new DecodePool(Math.min(2, Math.max(1, availableParallelism() - 1)))
  return shared
}
