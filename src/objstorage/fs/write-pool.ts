/**
 * Worker threads that write content files with synchronous system calls. Writing a small file
 * durably takes about eight calls (open, write, fdatasync, close, rename, and an fsync of the
 * directory); issued from worker threads they cost a few microseconds each instead of a thread
 * pool round trip each, and several workers keep the disk's queue full while the main thread
 * goes on with database work.
 *
 * @module
 */

import { IoError } from '../../errors.js'
import { WorkerPool, type WorkerReply } from '../../workers.js'

// Runs inside each worker (plain CommonJS, evaluated).
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const zlib = require('node:zlib')
const path = require('node:path')
const made = new Set()
function exists(p) {
  try { fs.accessSync(p); return true } catch { return false }
}
parentPort.on('message', (msg) => {
  const dirs = new Set()
  const errors = []
  const codes = []
  let written = 0
  for (const item of msg.items) {
    let tmp = null
    try {
      if (exists(item.final) || exists(item.other)) continue
      const dir = path.dirname(item.final)
      if (!made.has(dir)) { fs.mkdirSync(dir, { recursive: true }); made.add(dir) }
      tmp = path.join(msg.tmpDir, process.pid + '.' + Math.random().toString(36).slice(2) + '.' + path.basename(item.final))
      const data = Buffer.from(item.data.buffer, item.data.byteOffset, item.data.byteLength)
      const fd = fs.openSync(tmp, 'wx', 0o644)
      try {
        // writeSync may write less than asked (a full disk): loop until all is written or it throws.
        const bytes = msg.gzip ? zlib.gzipSync(data) : data
        for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off)
        if (msg.fsync) fs.fdatasyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(tmp, item.final)
      tmp = null
      dirs.add(dir)
      written++
    } catch (e) {
      if (tmp) { try { fs.rmSync(tmp, { force: true }) } catch {} }
      errors.push(item.final + ': ' + e.message)
      if (e.code) codes.push(e.code)
    }
  }
  // One fsync per directory for the whole batch makes the new names durable.
  if (msg.fsync) {
    for (const dir of dirs) {
      try { const fd = fs.openSync(dir, 'r'); try { fs.fsyncSync(fd) } finally { fs.closeSync(fd) } } catch (e) { errors.push(dir + ': ' + e.message) }
    }
  }
  parentPort.postMessage({ id: msg.id, written, errors, codes })
})
`

/** One file to write: its final path, the other variant's path, and the bytes. */
export interface WriteItem {
  readonly final: string
  readonly other: string
  readonly data: Uint8Array
}

interface Reply extends WorkerReply {
  readonly errors: readonly string[]
  readonly codes: readonly string[]
}

/**
 * Writes batches of small files on worker threads (a {@link WorkerPool}).
 *
 * @example
 * ```ts
 * const pool = new WritePool(4)
 * await pool.write([{ final, other, data }], { fsync: true, gzip: false })
 * ```
 */
export class WritePool {
  readonly #pool: WorkerPool<Reply>

  constructor(workers: number) {
    this.#pool = new WorkerPool<Reply>(WORKER_SOURCE, workers)
  }

  /** Writes `items` split across the workers; resolves when all are durable. */
  async write(
    items: readonly WriteItem[],
    options: { fsync: boolean; gzip: boolean; tmpDir: string; root: string },
  ): Promise<void> {
    if (items.length === 0) return
    const per = Math.ceil(items.length / this.#pool.size)
    const parts: Promise<Reply>[] = []
    for (let i = 0; i < items.length; i += per)
      parts.push(this.#pool.request({ items: items.slice(i, i + per), ...options }))
    for (const m of await Promise.all(parts)) {
      if (m.errors.length === 0) continue
      throw m.codes.includes('ENOSPC')
        ? new IoError(`No space left on device while writing content files under ${options.root}`, {
            details: { errors: m.errors.slice(0, 3) },
          })
        : new IoError(`Cannot write content files: ${m.errors.slice(0, 3).join('; ')}`)
    }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
