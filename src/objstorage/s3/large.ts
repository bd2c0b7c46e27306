/**
 * Large contents of the S3 content store, in and out as streams: an entry is written to a
 * scratch file as it comes (compressed, its CRC summed), then uploaded as a pack of its own with
 * its header in front (the lengths are known by then); it is read back through a ranged GET,
 * decompressed as it comes, and the CRC, the length and (when verifying) the sha1_git are
 * checked before the last chunk is given. Memory stays bounded by the chunk size.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { constants, crc32, createBrotliCompress, createBrotliDecompress } from 'node:zlib'

import { CorruptError } from '../../errors.js'
import { gitHeader } from '../../model/index.js'
import {
  BROTLI_QUALITY,
  CODEC,
  corruptEntry,
  hashMismatch,
  HEADER_SIZE,
  type PackCompression,
  readHeader,
  TRAILER_SIZE,
  writeHeader,
  writeTrailer,
} from '../pack/format.js'

/** A large entry ready to upload: its stream (header, payload, trailer) and length. */
export interface SpooledEntry {
  readonly body: () => Readable
  readonly length: number
  readonly raw: number
  readonly dispose: () => void
}

/** Spools `data` as the entry of `id` into the scratch file `path`. */
export async function spoolEntry(
  id: string,
  data: AsyncIterable<Uint8Array>,
  compression: PackCompression,
  path: string,
  signal?: AbortSignal,
): Promise<SpooledEntry> {
  let raw = 0
  let stored = 0
  let crc = 0
  async function* counted(): AsyncIterable<Uint8Array> {
    for await (const c of data) {
      raw += c.length
      yield c
    }
  }
  async function* summed(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const c of source) {
      stored += c.length
      crc = crc32(c, crc)
      yield c
    }
  }
  const codec = compression === 'brotli' ? CODEC.brotli : CODEC.none
  try {
    if (codec === CODEC.brotli)
      await pipeline(
        Readable.from(counted()),
        createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }),
        summed,
        createWriteStream(path),
        signal ? { signal } : {},
      )
    else
      await pipeline(
        Readable.from(summed(counted())),
        createWriteStream(path),
        signal ? { signal } : {},
      )
  } catch (e) {
    rmSync(path, { force: true })
    throw e
  }
  const header = Buffer.allocUnsafe(HEADER_SIZE)
  writeHeader(header, id, codec, raw, stored)
  const trailer = Buffer.allocUnsafe(TRAILER_SIZE)
  writeTrailer(trailer, 0, crc32(header, crc))
  return {
    length: HEADER_SIZE + stored + TRAILER_SIZE,
    raw,
    body: () =>
      Readable.from(
        (async function* () {
          yield header
          for await (const c of createReadStream(path, { highWaterMark: 1 << 20 }))
            yield c as Buffer
          yield trailer
        })(),
      ),
    dispose: () => rmSync(path, { force: true }),
  }
}

/**
 * The raw bytes of the entry of `id` from `entry` (the stream of its `len` bytes in pack
 * `pack`), checked before the last chunk is given.
 */
export async function* unspoolEntry(
  entry: AsyncIterable<Uint8Array>,
  id: string,
  pack: string,
  len: number,
  verify: boolean,
): AsyncIterable<Uint8Array> {
  const it = entry[Symbol.asyncIterator]()
  let head = Buffer.alloc(0)
  let rest: Buffer = Buffer.alloc(0)
  while (head.length < HEADER_SIZE) {
    const n = await it.next()
    if (n.done) throw corruptEntry(id, pack, 'the pack ends inside the entry')
    head = Buffer.concat([head, n.value])
  }
  rest = head.subarray(HEADER_SIZE)
  head = head.subarray(0, HEADER_SIZE)
  const h = readHeader(head)
  if (!h || h.id !== id) throw corruptEntry(id, pack, 'bad entry header')
  if (HEADER_SIZE + h.storedLength + TRAILER_SIZE !== len)
    throw corruptEntry(id, pack, 'entry length differs from the index')
  let left = h.storedLength
  let crc = 0
  const tail: Buffer[] = []
  async function* payload(): AsyncIterable<Uint8Array> {
    let chunk: Buffer | null = rest
    for (;;) {
      if (chunk === null) {
        const n = await it.next()
        if (n.done) break
        chunk = Buffer.from(n.value)
      }
      const take = Math.min(left, chunk.length)
      if (take > 0) {
        const part = chunk.subarray(0, take)
        crc = crc32(part, crc)
        left -= take
        yield part
      }
      if (take < chunk.length) tail.push(chunk.subarray(take))
      chunk = null
    }
    if (left > 0) throw corruptEntry(id, pack, 'the pack ends inside the entry')
  }
  const hash = verify ? createHash('sha1').update(gitHeader('blob', h.rawLength)) : null
  let source: AsyncIterable<Uint8Array> = payload()
  if (h.codec === CODEC.brotli) {
    const inflate = createBrotliDecompress()
    // a failure of either side destroys `inflate` with it, and so surfaces in the loop below
    pipeline(Readable.from(source), inflate).catch(() => undefined)
    source = inflate
  }
  let held: Uint8Array | null = null
  let raw = 0
  try {
    for await (const c of source) {
      const chunk = c
      raw += chunk.length
      hash?.update(chunk)
      if (held) yield held
      held = chunk
    }
  } catch (e) {
    if (e instanceof CorruptError) throw e
    throw corruptEntry(id, pack, `cannot decompress: ${(e as Error).message}`)
  }
  const trailer = Buffer.concat(tail)
  if (
    trailer.length !== TRAILER_SIZE ||
    trailer.readUInt32BE(0) !== crc32(head, crc) >>> 0 ||
    trailer.toString('latin1', 4) !== '1KPA'
  )
    throw corruptEntry(id, pack, 'CRC mismatch')
  if (raw !== h.rawLength)
    throw corruptEntry(id, pack, 'decompressed length differs from the header')
  if (hash) {
    const got = hash.digest('hex')
    if (got !== id) throw hashMismatch(id, pack, got)
  }
  if (held) yield held
}
