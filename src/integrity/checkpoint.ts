/**
 * The state of an fsck run, kept in `<data>/fsck/` so that a killed run continues where it
 * stopped: `findings.jsonl` (each finding as one JSON line, appended and synced) and
 * `state.json` (the kind and key checked last, the counts, and the length of the findings file
 * at that point), replaced atomically, about once a second and whenever a kind is done. A resumed run cuts the findings
 * file back to that length, so a page that was being checked when the run died is checked
 * again and reported once. Both files are removed when a run completes.
 *
 * The state names the storage it belongs to by a digest of the storage URL (a URL may hold a
 * password; the digest does not): a run against another storage starts afresh.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

import type { ScanKind } from '../storage/index.js'
import type { FsckCounts, FsckFinding } from './findings.js'

const VERSION = 1

/** Where a run is. */
export interface FsckState {
  readonly version: number
  /** Digest of the storage URL. */
  readonly storage: string
  /** The kind being checked. */
  readonly kind: ScanKind
  /** The last key of `kind` checked (null: none yet). */
  readonly after: string | null
  readonly checked: FsckCounts
  /** Length of the findings file when this state was written. */
  readonly findingsBytes: number
  readonly startedAt: string
}

/** The state files of the data directory `dataDir`. */
export class FsckCheckpoint {
  readonly #dir: string
  readonly #storage: string
  readonly #intervalMs: number
  #pending: FsckFinding[] = []
  #lastWrite = 0

  /** `intervalMs`: the least time between two writes of the state (see {@link advance}). */
  constructor(dataDir: string, storageUrl: string, intervalMs = 1000) {
    this.#intervalMs = intervalMs
    this.#dir = join(dataDir, 'fsck')
    this.#storage = createHash('sha256').update(storageUrl).digest('hex')
  }

  get #statePath(): string {
    return join(this.#dir, 'state.json')
  }

  get #findingsPath(): string {
    return join(this.#dir, 'findings.jsonl')
  }

  /** The state of an unfinished run on this storage, or null. */
  load(): FsckState | null {
    if (!existsSync(this.#statePath)) return null
    let state: FsckState
    try {
      state = JSON.parse(readFileSync(this.#statePath, 'utf8')) as FsckState
    } catch {
      return null
    }
    if (state.version !== VERSION || state.storage !== this.#storage) return null
    if (!existsSync(this.#findingsPath)) return state.findingsBytes === 0 ? state : null
    if (statSync(this.#findingsPath).size < state.findingsBytes) return null
    return state
  }

  /** A fresh state (discarding any earlier run). */
  start(kind: ScanKind, checked: FsckCounts): FsckState {
    this.clear()
    mkdirSync(this.#dir, { recursive: true })
    const state: FsckState = {
      version: VERSION,
      storage: this.#storage,
      kind,
      after: null,
      checked,
      findingsBytes: 0,
      startedAt: new Date().toISOString(),
    }
    this.#writeState(state)
    return state
  }

  /** The findings recorded up to `state` (the file cut back to that length). */
  findings(state: FsckState): FsckFinding[] {
    if (!existsSync(this.#findingsPath)) return []
    truncateSync(this.#findingsPath, state.findingsBytes)
    const text = readFileSync(this.#findingsPath, 'utf8')
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as FsckFinding)
  }

  /**
   * Records the findings of a page and the state after it. Written to disk (findings synced
   * first, then the state) at most once per interval, and always with `force`; in between,
   * both wait in memory, and a run killed meanwhile checks those pages again.
   */
  advance(
    state: FsckState,
    next: Pick<FsckState, 'kind' | 'after' | 'checked'>,
    findings: readonly FsckFinding[],
    force = false,
  ): FsckState {
    this.#pending.push(...findings)
    const updated: FsckState = { ...state, ...next, checked: { ...next.checked } }
    if (!force && Date.now() - this.#lastWrite < this.#intervalMs) return updated
    let bytes = state.findingsBytes
    if (this.#pending.length > 0) {
      const data = Buffer.from(this.#pending.map((f) => JSON.stringify(f) + '\n').join(''))
      const fd = openSync(this.#findingsPath, 'a')
      try {
        writeSync(fd, data)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      bytes += data.length
      this.#pending = []
    }
    const written: FsckState = { ...updated, findingsBytes: bytes }
    this.#writeState(written)
    this.#lastWrite = Date.now()
    return written
  }

  /** Removes the state of a finished (or discarded) run. */
  clear(): void {
    rmSync(this.#statePath, { force: true })
    rmSync(this.#findingsPath, { force: true })
  }

  #writeState(state: FsckState): void {
    const tmp = `${this.#statePath}.${process.pid}.tmp`
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, JSON.stringify(state))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.#statePath)
  }
}
