/**
 * Appending entries to this process's pack.
 *
 * WRITE ORDER (what makes a crash at any point safe):
 *  1. A new pack is registered in the index (a `pack` row owned by this process, committed size
 *     0) BEFORE its file is created, then the file is created and the directory fsynced: a file
 *     without a row is an orphan any compaction may unlink.
 *  2. A batch's entries are appended past the pack's committed size, in one write.
 *  3. The pack file is fsynced (fdatasync): the batch's bytes are durable.
 *  4. ONLY THEN the index transaction commits the batch's `entry` rows and the pack's new
 *     committed size together (SQLite WAL, synchronous FULL: durable at commit).
 *  A writer killed before 4 leaves bytes past the committed size that no row points to: readers
 *  never see them, and the next process claiming the pack truncates the file back to its
 *  committed size before appending (a torn tail is dropped, never read).
 *
 * One pack has one appending process at a time (its owner in the index); several processes on
 * one store each append to their own pack and share the index.
 *
 * @module
 */

import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { constants, crc32, createBrotliCompress } from 'node:zlib'

import {
  BROTLI_QUALITY,
  CODEC,
  HEADER_SIZE,
  TRAILER_SIZE,
  writeHeader,
  writeTrailer,
} from './format.js'
import { type NewEntry, PackIndex } from './pack-index.js'

/** Suffix of pack files. */
export const PACK_SUFFIX = '.pack'

/** A fresh, unique pack file name. */
export function newPackName(): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)
  return `pack-${stamp}-${process.pid}-${Math.random().toString(36).slice(2, 10)}${PACK_SUFFIX}`
}

/** fsync of a directory (makes new or removed names durable). */
export function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Writes all of `buf` at `pos` (writeSync may write less than asked). */
export function writeAllSync(fd: number, buf: Uint8Array, pos: number): void {
  for (let off = 0; off < buf.length;) {
    off += writeSync(fd, buf, off, buf.length - off, pos + off)
  }
}

/** An open pack this process appends to. */
export interface OpenPack {
  readonly id: number
  readonly name: string
  readonly fd: number
  /** Committed size (the end of the last indexed entry). */
  size: number
}

/**
 * Claims a pack to append to: a released or abandoned one with room (truncated back to its
 * committed size), else a new one.
 */
export function acquirePack(
  index: PackIndex,
  dir: string,
  maxPackSize: number,
  fsync: boolean,
): OpenPack {
  const candidates = index
    .packs()
    .filter((p) => p.size < maxPackSize * 0.9 && PackIndex.claimable(p))
    .sort((a, b) => b.size - a.size)
  for (const c of candidates) {
    const row = index.claim(c)
    if (!row) continue
    const path = join(dir, row.name)
    let fd: number
    try {
      fd = openSync(path, 'r+')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || row.size !== 0) throw e
      fd = createPackFile(dir, row.name, fsync)
    }
    // Drop whatever a killed writer appended past the committed size.
    if (fstatSync(fd).size !== row.size) {
      ftruncateSync(fd, row.size)
      if (fsync) fdatasyncSync(fd)
    }
    return { id: row.id, name: row.name, fd, size: row.size }
  }
  const name = newPackName()
  const id = index.newPack(name)
  const fd = createPackFile(dir, name, fsync)
  return { id, name, fd, size: 0 }
}

function createPackFile(dir: string, name: string, fsync: boolean): number {
  const fd = openSync(join(dir, name), 'wx+', 0o644)
  if (fsync) syncDirSync(dir)
  return fd
}

/**
 * Appends `entries` (whole encoded entries, with their ids and raw lengths) to `pack` and
 * indexes them, in the order stated at the top of this module. Returns their offsets.
 */
export function appendBatch(
  index: PackIndex,
  pack: OpenPack,
  entries: readonly { id: string; bytes: Uint8Array; raw: number }[],
  options: { fsync: boolean; replace?: boolean },
): void {
  if (entries.length === 0) return
  const rows: NewEntry[] = []
  let off = pack.size
  for (const e of entries) {
    rows.push({ id: e.id, off, len: e.bytes.length, raw: e.raw })
    off += e.bytes.length
  }
  // 2. one write past the committed size
  const all = entries.length === 1 ? entries[0]!.bytes : Buffer.concat(entries.map((e) => e.bytes))
  writeAllSync(pack.fd, all, pack.size)
  // 3. the bytes are durable
  if (options.fsync) fdatasyncSync(pack.fd)
  // 4. the rows and the committed size, in one transaction
  index.commit(pack.id, off, rows, options.replace ?? false)
  pack.size = off
}

/**
 * Appends one content given as chunks (too large to hold in memory), compressed as it streams,
 * and indexes it: same order as {@link appendBatch} (the header, written last, and the trailer
 * are in place before the fsync).
 */
export async function appendStream(
  index: PackIndex,
  pack: OpenPack,
  id: string,
  source: AsyncIterable<Uint8Array>,
  options: { fsync: boolean; compress: boolean; replace?: boolean; signal?: AbortSignal },
): Promise<void> {
  const start = pack.size
  let pos = start + HEADER_SIZE
  let crc = 0
  let raw = 0
  const put = (chunk: Uint8Array): void => {
    writeAllSync(pack.fd, chunk, pos)
    crc = crc32(chunk, crc)
    pos += chunk.length
  }
  if (options.compress) {
    const z = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
    const drained = (async () => {
      for await (const c of z as AsyncIterable<Buffer>) put(c)
    })()
    try {
      for await (const c of source) {
        options.signal?.throwIfAborted()
        raw += c.length
        if (!z.write(c)) await new Promise((r) => z.once('drain', r))
      }
      z.end()
    } catch (e) {
      z.destroy()
      await drained.catch(() => undefined)
      throw e
    }
    await drained
  } else {
    for await (const c of source) {
      options.signal?.throwIfAborted()
      raw += c.length
      put(c)
    }
  }
  const stored = pos - start - HEADER_SIZE
  const header = Buffer.alloc(HEADER_SIZE)
  writeHeader(header, id, options.compress ? CODEC.brotli : CODEC.none, raw, stored)
  writeAllSync(pack.fd, header, start)
  const trailer = Buffer.alloc(TRAILER_SIZE)
  writeTrailer(trailer, 0, crc32(header, crc))
  writeAllSync(pack.fd, trailer, pos)
  const end = pos + TRAILER_SIZE
  if (options.fsync) fdatasyncSync(pack.fd)
  index.commit(pack.id, end, [{ id, off: start, len: end - start, raw }], options.replace ?? false)
  pack.size = end
}
