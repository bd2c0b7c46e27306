/**
 * The byte layout of one pack entry, and its codecs. A pack file is a sequence of entries, each
 * self-describing so that a torn tail (a writer killed mid-append) is detectable and a pack can
 * be checked without its index:
 *
 * ```
 * header  (40 bytes): magic "APK1" · id (20 bytes, sha1_git) · codec (u8) · 3 zero bytes
 *                     · raw length (u48 BE) · stored length (u48 BE)
 * payload (stored length bytes): the content, compressed by the codec
 * trailer (8 bytes):  CRC-32 (u32 BE) of the payload then the header · magic "1KPA"
 * ```
 *
 * The CRC runs over the payload first so that a streamed entry (written before its lengths are
 * known) can be summed as it goes. It catches torn and flipped bytes cheaply on every read; the
 * sha1_git check (verify) catches everything else.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompress,
  brotliDecompressSync,
  constants,
  crc32,
} from 'node:zlib'

import { CorruptError } from '../../errors.js'
import { gitHeader } from '../../model/index.js'

/** How an entry's payload is stored. */
export const CODEC = { none: 0, brotli: 1 } as const

/** Compression of new entries. */
export type PackCompression = 'none' | 'brotli'

export const HEADER_SIZE = 40
export const TRAILER_SIZE = 8
const MAGIC = Buffer.from('APK1')
const END = Buffer.from('1KPA')

/** Below this size compression is not attempted (it rarely pays, and costs a call). */
const MIN_COMPRESS = 64

/**
 * Brotli quality of new entries: 1, the fastest level that keeps most of the gain on source code
 * (measured: ratio 0.31 at about 86 MB/s per core, against 0.27 at 59 MB/s for quality 4; see
 * docs/objstorage.md). Entries record their codec, not their quality: changing it needs no rewrite.
 */
export const BROTLI_QUALITY = 1

function brotliParams(size: number): Record<number, number> {
  return {
    [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [constants.BROTLI_PARAM_SIZE_HINT]: size,
  }
}

/** The stored payload of `data` and its codec (stored plainly when compression does not pay). */
export function compressSync(
  data: Uint8Array,
  compression: PackCompression,
): { codec: number; payload: Uint8Array } {
  if (compression === 'none' || data.length < MIN_COMPRESS)
    return { codec: CODEC.none, payload: data }
  const out = brotliCompressSync(data, { params: brotliParams(data.length) })
  return out.length < data.length
    ? { codec: CODEC.brotli, payload: out }
    : { codec: CODEC.none, payload: data }
}

/** {@link compressSync} on libuv's thread pool (several at once use several cores). */
export function compress(
  data: Uint8Array,
  compression: PackCompression,
): Promise<{ codec: number; payload: Uint8Array }> {
  if (compression === 'none' || data.length < MIN_COMPRESS)
    return Promise.resolve({ codec: CODEC.none, payload: data })
  return new Promise((resolve, reject) => {
    brotliCompress(data, { params: brotliParams(data.length) }, (err, out) => {
      if (err) reject(err)
      else
        resolve(
          out.length < data.length
            ? { codec: CODEC.brotli, payload: out }
            : { codec: CODEC.none, payload: data },
        )
    })
  })
}

/** The whole entry for `id` (hex) with a stored payload. */
export function encodeEntry(
  id: string,
  codec: number,
  rawLength: number,
  payload: Uint8Array,
): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + payload.length + TRAILER_SIZE)
  writeHeader(buf, id, codec, rawLength, payload.length)
  buf.set(payload, HEADER_SIZE)
  const crc = crc32(buf.subarray(0, HEADER_SIZE), crc32(payload))
  writeTrailer(buf, HEADER_SIZE + payload.length, crc)
  return buf
}

/** Writes an entry header at the start of `buf`. */
export function writeHeader(
  buf: Buffer,
  id: string,
  codec: number,
  rawLength: number,
  storedLength: number,
): void {
  MAGIC.copy(buf, 0)
  buf.write(id, 4, 20, 'hex')
  buf[24] = codec
  buf[25] = 0
  buf[26] = 0
  buf[27] = 0
  buf.writeUIntBE(rawLength, 28, 6)
  buf.writeUIntBE(storedLength, 34, 6)
}

/** Writes a trailer with `crc` at `offset`. */
export function writeTrailer(buf: Buffer, offset: number, crc: number): void {
  buf.writeUInt32BE(crc >>> 0, offset)
  END.copy(buf, offset + 4)
}

/** A decoded entry header. */
export interface EntryHeader {
  readonly id: string
  readonly codec: number
  readonly rawLength: number
  readonly storedLength: number
}

