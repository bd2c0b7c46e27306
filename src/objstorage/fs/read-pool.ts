/**
 * Worker threads that read batches of small content files with synchronous system calls. A
 * promise-based read of one small file is four thread-pool round trips (open, fstat, read,
 * close) with their promise machinery on the main thread, about six times the cost of the same
 * read done synchronously; a worker does the synchronous reads of a whole batch and sends the
 * bytes back in one message (one buffer, transferred, not copied), so the main thread is
 * neither blocked nor busy while bundles and packs are read.
 *
 * @module
 */

import { splitBuffer, WorkerPool, type WorkerReply } from '../../workers.js'

// Runs inside each worker (plain CommonJS, evaluated).
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const zlib = require('node:zlib')
const crypto = require('node:crypto')
const path = require('node:path')
function readOne(msg, id) {
  const base = path.join(msg.root, ...msg.slices.map(([a, b]) => id.slice(a, b)), id)
  for (const gzip of msg.gzipFirst ? [true, false] : [false, true]) {
    let raw
    try { raw = fs.readFileSync(gzip ? base + '.gz' : base) } catch (e) { if (e.code === 'ENOENT') continue; throw e }
    return gzip ? zlib.gunzipSync(raw) : raw
  }
  return null
}
parentPort.on('message', (msg) => {
  const parts = []
  const lengths = []
  let error = null
  let total = 0
  for (const id of msg.ids) {
    let data
    try { data = readOne(msg, id) } catch (e) { error = { kind: 'io', id, message: e.message, code: e.code }; break }
    if (data === null) { error = { kind: 'missing', id }; break }
    if (msg.verify) {
      const got = crypto.createHash('sha1').update('blob ' + data.length + '\0').update(data).digest('hex')
      if (got !== id) { error = { kind: 'corrupt', id, computed: got }; break }
    }
    parts.push(data)
    lengths.push(data.length)
    total += data.length
  }
  const out = new Uint8Array(new ArrayBuffer(total))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  parentPort.postMessage({ id: msg.id, buffer: out.buffer, lengths, error }, [out.buffer])
})
`

/** Where the files are: the store's root and slicing, and which variant is tried first. */
export interface ReadLayout {
  readonly root: string
  readonly slices: readonly (readonly [number, number])[]
  readonly gzipFirst: boolean
}

/** Why a batch read stopped (the first failure; nothing of the batch is returned then). */
export type ReadFailure =
  | { readonly kind: 'missing'; readonly id: string }
  | { readonly kind: 'corrupt'; readonly id: string; readonly computed: string }
  | { readonly kind: 'io'; readonly id: string; readonly message: string; readonly code?: string }

interface Reply extends WorkerReply {
  readonly buffer: ArrayBuffer
  readonly lengths: readonly number[]
  readonly error: ReadFailure | null
}

/**
 * Reads batches of small files on worker threads (a {@link WorkerPool}: started on first use,
 * unreferenced when idle so they never keep a process alive).
 *
 * @example
 * ```ts
 * const pool = new ReadPool(2)
 * const got = await pool.read([id], { root, slices: [[0, 2], [2, 4]], gzipFirst: false }, { verify: false })
 * ```
 */
export class ReadPool {
  readonly #pool: WorkerPool<Reply>

  constructor(workers: number) {
    this.#pool = new WorkerPool<Reply>(WORKER_SOURCE, workers)
  }

  /** The bytes of each content, in order, or the first failure. */
  async read(
    ids: readonly string[],
    layout: ReadLayout,
    options: { verify: boolean },
  ): Promise<Uint8Array[] | ReadFailure> {
    if (ids.length === 0) return []
    const m = await this.#pool.request({ ids, ...layout, verify: options.verify })
    return m.error ?? splitBuffer(m.buffer, m.lengths)
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
