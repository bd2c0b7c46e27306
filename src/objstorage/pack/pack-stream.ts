/**
 * Reading a large pack entry as a stream: the payload is read in 1 MiB chunks and decompressed
 * as it comes; the CRC, the length and (when verifying) the sha1_git are checked before the last
 * chunk is given, so a corrupt content is never delivered whole.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { createReadStream, readSync } from 'node:fs'
import { join } from 'node:path'
import { crc32, createBrotliDecompress } from 'node:zlib'

import { CorruptError } from '../../errors.js'
import { gitHeader } from '../../model/index.js'
import {
  CODEC,
  corruptEntry,
  hashMismatch,
  HEADER_SIZE,
  readHeader,
  TRAILER_SIZE,
} from './format.js'
import type { EntryRow } from './pack-index.js'

/** Streams a large entry of pack `row.name` (open as `fd`), checking CRC, length (and sha1_git) before the last chunk. */
export async function* streamEntry(
  root: string,
  fd: number,
  id: string,
  row: EntryRow,
  verify: boolean,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  const path = join(root, row.name)
  const headBuf = Buffer.allocUnsafe(HEADER_SIZE)
  if (readSync(fd, headBuf, 0, HEADER_SIZE, row.off) !== HEADER_SIZE)
    throw corruptEntry(id, row.name, 'the pack ends inside the entry')
  const header = readHeader(headBuf)
  if (!header || header.id !== id) throw corruptEntry(id, row.name, 'bad entry header')
  const payloadStart = row.off + HEADER_SIZE
  const payloadEnd = payloadStart + header.storedLength
  if (payloadEnd + TRAILER_SIZE !== row.off + row.len)
    throw corruptEntry(id, row.name, 'entry length differs from the index')
  let crc = 0
  async function* payload(): AsyncIterable<Uint8Array> {
    const file = createReadStream(path, {
      start: payloadStart,
      end: payloadEnd - 1,
      highWaterMark: 1 << 20,
      ...(signal ? { signal } : {}),
    })
    for await (const c of file as AsyncIterable<Buffer>) {
      crc = crc32(c, crc)
      yield c
    }
  }
  const src = payload()
  let out: AsyncIterable<Uint8Array> = src
  if (header.codec === CODEC.brotli) {
    const z = createBrotliDecompress()
    void (async () => {
      try {
        for await (const c of src) if (!z.write(c)) await new Promise((r) => z.once('drain', r))
        z.end()
      } catch (e) {
        z.destroy(e as Error)
      }
    })()
    out = z as AsyncIterable<Uint8Array>
  }
  const hash = verify ? createHash('sha1').update(gitHeader('blob', header.rawLength)) : null
  let pending: Uint8Array | null = null
  let seen = 0
  try {
    for await (const c of out) {
      hash?.update(c)
      seen += c.length
      if (pending) yield pending
      pending = c
    }
  } catch (e) {
    if (e instanceof CorruptError) throw e
    throw corruptEntry(id, row.name, `cannot decompress: ${(e as Error).message}`)
  }
  const trailer = Buffer.allocUnsafe(TRAILER_SIZE)
  if (readSync(fd, trailer, 0, TRAILER_SIZE, payloadEnd) !== TRAILER_SIZE)
    throw corruptEntry(id, row.name, 'the pack ends inside the entry')
  if (crc32(headBuf, crc) >>> 0 !== trailer.readUInt32BE(0))
    throw corruptEntry(id, row.name, 'CRC mismatch')
  if (seen !== header.rawLength)
    throw corruptEntry(id, row.name, 'decompressed length differs from the header')
  if (hash) {
    const got = hash.digest('hex')
    if (got !== id) throw hashMismatch(id, row.name, got)
  }
  if (pending) yield pending
}
