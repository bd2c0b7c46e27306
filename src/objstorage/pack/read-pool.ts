/**
 * Worker threads that read batches of pack entries with synchronous system calls: the entries
 * of a batch (pack file, offset, length, located by the caller in the index) are read by one
 * worker and sent back in one message (one buffer, transferred, not copied). A promise-based
 * read per entry costs a thread pool round trip and its promise machinery on the main thread,
 * several times the read itself for the small entries most contents are. The worker also
 * decompresses each brotli payload (a decoder per entry is the costly part of a small read);
 * the main thread is left with checking each entry and its decompressed length
 * (`format.ts`: `decodeInflated`), as for any read.
 *
 * @module
 */

import { splitBuffer, WorkerPool, type WorkerReply } from '../../workers.js'

// Runs inside each worker (plain CommonJS, evaluated). Packs are opened once per batch (a
// compaction may remove a pack: a descriptor kept open would read its old bytes).
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const zlib = require('node:zlib')
// The payload of a brotli entry, decompressed (the caller checks the entry and the result);
// null when it is not one or does not decompress.
function inflate(entry) {
  if (entry.length < 48 || entry[24] !== 1) return null
  try { return zlib.brotliDecompressSync(entry.subarray(40, entry.length - 8)) } catch { return null }
}
parentPort.on('message', (m) => {
  let total = 0
  for (const len of m.lens) total += len
  const out = new Uint8Array(new ArrayBuffer(total))
  const fds = new Map()
  let error = null
  try {
    let o = 0
    for (let i = 0; i < m.lens.length; i++) {
      const path = m.paths[m.pack[i]]
      let fd = fds.get(path)
      if (fd === undefined) fds.set(path, (fd = fs.openSync(path, 'r')))
      const n = fs.readSync(fd, out, o, m.lens[i], m.offs[i])
      if (n !== m.lens[i]) throw new Error('short read')
      o += n
    }
  } catch (e) {
    error = e.message
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd)
  }
  const raws = []
  const rawLens = []
  let rawTotal = 0
  if (error === null) {
    const all = Buffer.from(out.buffer)
    let o = 0
    for (const len of m.lens) {
      const raw = inflate(all.subarray(o, o + len))
      o += len
      raws.push(raw)
      rawLens.push(raw === null ? -1 : raw.length)
      if (raw !== null) rawTotal += raw.length
    }
  }
  const raw = new Uint8Array(new ArrayBuffer(rawTotal))
  let r = 0
  for (const x of raws) if (x !== null) { raw.set(x, r); r += x.length }
  parentPort.postMessage({ id: m.id, buffer: out.buffer, raw: raw.buffer, rawLens, error }, [out.buffer, raw.buffer])
})
`

interface Reply extends WorkerReply {
  readonly buffer: ArrayBuffer
  readonly raw: ArrayBuffer
  readonly rawLens: readonly number[]
  readonly error: string | null
}

/** An entry read, and its brotli payload decompressed (null: not brotli, or it did not decompress). */
export interface EntryBytes {
  readonly entry: Uint8Array
  readonly inflated: Uint8Array | null
}

/** One entry to read: its pack file's path, offset and length. */
export interface EntryRead {
  readonly path: string
  readonly off: number
  readonly len: number
}

/**
 * Reads batches of pack entries on worker threads (a {@link WorkerPool}: started on first use,
 * unreferenced when idle).
 *
 * @example
 * ```ts
 * const pool = new PackReadPool(1)
 * const entries = await pool.read([{ path: 'packs/p-1.pack', off: 0, len: 48 }])
 * ```
 */
export class PackReadPool {
  readonly #pool: WorkerPool<Reply>

  constructor(workers: number) {
    this.#pool = new WorkerPool<Reply>(WORKER_SOURCE, workers)
  }

  /**
   * The bytes of each entry, in order, with its payload decompressed when it is a brotli one
   * (for the caller to check: nothing is checked here); null when one could not be read whole.
   */
  async read(entries: readonly EntryRead[]): Promise<EntryBytes[] | null> {
    if (entries.length === 0) return []
    const paths: string[] = []
    const pathIndex = new Map<string, number>()
    const pack = entries.map((e) => {
      let at = pathIndex.get(e.path)
      if (at === undefined) {
        pathIndex.set(e.path, (at = paths.length))
        paths.push(e.path)
      }
      return at
    })
    const lens = entries.map((e) => e.len)
    const m = await this.#pool.request({ paths, pack, offs: entries.map((e) => e.off), lens })
    if (m.error !== null) return null
    const raw = new Uint8Array(m.raw)
    let o = 0
    return splitBuffer(m.buffer, lens).map((entry, i) => {
      const n = m.rawLens[i]!
      if (n < 0) return { entry, inflated: null }
      o += n
      return { entry, inflated: raw.subarray(o - n, o) }
    })
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
