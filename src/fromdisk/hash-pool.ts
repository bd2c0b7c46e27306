/**
 * A pool of worker threads that read and hash files, so that identifying a tree uses every
 * core. Requests are batched per worker to keep message overhead far below the cost of a file.
 *
 * Workers run a small embedded script (evaluated, so the same code works from `dist/` and from
 * TypeScript sources under test). Each request is a raw byte path; each answer gives the file's
 * mode, length and hashes, or the errno code of the failing call.
 *
 * @module
 */

import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** Result of hashing one file in a worker. */
export interface FileHashResult {
  /** `st_mode` from lstat. */
  readonly mode: number
  readonly length: number
  readonly sha1Git: string
  /** Set when the pool hashes all four content hashes. */
  readonly sha1?: string
  readonly sha256?: string
  readonly blake2s256?: string
  /** Link text, when the path turned out to be a symlink. */
  readonly symlink?: boolean
}

/** Failure of one file: the errno code (`ENOENT`, `EACCES`, …) and the failing call. */
export class FileHashError extends Error {
  constructor(
    readonly code: string,
    readonly syscall: string,
    message: string,
  ) {
    super(message)
  }
}

// Runs inside each worker. Plain CommonJS JavaScript: it is evaluated, not compiled.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const crypto = require('node:crypto')
const all = workerData.all
const buf = Buffer.allocUnsafe(1 << 20)

