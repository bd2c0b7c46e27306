/**
 * Segment files of the embedded journal (the format is described in `embedded-journal.ts`):
 * listing a topic's segments, their sparse index, measuring a segment's valid prefix and reading
 * its records. Writing is in `segment-append.ts`.
 *
 * @module
 */

import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

import type { JournalRecord, Topic } from '../interface.js'

export const HEADER = 12
export const INDEX_EVERY = 64
export const INDEX_ENTRY = 8
export const MAX_RECORD = 1 << 30

/** A segment file: the offset of its first record and its path. */
export interface Segment {
  readonly base: number
  readonly path: string
}

/** The file name (without extension) of a segment starting at `base`. */
export function segmentName(base: number): string {
  return String(base).padStart(20, '0')
}

/** The index file of a segment. */
export function indexPath(seg: Pick<Segment, 'path'>): string {
  return seg.path.replace(/\.log$/, '.idx')
}

/** The segments of a topic directory, oldest first (none when it does not exist). */
export function listSegments(dir: string): Segment[] {
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
export function readIndex(seg: Segment, fileSize: number): { rel: number; pos: number }[] {
  let raw: Buffer
  try {
    raw = readFileSync(indexPath(seg))
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
export function measureSegment(seg: Segment): { size: number; count: number } {
  const fd = openSync(seg.path, 'r')
  try {
    const fileSize = fstatSync(fd).size
    const idx = readIndex(seg, fileSize)
    const last = idx[idx.length - 1]
    return scanSegment(fd, fileSize, last?.pos ?? 0, last?.rel ?? 0)
  } finally {
    closeSync(fd)
  }
}

/** Scans records of a segment from `position` (record `count`), stopping at the end or at a
 * torn record. Calls `onRecord(relativeIndex, position)` for each valid record. */
export function scanSegment(
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

/** Records of a segment from offset `from`, at most `max`; stops before a torn record. */
export function* readSegment(
  topic: Topic,
  seg: Segment,
  from: number,
  max: number,
): Generator<JournalRecord> {
  let fd: number
  try {
    fd = openSync(seg.path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw e
  }
  try {
    const fileSize = fstatSync(fd).size
    const idx = readIndex(seg, fileSize)
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
