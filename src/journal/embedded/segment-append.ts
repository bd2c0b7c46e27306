/**
 * Appending to the embedded journal's segment files, with the topic's write lock held: cut a
 * torn tail, write records in batches with their sparse index entries, roll over to a new
 * segment past the size limit, fsync.
 *
 * @module
 */

import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

import { InvalidInputError } from '../../errors.js'
import type { JournalRecordInit } from '../interface.js'
import {
  INDEX_ENTRY,
  INDEX_EVERY,
  indexPath,
  listSegments,
  MAX_RECORD,
  measureSegment,
  type Segment,
  segmentName,
} from './segment.js'

/** How appends write: the segment size limit and whether to fsync. */
export interface AppendSettings {
  readonly segmentBytes: number
  readonly fsync: boolean
}

interface Tail {
  /** Active (last) segment. */
  segment: Segment
  /** Byte size of its valid prefix. */
  size: number
  /** Records in it. */
  count: number
}

/** Creates an empty segment (and index) starting at `base`. */
export function newSegment(dir: string, base: number, fsync: boolean): Segment {
  const path = join(dir, `${segmentName(base)}.log`)
  closeSync(openSync(path, 'a'))
  writeFileSync(indexPath({ path }), '')
  if (fsync) {
    const dfd = openSync(dir, 'r')
    try {
      fsyncSync(dfd)
    } finally {
      closeSync(dfd)
    }
  }
  return { base, path }
}

/**
 * Appends records to the segments of topic directory `dir` (its write lock held); returns the
 * offset of the first.
 */
export function appendRecords(
  dir: string,
  records: readonly JournalRecordInit[],
  settings: AppendSettings,
): number {
  const { fsync, segmentBytes: segBytes } = settings
  const segs = listSegments(dir)
  let tail: Tail
  const lastSeg = segs[segs.length - 1]
  if (lastSeg) {
    const m = measureSegment(lastSeg)
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
    tail = { segment: newSegment(dir, 0, fsync), size: 0, count: 0 }
  }
  const first = tail.segment.base + tail.count
  if (records.length === 0) return first

  let fd = openSync(tail.segment.path, 'a')
  let idxFd = openSync(indexPath(tail.segment), 'a')
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
          segment: newSegment(dir, tail.segment.base + tail.count, fsync),
          size: 0,
          count: 0,
        }
        fd = openSync(tail.segment.path, 'a')
        idxFd = openSync(indexPath(tail.segment), 'a')
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
