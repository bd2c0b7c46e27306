/**
 * Directory ids checked on a worker thread: a page of packed directory rows goes to the worker
 * in one message (one buffer, transferred), which builds each manifest straight from the
 * packed entries and hashes it, and answers with one flag per row. The main thread meanwhile
 * resolves the page's references and reads the next page, so that hashing, which was a third
 * of fsck's time on the main thread, overlaps the rest.
 *
 * The worker runs the storage codec's own manifest builder (`PACKED_MANIFEST_SOURCE`), so a
 * row passes here exactly when it passes the check done on the main thread; a row that does
 * not (raw manifest, out of order, malformed, wrong id) is checked the ordinary way.
 *
 * @module
 */

import { PACKED_MANIFEST_SOURCE, type PackedDirectory } from '../storage/index.js'
import { joinBuffers, WorkerPool, type WorkerReply } from '../workers.js'

// Runs inside the worker (plain CommonJS, evaluated).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
${PACKED_MANIFEST_SOURCE}
parentPort.on('message', (m) => {
  const all = Buffer.from(m.buffer)
  const ok = new Uint8Array(m.lengths.length)
  let o = 0
  for (let i = 0; i < m.lengths.length; i++) {
    const blob = all.subarray(o, o + m.lengths[i])
    o += m.lengths[i]
    if (m.raw[i]) continue
    const manifest = packedDirectoryManifest(blob)
    if (manifest !== null && createHash('sha1').update(manifest).digest('hex') === m.keys[i]) ok[i] = 1
  }
  parentPort.postMessage({ id: m.id, ok: ok.buffer }, [ok.buffer])
})
`

interface Reply extends WorkerReply {
  readonly ok: ArrayBuffer
}

/**
 * A worker thread checking directory ids (started on first use, unreferenced when idle).
 *
 * @example
 * ```ts
 * const pool = new DirectoryIdPool()
 * const ok = await pool.verify(page.items) // ok[i] === 1: row i hashes to its id
 * await pool.close()
 * ```
 */
export class DirectoryIdPool {
  readonly #pool: WorkerPool<Reply>

  constructor(workers = 1) {
    this.#pool = new WorkerPool<Reply>(WORKER_SOURCE, workers)
  }

  /**
   * One flag per row: 1 when it has no raw manifest and its packed entries, in manifest
   * order, hash to its id; 0 when it must be checked the ordinary way.
   */
  async verify(items: readonly PackedDirectory[]): Promise<Uint8Array> {
    if (items.length === 0) return new Uint8Array(0)
    const { buffer, lengths } = joinBuffers(items.map((d) => d.packed))
    const reply = await this.#pool.request(
      {
        buffer,
        lengths,
        keys: items.map((d) => d.key),
        raw: items.map((d) => d.rawManifest !== null),
      },
      [buffer],
    )
    return new Uint8Array(reply.ok)
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