function hashers(length) {
  const h = { git: crypto.createHash('sha1').update('blob ' + length + '\0') }
  if (all) {
    h.sha1 = crypto.createHash('sha1')
    h.sha256 = crypto.createHash('sha256')
    h.blake = crypto.createHash('blake2s256')
  }
  return h
}
function update(h, chunk) {
  h.git.update(chunk)
  if (all) { h.sha1.update(chunk); h.sha256.update(chunk); h.blake.update(chunk) }
}
function finish(h, mode, length, extra) {
  const r = { mode, length, sha1Git: h.git.digest('hex'), ...extra }
  if (all) {
    r.sha1 = h.sha1.digest('hex'); r.sha256 = h.sha256.digest('hex'); r.blake2s256 = h.blake.digest('hex')
  }
  return r
}
function hashBytes(data, mode, extra) {
  const h = hashers(data.length)
  update(h, data)
  return finish(h, mode, data.length, extra)
}
function hashOne(path) {
  let syscall = 'lstat'
  try {
    const st = fs.lstatSync(path)
    if (st.isSymbolicLink()) {
      syscall = 'readlink'
      return hashBytes(fs.readlinkSync(path, { encoding: 'buffer' }), st.mode, { symlink: true })
    }
    if (!st.isFile()) return hashBytes(Buffer.alloc(0), st.mode)
    syscall = 'open'
    const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
    try {
      syscall = 'read'
      const size = fs.fstatSync(fd).size
      const h = hashers(size)
      let total = 0
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null)
        if (n === 0) break
        total += n
        if (total > size) break
        update(h, buf.subarray(0, n))
      }
      if (total !== size) {
        return { error: 'ECHANGED', syscall: 'read', message: 'file changed size while it was read' }
      }
      return finish(h, st.mode, size)
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    return { error: e.code || 'EIO', syscall, message: e.message }
  }
}
parentPort.on('message', (msg) => {
  const results = msg.paths.map((p) => hashOne(Buffer.from(p.buffer, p.byteOffset, p.byteLength)))
  parentPort.postMessage({ id: msg.id, results })
})
`

interface Pending {
  readonly path: Uint8Array
  readonly resolve: (r: FileHashResult) => void
  readonly reject: (e: Error) => void
}

interface WorkerSlot {
  readonly worker: Worker
  inFlight: number
  readonly batches: Map<number, Pending[]>
}

/** Settings of a {@link HashPool}. */
export interface HashPoolInit {
  /** Worker threads; default: the number of cores. */
  readonly workers?: number
  /** Compute sha1, sha256 and blake2s256 too (loaders); identify needs only sha1_git. */
  readonly allHashes?: boolean
  /** Files per message to a worker. */
  readonly batchSize?: number
  /** Files queued or in flight before {@link HashPool.room} waits. */
  readonly maxPending?: number
}

/** Defaults of {@link HashPoolInit}. */
export const DEFAULT_HASH_POOL = { batchSize: 32, maxPending: 512 } as const

/**
 * Hashes files on worker threads.
 *
 * @example
 * ```ts
 * const pool = new HashPool({ workers: 2 })
 * const { sha1Git } = await pool.hash(Buffer.from('README'))
 * await pool.close()
 * ```
 */
export class HashPool {
  readonly #slots: WorkerSlot[] = []
  readonly #batchSize: number
  readonly #maxPending: number
  #queue: Pending[] = []
  #pending = 0
  #nextId = 0
  #flushScheduled = false
  #roomWaiters: (() => void)[] = []
  #closed = false

  constructor(init: HashPoolInit = {}) {
    const n = Math.max(1, init.workers ?? availableParallelism())
    this.#batchSize = init.batchSize ?? DEFAULT_HASH_POOL.batchSize
    this.#maxPending = init.maxPending ?? DEFAULT_HASH_POOL.maxPending
    for (let i = 0; i < n; i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { all: init.allHashes === true },
      })
      const slot: WorkerSlot = { worker, inFlight: 0, batches: new Map() }
      worker.on('message', (msg: { id: number; results: RawResult[] }) =>
        this.#onResults(slot, msg),
      )
      worker.on('error', (err) => this.#failAll(slot, err))
      worker.unref()
      this.#slots.push(slot)
    }
  }

  /** Number of files queued or being hashed. */
  get pending(): number {
    return this.#pending
  }

  /** Resolves when fewer than `maxPending` files are outstanding (backpressure for walkers). */
  room(): Promise<void> {
    if (this.#pending < this.#maxPending) return Promise.resolve()
    return new Promise((resolve) => this.#roomWaiters.push(resolve))
  }

  /** Hashes the file at `path` (raw bytes, not followed if it is a symlink). */
  hash(path: Uint8Array): Promise<FileHashResult> {
    if (this.#closed) return Promise.reject(new Error('HashPool is closed'))
    this.#pending++
    return new Promise((resolve, reject) => {
      this.#queue.push({ path, resolve, reject })
      if (this.#queue.length >= this.#batchSize) this.#dispatch()
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => {
          this.#flushScheduled = false
          this.#dispatch()
        })
      }
    })
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#batchSize)
      let slot = this.#slots[0]!
      for (const s of this.#slots) if (s.inFlight < slot.inFlight) slot = s
      const id = this.#nextId++
      slot.inFlight += batch.length
      slot.batches.set(id, batch)
      slot.worker.ref()
      slot.worker.postMessage({ id, paths: batch.map((p) => p.path) })
    }
  }

  #onResults(slot: WorkerSlot, msg: { id: number; results: RawResult[] }): void {
    const batch = slot.batches.get(msg.id)
    if (!batch) return
    slot.batches.delete(msg.id)
    slot.inFlight -= batch.length
    if (slot.inFlight === 0) slot.worker.unref()
    batch.forEach((p, i) => {
      const r = msg.results[i]!
      if ('error' in r) p.reject(new FileHashError(r.error, r.syscall, r.message))
      else p.resolve(r)
    })
    this.#release(batch.length)
  }

  #release(n: number): void {
    this.#pending -= n
    while (this.#pending < this.#maxPending && this.#roomWaiters.length > 0)
      this.#roomWaiters.shift()!()
  }

  #failAll(slot: WorkerSlot, err: Error): void {
    for (const batch of slot.batches.values()) {
      for (const p of batch) p.reject(err)
      this.#release(batch.length)
    }
    slot.batches.clear()
    slot.inFlight = 0
  }

  /** Stops the workers. Outstanding requests are rejected. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#slots.map((s) => s.worker.terminate()))
  }
}

type RawResult = FileHashResult | { error: string; syscall: string; message: string }
