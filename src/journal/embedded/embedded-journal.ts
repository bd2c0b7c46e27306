/**
 * The embedded journal: per topic, a directory of append-only segment files.
 *
 * Segment `<base>.log` holds records `[length u32][crc32 u32][keyLength u32][key][value]`
 * (big-endian; `length` counts the bytes after the crc, the crc covers them). `<base>` is the
 * offset of its first record, zero-padded to 20 digits. A sparse index `<base>.idx` maps every
 * 64th record to its byte position so reads from any offset skip most of the segment; it is a
 * cache, rebuilt from the log when it lags.
 *
 * Durability and crashes: an append writes its records, fsyncs the segment, then returns. A
 * crash mid-append leaves a torn tail (a short or corrupt last record); readers stop before it,
 * and the next writer truncates it. Several processes may append: each append holds an
 *  exclusive lock and
 * re-reads the tail state before writing.
 *
 * @module
 */

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

import Database from 'better-sqlite3'

import { InvalidInputError, UnavailableError } from '../../errors.js'
import { checkGroup, consumeByOffsets } from '../consume.js'
import type {
  AbortOptions,
  Journal,
  JournalConsumeOptions,
  JournalDelivery,
  JournalReadOptions,
  JournalRecord,
  JournalRecordInit,
  Topic,
} from '../interface.js'
import { TOPICS } from '../interface.js'
import { listSegments, measureSegment, readSegment, type Segment } from './segment.js'
import { appendRecords } from './segment-append.js'

/** Settings of {@link EmbeddedJournal}. */
export interface EmbeddedJournalInit {
  /** Directory of the journal (created if needed). */
  readonly root: string
  /** A new segment starts once the active one exceeds this size. */
  readonly segmentBytes?: number
  /** fsync appends (disable only for throwaway journals). */
  readonly fsync?: boolean
  /** How long an append waits for another process's lock. */
  readonly lockTimeoutMs?: number
}

/** Defaults of {@link EmbeddedJournalInit}. */
export const DEFAULT_EMBEDDED_JOURNAL = {
  segmentBytes: 256 << 20,
  fsync: true,
  lockTimeoutMs: 30_000,
} as const

/**
 * Append-only journal on local disk.
 *
 * @example
 * ```ts
 * const j = new EmbeddedJournal({ root: 'arca-data/journal' })
 * await j.open()
 * const first = await j.append('revision', [{ key, value }])
 * ```
 */
export class EmbeddedJournal implements Journal {
  readonly #init: EmbeddedJournalInit
  #opened = false
  #lockDb: Database.Database | undefined

  constructor(init: EmbeddedJournalInit) {
    this.#init = init
  }

  open(): Promise<void> {
    if (!this.#opened) {
      for (const t of TOPICS) mkdirSync(join(this.#init.root, t), { recursive: true })
      mkdirSync(join(this.#init.root, '_consumers'), { recursive: true })
      const db = new Database(join(this.#init.root, '.lock.sqlite'))
      db.pragma(
        `busy_timeout = ${this.#init.lockTimeoutMs ?? DEFAULT_EMBEDDED_JOURNAL.lockTimeoutMs}`,
      )
      this.#lockDb = db
      this.#opened = true
    }
    return Promise.resolve()
  }

  close(): Promise<void> {
    this.#opened = false
    this.#lockDb?.close()
    this.#lockDb = undefined
    return Promise.resolve()
  }

  #topicDir(topic: Topic): string {
    if (!(TOPICS as readonly string[]).includes(topic)) {
      throw new InvalidInputError(`Unknown journal topic "${topic}"`)
    }
    return join(this.#init.root, topic)
  }

  #segments(topic: Topic): Segment[] {
    return listSegments(this.#topicDir(topic))
  }

  endOffset(topic: Topic): Promise<number> {
    const segs = this.#segments(topic)
    const last = segs[segs.length - 1]
    return Promise.resolve(last ? last.base + measureSegment(last).count : 0)
  }

  /**
   * Takes the journal's cross-process write lock. It is an SQLite `BEGIN IMMEDIATE` on a small
   * lock database: SQLite's file locks are released by the kernel when a process dies, so a
   * writer killed mid-append can never leave the journal locked.
   */
  #lock(topic: Topic): () => void {
    const db = this.#lockDb
    if (!db) throw new UnavailableError(`Journal is not open (topic "${topic}")`)
    try {
      db.prepare('BEGIN IMMEDIATE').run()
    } catch (e) {
      throw new UnavailableError(`Journal topic "${topic}" stayed locked by another process`, {
        cause: e,
      })
    }
    return () => {
      db.prepare('COMMIT').run()
    }
  }

  append(
    topic: Topic,
    records: readonly JournalRecordInit[],
    options: AbortOptions = {},
  ): Promise<number> {
    try {
      options.signal?.throwIfAborted()
      const unlock = this.#lock(topic)
      try {
        return Promise.resolve(this.#appendLocked(topic, records))
      } finally {
        unlock()
      }
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)))
    }
  }

  #appendLocked(topic: Topic, records: readonly JournalRecordInit[]): number {
    return appendRecords(this.#topicDir(topic), records, {
      segmentBytes: this.#init.segmentBytes ?? DEFAULT_EMBEDDED_JOURNAL.segmentBytes,
      fsync: this.#init.fsync ?? DEFAULT_EMBEDDED_JOURNAL.fsync,
    })
  }

  read(
    topic: Topic,
    fromOffset: number,
    options: JournalReadOptions = {},
  ): AsyncIterable<JournalRecord> {
    if (!Number.isInteger(fromOffset) || fromOffset < 0) {
      throw new InvalidInputError(`Invalid journal offset ${fromOffset}`)
    }
    const self = this
    const limit = options.limit ?? Infinity
    return {
      async *[Symbol.asyncIterator]() {
        let emitted = 0
        const segs = self.#segments(topic)
        for (let s = 0; s < segs.length && emitted < limit; s++) {
          const seg = segs[s]!
          const next = segs[s + 1]
          if (next && next.base <= fromOffset) continue
          for (const r of readSegment(
            topic,
            seg,
            Math.max(fromOffset, seg.base),
            limit - emitted,
          )) {
            options.signal?.throwIfAborted()
            yield r
            emitted++
          }
          // Let other work run between segments.
          await Promise.resolve()
        }
      },
    }
  }

  committed(group: string, topic: Topic): Promise<number> {
    try {
      return Promise.resolve(Number(readFileSync(this.#commitPath(group, topic), 'utf8')) || 0)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(0)
      throw e
    }
  }

  commit(group: string, topic: Topic, offset: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new InvalidInputError(`Bad journal offset ${offset}`)
    const path = this.#commitPath(group, topic)
    const dir = join(this.#init.root, '_consumers', group)
    mkdirSync(dir, { recursive: true })
    // Write, flush, rename, flush the directory: a crash leaves the old position or the new one.
    const tmp = `${path}.tmp-${process.pid}`
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, String(offset))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
    const dfd = openSync(dir, 'r')
    try {
      fsyncSync(dfd)
    } finally {
      closeSync(dfd)
    }
    return Promise.resolve()
  }

  consume(
    group: string,
    topic: Topic,
    options: JournalConsumeOptions = {},
  ): AsyncIterable<JournalDelivery> {
    this.#topicDir(topic)
    checkGroup(group)
    return consumeByOffsets(this, group, topic, options)
  }

  #commitPath(group: string, topic: Topic): string {
    checkGroup(group)
    return join(this.#init.root, '_consumers', group, this.#topicDir(topic).split('/').pop()!)
  }
}