/** Decodes a header, or null when the bytes are not one (torn or garbage). */
export function readHeader(buf: Uint8Array): EntryHeader | null {
  if (buf.length < HEADER_SIZE) return null
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  if (!b.subarray(0, 4).equals(MAGIC)) return null
  const codec = b[24]!
  if (codec !== CODEC.none && codec !== CODEC.brotli) return null
  return {
    id: b.toString('hex', 4, 24),
    codec,
    rawLength: b.readUIntBE(28, 6),
    storedLength: b.readUIntBE(34, 6),
  }
}

/** Corruption of the entry of `id` in `pack`, saying why. */
export function corruptEntry(id: string, pack: string, why: string): CorruptError {
  return new CorruptError(
    `Content "swh:1:cnt:${id}" is corrupt in the content store (pack ${pack}: ${why})`,
    { details: { id, pack } },
  )
}

/** The error of a content of `pack` whose bytes hash to `got`, not to its id. */
export function hashMismatch(id: string, pack: string, got: string): CorruptError {
  return new CorruptError(
    `Content "swh:1:cnt:${id}" is corrupt in the content store (pack ${pack}: hashes to ${got})`,
    { details: { id, pack, computed: got } },
  )
}

/** Checks that `data`, read from `pack`, hashes to its sha1_git `id` (a CorruptError if not). */
export function checkContentHash(id: string, data: Uint8Array, pack: string): void {
  const got = createHash('sha1').update(gitHeader('blob', data.length)).update(data).digest('hex')
  if (got !== id) throw hashMismatch(id, pack, got)
}

/**
 * Checks a whole entry read from a pack (header, payload, trailer) against the id the index
 * names, and returns its header and stored payload. Throws a CorruptError naming the id and
 * the pack.
 */
export function checkEntry(
  entry: Uint8Array,
  id: string,
  pack: string,
): { header: EntryHeader; payload: Buffer } {
  const h = readHeader(entry)
  if (!h) throw corruptEntry(id, pack, 'bad entry header')
  if (h.id !== id) throw corruptEntry(id, pack, `the entry holds ${h.id}`)
  const end = HEADER_SIZE + h.storedLength
  if (entry.length !== end + TRAILER_SIZE)
    throw corruptEntry(id, pack, 'entry length differs from the index')
  const b = Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength)
  if (!b.subarray(end + 4, end + 8).equals(END)) throw corruptEntry(id, pack, 'bad entry trailer')
  const payload = b.subarray(HEADER_SIZE, end)
  if (crc32(b.subarray(0, HEADER_SIZE), crc32(payload)) >>> 0 !== b.readUInt32BE(end))
    throw corruptEntry(id, pack, 'CRC mismatch')
  return { header: h, payload }
}

/** The raw bytes of a checked entry. */
export function decodeEntry(entry: Uint8Array, id: string, pack: string): Uint8Array {
  const { header, payload } = checkEntry(entry, id, pack)
  let raw: Uint8Array
  try {
    raw = header.codec === CODEC.brotli ? brotliDecompressSync(payload) : payload
  } catch (e) {
    throw corruptEntry(id, pack, `cannot decompress: ${(e as Error).message}`)
  }
  if (raw.length !== header.rawLength)
    throw corruptEntry(id, pack, 'decompressed length differs from the header')
  return raw
}

/** {@link decodeEntry} decompressing on libuv's thread pool. */
export async function decodeEntryAsync(
  entry: Uint8Array,
  id: string,
  pack: string,
): Promise<Uint8Array> {
  const { header, payload } = checkEntry(entry, id, pack)
  if (header.codec !== CODEC.brotli) return payload
  // Small payloads: a thread pool round trip and a decoder per call cost more than decoding.
  if (payload.length < 64 << 10) return decodeEntry(entry, id, pack)
  const raw = await new Promise<Buffer>((resolve, reject) => {
    brotliDecompress(payload, (err, out) => {
      if (err) reject(corruptEntry(id, pack, `cannot decompress: ${err.message}`))
      else resolve(out)
    })
  })
  if (raw.length !== header.rawLength)
    throw corruptEntry(id, pack, 'decompressed length differs from the header')
  return raw
}

/** Compressions running at once on the thread pool (each holds an encoder's window). */
const COMPRESS_LANES = Math.max(2, Math.min(8, availableParallelism()))

/** The encoded entries of `items`, compressed on a few thread pool lanes, in order. */
export async function compressAll(
  items: readonly { id: string; data: Uint8Array }[],
  compression: PackCompression,
): Promise<{ id: string; bytes: Buffer; raw: number }[]> {
  const out = new Array<{ id: string; bytes: Buffer; raw: number }>(items.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      const { id, data } = items[i]!
      const { codec, payload } =
        items.length === 1 || data.length < 512
          ? compressSync(data, compression)
          : await compress(data, compression)
      out[i] = { id, bytes: encodeEntry(id, codec, data.length, payload), raw: data.length }
    }
  }
  await Promise.all(Array.from({ length: Math.min(COMPRESS_LANES, items.length) }, lane))
  return out
}
