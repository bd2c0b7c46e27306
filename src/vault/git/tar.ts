/**
 * A small POSIX ustar writer for bundles whose names are known and short (a bare repository's
 * files): 512-byte headers, a path split into prefix and name, sizes in octal or base-256, and
 * the two zero blocks at the end. Names are checked to be relative and free of `..`, so what
 * is unpacked stays inside the directory it is unpacked in.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'

const BLOCK = 512

function putString(out: Buffer, at: number, length: number, value: Buffer): void {
  if (value.length > length) throw new InvalidInputError('Tar field too long')
  value.copy(out, at)
}

function putOctal(out: Buffer, at: number, length: number, value: number): void {
  const text = value.toString(8)
  if (text.length < length) {
    out.write(text.padStart(length - 1, '0') + '\0', at, 'latin1')
    return
  }
  // base-256 (GNU): the high bit of the first byte set, the number big-endian.
  out.fill(0, at, at + length)
  out[at] = 0x80
  let v = BigInt(value)
  for (let i = at + length - 1; i > at && v > 0n; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
}

/** The header block of an entry. */
export function tarHeader(
  path: string,
  entry: { readonly type: 'file' | 'dir'; readonly size: number; readonly mode: number },
  mtime = 0,
): Buffer {
  const full = entry.type === 'dir' && !path.endsWith('/') ? path + '/' : path
  if (full.startsWith('/') || full.split('/').includes('..')) {
    throw new InvalidInputError(`Unsafe tar path ${JSON.stringify(path)}`)
  }
  const bytes = Buffer.from(full, 'utf8')
  let prefix = Buffer.alloc(0)
  let name = bytes
  if (bytes.length > 100) {
    // Split at a slash so that the name fits 100 bytes and the prefix 155.
    const trimmed = full.endsWith('/') ? full.slice(0, -1) : full
    const cut = trimmed.lastIndexOf('/', trimmed.length - 1)
    prefix = Buffer.from(trimmed.slice(0, cut), 'utf8')
    name = Buffer.from(full.slice(cut + 1), 'utf8')
    if (cut < 0 || prefix.length > 155 || name.length > 100) {
      throw new InvalidInputError(`Tar path too long: ${JSON.stringify(path)}`)
    }
  }
  const h = Buffer.alloc(BLOCK)
  putString(h, 0, 100, name)
  putOctal(h, 100, 8, entry.mode)
  putOctal(h, 108, 8, 0)
  putOctal(h, 116, 8, 0)
  putOctal(h, 124, 12, entry.type === 'dir' ? 0 : entry.size)
  putOctal(h, 136, 12, mtime)
  h.fill(0x20, 148, 156)
  h[156] = entry.type === 'dir' ? 0x35 : 0x30
  h.write('ustar\x0000', 257, 'latin1')
  putString(h, 345, 155, prefix)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += h[i]!
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return h
}

/** Zero bytes completing an entry of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest)
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * BLOCK)
}
