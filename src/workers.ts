/**
 * A pool of worker threads running one embedded script: what the batch pools of the content
 * store (reads, writes) and of the vault (deflate) share. The script is plain CommonJS,
 * evaluated (`eval: true`), so the same code runs from `dist/` and under the test runner; it
 * answers each message with one whose `id` is the request's.
 *
 * Workers start on demand, up to the pool's size; a request goes to an idle worker, else a new
 * one, else the least busy. A worker with nothing in flight is unreferenced, so an idle pool
 * never keeps a process alive. A worker that fails rejects what it had in flight and leaves
 * the pool (the next request starts another).
 *
 * @module
 */

import { Worker } from 'node:worker_threads'

/** What every reply carries: the id of the request it answers. */
export interface WorkerReply {
  readonly id: number
}

interface Slot {
  readonly worker: Worker
  busy: number
}

interface Pending<R> {
  readonly resolve: (reply: R) => void
  readonly reject: (e: Error) => void
  readonly slot: Slot
}

/**
 * Worker threads running `source`.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool<{ id: number; n: number }>(
 *   "const { parentPort } = require('node:worker_threads');" +
 *     'parentPort.on("message", (m) => parentPort.postMessage({ id: m.id, n: m.n * 2 }))',
 *   2,
 * )
 * const { n } = await pool.request({ n: 21 }) // 42
 * ```
 */
export class WorkerPool<R extends WorkerReply> {
  readonly #source: string
  readonly #size: number
  readonly #slots: Slot[] = []
  readonly #pending = new Map<number, Pending<R>>()
  #next = 0

  /** `size`: the most workers at once (at least 1). */
  constructor(source: string, size: number) {
    this.#source = source
    this.#size = Math.max(1, size)
  }

  /** The most workers the pool runs at once. */
  get size(): number {
    return this.#size
  }

  #start(): Slot {
    const worker = new Worker(this.#source, { eval: true })
    const slot: Slot = { worker, busy: 0 }
    worker.on('message', (reply: R) => {
      const p = this.#pending.get(reply.id)
      if (!p) return
      this.#pending.delete(reply.id)
      if (--p.slot.busy === 0) p.slot.worker.unref()
      p.resolve(reply)
    })
    worker.on('error', (e) => {
      for (const [id, p] of this.#pending)
        if (p.slot === slot) {
          this.#pending.delete(id)
          p.reject(e)
        }
      const at = this.#slots.indexOf(slot)
      if (at >= 0) this.#slots.splice(at, 1)
    })
    this.#slots.push(slot)
    return slot
  }

  #slot(): Slot {
    const idle = this.#slots.find((s) => s.busy === 0)
    if (idle) return idle
    if (this.#slots.length < this.#size) return this.#start()
    return this.#slots.reduce((a, b) => (b.busy < a.busy ? b : a))
  }

  /** Sends `message` (given an `id` here) to a worker; resolves with its reply. */
  request(
    message: Readonly<Record<string, unknown>>,
    transfer?: readonly ArrayBuffer[],
  ): Promise<R> {
    const slot = this.#slot()
    const id = this.#next++
    slot.busy++
    slot.worker.ref()
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, slot })
      slot.worker.postMessage({ ...message, id }, transfer ? [...transfer] : [])
    })
  }

  /** Stops every worker (what is in flight is abandoned). */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}

/** Byte arrays joined into one transferable buffer, with their lengths (see {@link splitBuffer}). */
export function joinBuffers(parts: readonly Uint8Array[]): {
  buffer: ArrayBuffer
  lengths: number[]
} {
  let total = 0
  for (const x of parts) total += x.length
  const joined = new Uint8Array(new ArrayBuffer(total))
  const lengths: number[] = []
  let o = 0
  for (const x of parts) {
    joined.set(x, o)
    o += x.length
    lengths.push(x.length)
  }
  return { buffer: joined.buffer, lengths }
}

/** The byte arrays of `lengths` laid end to end in `buffer` (views, not copies). */
export function splitBuffer(buffer: ArrayBuffer, lengths: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let o = 0
  for (const n of lengths) {
    out.push(new Uint8Array(buffer, o, n))
    o += n
  }
  return out
}
