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

import { Worker } from 'node:worker_threads'

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

interface Reply {
  readonly id: number
  readonly buffer: ArrayBuffer
  readonly lengths: readonly number[]
  readonly error: ReadFailure | null
}

interface Slot {
  readonly worker: Worker
  busy: number
}

type Pending = {
  resolve: (r: Uint8Array[] | ReadFailure) => void
  reject: (e: Error) => void
  slot: Slot
}

/**
 * Reads batches of small files on worker threads (created on first use, unreferenced when
 * idle so they never keep a process alive).
 *
 * @example
 * ```ts
 * const pool = new ReadPool(2)
 * const got = await pool.read([id], { root, slices: [[0, 2], [2, 4]], gzipFirst: false }, { verify: false })
 * ```
 */
export class ReadPool {
  readonly #size: number
  readonly #slots: Slot[] = []
  readonly #pending = new Map<number, Pending>()
  #next = 0

  constructor(workers: number) {
    this.#size = Math.max(1, workers)
  }

  #slot(): Slot {
    const idle = this.#slots.find((s) => s.busy === 0)
    if (idle) return idle
    if (this.#slots.length < this.#size) {
      const worker = new Worker(WORKER_SOURCE, { eval: true })
      const slot: Slot = { worker, busy: 0 }
      worker.on('message', (m: Reply) => {
        const p = this.#pending.get(m.id)
        if (!p) return
        this.#pending.delete(m.id)
        if (--p.slot.busy === 0) p.slot.worker.unref()
        if (m.error) {
          p.resolve(m.error)
          return
        }
        const out: Uint8Array[] = []
        let o = 0
        for (const n of m.lengths) {
          out.push(new Uint8Array(m.buffer, o, n))
          o += n
        }
        p.resolve(out)
      })
      worker.on('error', (e) => {
        for (const [id, p] of this.#pending) {
          if (p.slot === slot) {
            this.#pending.delete(id)
            p.reject(e)
          }
        }
        this.#slots.splice(this.#slots.indexOf(slot), 1)
      })
      this.#slots.push(slot)
      return slot
    }
    return [...this.#slots].sort((a, b) => a.busy - b.busy)[0]!
  }

  /** The bytes of each content, in order, or the first failure. */
  read(
    ids: readonly string[],
    layout: ReadLayout,
    options: { verify: boolean },
  ): Promise<Uint8Array[] | ReadFailure> {
    if (ids.length === 0) return Promise.resolve([])
    const slot = this.#slot()
    const id = this.#next++
    slot.busy++
    slot.worker.ref()
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, slot })
      slot.worker.postMessage({ id, ids, ...layout, verify: options.verify })
    })
  }

  async close(): Promise<void> {
    const slots = this.#slots.splice(0)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}
