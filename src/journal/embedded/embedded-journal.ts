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
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

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

const HEADER = 12
const INDEX_EVERY = 64
const INDEX_ENTRY = 8
const MAX_RECORD = 1 << 30

interface Segment {
  readonly base: number
  readonly path: string
}

interface Tail {
  /** Active (last) segment. */
  segment: Segment
  /** Byte size of its valid prefix. */
  size: number
  /** Records in it. */
  count: number
}

function segmentName(base: number): string {
  return String(base).padStart(20, '0')
}

/** Scans records of a segment from `position` (record `count`), stopping at the end or at a
 * torn record. Calls `onRecord(relativeIndex, position)` for each valid record. */
function scanSegment(
  fd: number,
  fileSize: number,
  position: number,
  count: number,
  onRecord?: (rel: number, pos: number) => void,
): { size: number; count: number } {
  const header = Buffer.alloc(HEADER)
  let pos = position
  let n = count
  let buf = Buffer.alloc(1 << 16)
  while (pos + HEADER <= fileSize) {
    if (readSync(fd, header, 0, HEADER, pos) !== HEADER) break
    const length = header.readUInt32BE(0)
    if (length < 4 || length > MAX_RECORD || pos + 8 + length > fileSize) break
    if (buf.length < length) buf = Buffer.alloc(length)
    if (readSync(fd, buf, 0, length, pos + 8) !== length) break
    if (crc32(buf.subarray(0, length)) !== header.readUInt32BE(4)) break
    onRecord?.(n, pos)
    pos += 8 + length
    n++
  }
  return { size: pos, count: n }
}

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
    const dir = this.#topicDir(topic)
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw e
    }
    return names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => ({ base: Number(n.slice(0, 20)), path: join(dir, n) }))
      .sort((a, b) => a.base - b.base)
  }

  /** Index entries (relative record number → position) of a segment, only valid ones. */
  #index(seg: Segment, fileSize: number): { rel: number; pos: number }[] {
    let raw: Buffer
    try {
      raw = readFileSync(seg.path.replace(/\.log$/, '.idx'))
    } catch {
      return []
    }
    const out: { rel: number; pos: number }[] = []
    for (let i = 0; i + INDEX_ENTRY <= raw.length; i += INDEX_ENTRY) {
      const rel = raw.readUInt32BE(i)
      const pos = raw.readUInt32BE(i + 4)
      if (pos >= fileSize || (out.length > 0 && rel <= out[out.length - 1]!.rel)) break
      out.push({ rel, pos })
    }
    return out
  }

  /** Valid size and record count of a segment (from its index, then scanning the rest). */
  #measure(seg: Segment): { size: number; count: number } {
    const fd = openSync(seg.path, 'r')
    try {
      const fileSize = fstatSync(fd).size
      const idx = this.#index(seg, fileSize)
      const last = idx[idx.length - 1]
      return scanSegment(fd, fileSize, last?.pos ?? 0, last?.rel ?? 0)
    } finally {
      closeSync(fd)
    }
  }

  endOffset(topic: Topic): Promise<number> {
    const segs = this.#segments(topic)
    const last = segs[segs.length - 1]
    return Promise.resolve(last ? last.base + this.#measure(last).count : 0)
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
    const fsync = this.#init.fsync ?? DEFAULT_EMBEDDED_JOURNAL.fsync
    const segBytes = this.#init.segmentBytes ?? DEFAULT_EMBEDDED_JOURNAL.segmentBytes
    const segs = this.#segments(topic)
    let tail: Tail
    const lastSeg = segs[segs.length - 1]
    if (lastSeg) {
      const m = this.#measure(lastSeg)
      tail = { segment: lastSeg, ...m }
      // A torn tail left by a crashed writer is cut off before appending.
      if (statSync(lastSeg.path).size !== m.size) {
        const fd = openSync(lastSeg.path, 'r+')
        try {
          ftruncateSync(fd, m.size)
        } finally {
          closeSync(fd)
        }
      }
    } else {
      tail = { segment: this.#newSegment(topic, 0), size: 0, count: 0 }
    }
    const first = tail.segment.base + tail.count
    if (records.length === 0) return first

    let fd = openSync(tail.segment.path, 'a')
    let idxFd = openSync(tail.segment.path.replace(/\.log$/, '.idx'), 'a')
    try {
      let batch: Buffer[] = []
      let batchBytes = 0
      let idxEntries: Buffer[] = []
      const flush = (): void => {
        if (batch.length > 0) writeSync(fd, Buffer.concat(batch, batchBytes))
        if (idxEntries.length > 0) writeSync(idxFd, Buffer.concat(idxEntries))
        batch = []
        batchBytes = 0
        idxEntries = []
      }
      for (const r of records) {
        const length = 4 + r.key.length + r.value.length
        if (length > MAX_RECORD)
          throw new InvalidInputError(`Journal record of ${length} bytes is too large`)
        if (tail.size > 0 && tail.size + 8 + length > segBytes) {
          flush()
          if (fsync) fsyncSync(fd)
          closeSync(fd)
          closeSync(idxFd)
          tail = {
            segment: this.#newSegment(topic, tail.segment.base + tail.count),
            size: 0,
            count: 0,
          }
          fd = openSync(tail.segment.path, 'a')
          idxFd = openSync(tail.segment.path.replace(/\.log$/, '.idx'), 'a')
        }
        const rec = Buffer.allocUnsafe(8 + length)
        rec.writeUInt32BE(length, 0)
        rec.writeUInt32BE(r.key.length, 8)
        rec.set(r.key, 12)
        rec.set(r.value, 12 + r.key.length)
        rec.writeUInt32BE(crc32(rec.subarray(8)), 4)
        if (tail.count % INDEX_EVERY === 0) {
          const e = Buffer.allocUnsafe(INDEX_ENTRY)
          e.writeUInt32BE(tail.count, 0)
          e.writeUInt32BE(tail.size, 4)
          idxEntries.push(e)
        }
        batch.push(rec)
        batchBytes += rec.length
        tail.size += rec.length
        tail.count++
        if (batchBytes >= 1 << 20) flush()
      }
      flush()
      if (fsync) fsyncSync(fd)
    } finally {
      closeSync(fd)
      closeSync(idxFd)
    }
    return first
  }

  #newSegment(topic: Topic, base: number): Segment {
    const dir = this.#topicDir(topic)
    const path = join(dir, `${segmentName(base)}.log`)
    closeSync(openSync(path, 'a'))
    writeFileSync(path.replace(/\.log$/, '.idx'), '')
    if (this.#init.fsync ?? DEFAULT_EMBEDDED_JOURNAL.fsync) {
      const dfd = openSync(dir, 'r')
      try {
        fsyncSync(dfd)
      } finally {
        closeSync(dfd)
      }
    }
    return { base, path }
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
          for (const r of self.#readSegment(
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

  *#readSegment(topic: Topic, seg: Segment, from: number, max: number): Generator<JournalRecord> {
    let fd: number
    try {
      fd = openSync(seg.path, 'r')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
      throw e
    }
    try {
      const fileSize = fstatSync(fd).size
      const idx = this.#index(seg, fileSize)
      let rel = 0
      let pos = 0
      for (const e of idx) {
        if (seg.base + e.rel > from) break
        rel = e.rel
        pos = e.pos
      }
      let buf = Buffer.alloc(1 << 20)
      let bufStart = pos
      let bufLen = 0
      let emitted = 0
      while (emitted < max) {
        // Make sure the buffer holds the header, then the whole record at `pos`.
        if (pos + HEADER > fileSize) return
        if (pos + HEADER > bufStart + bufLen) {
          bufStart = pos
          bufLen = readSync(fd, buf, 0, buf.length, pos)
          if (bufLen < HEADER) return
        }
        const off = pos - bufStart
        const length = buf.readUInt32BE(off)
        if (length < 4 || length > MAX_RECORD || pos + 8 + length > fileSize) return
        if (off + 8 + length > bufLen) {
          if (buf.length < 8 + length) buf = Buffer.alloc(8 + length)
          bufStart = pos
          bufLen = readSync(fd, buf, 0, buf.length, pos)
          if (bufLen < 8 + length) return
        }
        const o = pos - bufStart
        const body = buf.subarray(o + 8, o + 8 + length)
        if (crc32(body) !== buf.readUInt32BE(o + 4)) return // torn or being written
        const offset = seg.base + rel
        if (offset >= from) {
          const keyLength = body.readUInt32BE(0)
          const copy = Buffer.from(body)
          yield {
            topic,
            offset,
            key: copy.subarray(4, 4 + keyLength),
            value: copy.subarray(4 + keyLength),
          }
          emitted++
        }
        pos += 8 + length
        rel++
      }
    } finally {
      closeSync(fd)
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
