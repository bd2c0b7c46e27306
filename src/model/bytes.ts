/**
 * Byte-string helpers. Archive data (names, messages, persons, branch names) is raw bytes:
 * these helpers never re-encode lossily. Decoding to text happens only at the edges.
 *
 * @module
 */

import { Buffer } from 'node:buffer'

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true })

const HEX = '0123456789abcdef'
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!)

/** Lowercase hexadecimal of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  // Native encoding: one flat string (a concatenation of pairs makes a rope that every later
  // hash or comparison must flatten, which showed in fsck's lookups of millions of ids).
  if (bytes.length >= 8)
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]!]
  return out
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  return -1
}

/**
 * Bytes of a hexadecimal string (either case). Throws a `SyntaxError` on odd length or a
 * non-hex character: callers validate user input before calling this.
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new SyntaxError(`Odd-length hex string "${hex}"`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i))
    const lo = hexDigit(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new SyntaxError(`Invalid hex string "${hex}"`)
    out[i] = (hi << 4) | lo
  }
  return out
}

/** Value of each lowercase hexadecimal digit by character code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i

/**
 * Writes the 20 bytes of `hex`, a SHA-1 as 40 lowercase hexadecimal digits, into `out` at
 * `offset`, without allocating; false (bytes written so far left as they are) when `hex` is
 * not one. For writers of many ids into one buffer.
 */
export function writeSha1Hex(out: Uint8Array, offset: number, hex: string): boolean {
  if (hex.length !== 40) return false
  for (let i = 0; i < 20; i++) {
    const hi = HEX_VALUE[hex.charCodeAt(2 * i)] ?? -1
    const lo = HEX_VALUE[hex.charCodeAt(2 * i + 1)] ?? -1
    if (hi < 0 || lo < 0) return false
    out[offset + i] = (hi << 4) | lo
  }
  return true
}

/** True when `s` is exactly 40 lowercase hexadecimal digits (a SHA-1 as Arca writes it). */
export function isSha1Hex(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s)
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  // Short ASCII strings (keys, hex ids, numbers) are the common case in manifests: copying char
  // codes beats a TextEncoder call there.
  if (s.length <= 64) {
    const out = new Uint8Array(s.length)
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c > 0x7f) return encoder.encode(s)
      out[i] = c
    }
    return out
  }
  return encoder.encode(s)
}

/** The string of UTF-8 bytes, or `null` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes)
  } catch {
    return null
  }
}

/**
 * One char per byte (code points 0–255): a lossless, reversible text view of bytes that lets
 * regular expressions run over raw byte strings.
 */
export function latin1(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192))
  }
  return out
}

/** Inverse of {@link latin1}: each char code (must be < 256) becomes one byte. */
export function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

/** Concatenation of byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Unsigned bytewise comparison; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** True when both byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Index of the first occurrence of byte `value` in `bytes` at or after `from`, or -1. */
export function indexOfByte(bytes: Uint8Array, value: number, from = 0): number {
  return bytes.indexOf(value, from)
}

/**
 * Text for humans and JSON: valid UTF-8 is decoded; every byte of an invalid sequence is
 * written `\xNN`, as Software Heritage's Web API does. `ok` tells whether decoding was clean.
 */
export function decodeForDisplay(bytes: Uint8Array): { text: string; ok: boolean } {
  const direct = decodeUtf8(bytes)
  if (direct !== null) return { text: direct, ok: true }
  let text = ''
  let i = 0
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i)
    if (len > 0) {
      text += strictDecoder.decode(bytes.subarray(i, i + len))
      i += len
    } else {
      text += '\\x' + HEX_PAIRS[bytes[i]!]
      i += 1
    }
  }
  return { text, ok: false }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when it is invalid. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!
  if (c < 0x80) return 1
  let need: number
  let min: number
  if (c >= 0xc2 && c <= 0xdf) {
    need = 1
    min = 0x80
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 2
    min = 0x800
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3
    min = 0x10000
  } else return 0
  let cp = c & (0xff >> (need + 2))
  for (let k = 1; k <= need; k++) {
    const cc = b[i + k]
    if (cc === undefined || (cc & 0xc0) !== 0x80) return 0
    cp = (cp << 6) | (cc & 0x3f)
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0
  return need + 1
}
