/**
 * The bundle cache on disk (`<dataDir>/vault/`): one folder per bundle type, and per bundle a
 * state file (`<name>.json`: status, progress, task id) and, once cooked, the bundle
 * (`<name>.bundle`). Both are written to a temporary file and renamed, so a process killed
 * mid-cook leaves no half-written bundle under the final name; temporary files of dead cooks
 * are swept at open. Eviction keeps the bundles' total size under `maxBytes`, least recently
 * used first (a read touches the bundle's mtime).
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, type ReadStream } from 'node:fs'
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { BundleType } from './cooker.js'

/** Status of a bundle, as Software Heritage's vault names it. */
export type BundleStatus = 'new' | 'pending' | 'done' | 'failed'

/** What is known of one bundle. */
export interface BundleState {
  readonly type: BundleType
  readonly swhid: string
  /** The cooking task id (the queue's task when queued). */
  readonly id: number
  readonly status: BundleStatus
  readonly progress: string | null
  /** Bundle size in bytes once done. */
  readonly size: number | null
  readonly createdAt: string
  readonly doneAt: string | null
  /** Process cooking it outside the queue (`host:pid`), to detect a dead cook. */
  readonly owner: string | null
  /** The queue's task cooking it, if any. */
  readonly taskId: number | null
}

const TMP_PREFIX = '.tmp-'
const STALE_TMP_MS = 3600_000

function fileName(swhid: string): string {
  return swhid.replace(/:/g, '_')
}

/** The on-disk cache of bundles. */
export class BundleStore {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Removes temporary files left by killed cooks: those untouched for an hour (a live cook
   * writes to its file all along, and the sweep may run while one does).
   */
  async sweep(types: readonly BundleType[]): Promise<void> {
    const before = Date.now() - STALE_TMP_MS
    for (const t of types) {
      const d = join(this.dir, t)
      let files: string[]
      try {
        files = await readdir(d)
      } catch {
        continue
      }
      for (const f of files) {
        if (!f.startsWith(TMP_PREFIX)) continue
        const s = await stat(join(d, f)).catch(() => null)
        if (s && s.mtimeMs < before) await rm(join(d, f), { force: true })
      }
    }
  }

  private path(type: BundleType, swhid: string, ext: 'json' | 'bundle'): string {
    return join(this.dir, type, `${fileName(swhid)}.${ext}`)
  }

  private tmpPath(type: BundleType): string {
    mkdirSync(join(this.dir, type), { recursive: true })
    return join(this.dir, type, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`)
  }

  async getState(type: BundleType, swhid: string): Promise<BundleState | null> {
    try {
      return JSON.parse(await readFile(this.path(type, swhid, 'json'), 'utf8')) as BundleState
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw e
    }
  }

  async putState(state: BundleState): Promise<void> {
    const tmp = this.tmpPath(state.type)
    await writeFile(tmp, JSON.stringify(state))
    await rename(tmp, this.path(state.type, state.swhid, 'json'))
  }

  /** A temporary file to cook into, and how to publish it under its final name. */
  tempBundle(
    type: BundleType,
    swhid: string,
  ): {
    out: NodeJS.WritableStream
    publish: () => Promise<number>
    discard: () => Promise<void>
  } {
    const tmp = this.tmpPath(type)
    const out = createWriteStream(tmp)
    return {
      out,
      publish: async () => {
        const { size } = await stat(tmp)
        await rename(tmp, this.path(type, swhid, 'bundle'))
        return size
      },
      discard: () => rm(tmp, { force: true }),
    }
  }

  /** Whether the cooked bundle is on disk. */
  async has(type: BundleType, swhid: string): Promise<boolean> {
    return stat(this.path(type, swhid, 'bundle')).then(
      () => true,
      () => false,
    )
  }

  /** The cooked bundle as a stream, or null when it is not on disk. Touches it (LRU). */
  async read(
    type: BundleType,
    swhid: string,
  ): Promise<{ stream: ReadStream; size: number } | null> {
    const p = this.path(type, swhid, 'bundle')
    try {
      const { size } = await stat(p)
      const now = new Date()
      await utimes(p, now, now).catch(() => undefined)
      return { stream: createReadStream(p), size }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw e
    }
  }

  /** Removes a bundle and its state. */
  async remove(type: BundleType, swhid: string): Promise<void> {
    await rm(this.path(type, swhid, 'bundle'), { force: true })
    await rm(this.path(type, swhid, 'json'), { force: true })
  }

  /**
   * Evicts least recently used bundles until their total size is at most `maxBytes`, sparing
   * `keep` (the bundle just cooked). Returns how many were evicted.
   */
  async evict(keep?: { type: BundleType; swhid: string }): Promise<number> {
    const all: { type: BundleType; name: string; size: number; mtime: number }[] = []
    for (const type of await readdir(this.dir)) {
      let files: string[]
      try {
        files = await readdir(join(this.dir, type))
      } catch {
        continue
      }
      for (const f of files) {
        if (!f.endsWith('.bundle')) continue
        const s = await stat(join(this.dir, type, f)).catch(() => null)
        if (s) all.push({ type: type as BundleType, name: f, size: s.size, mtime: s.mtimeMs })
      }
    }
    let total = all.reduce((a, b) => a + b.size, 0)
    const spared = keep ? `${fileName(keep.swhid)}.bundle` : null
    let evicted = 0
    for (const b of all.sort((x, y) => x.mtime - y.mtime)) {
      if (total <= this.maxBytes) break
      if (keep && b.type === keep.type && b.name === spared) continue
      const base = b.name.slice(0, -'.bundle'.length)
      await rm(join(this.dir, b.type, b.name), { force: true })
      await rm(join(this.dir, b.type, `${base}.json`), { force: true })
      total -= b.size
      evicted++
    }
    return evicted
  }
}
