/**
 * Compact binary encodings of variable-length parts of objects, shared by the SQL backends:
 * directory entries (one blob per directory, like a git tree but lossless for the model's
 * explicit entry type), revision parents and extra headers.
 *
 * Storing a directory's entries in one row keeps directories as cheap to write and read as git
 * trees (a billion-entry archive does not need a billion-row entries table) at the cost of
 * parsing a blob per lookup; entry lookup by path walks one row per path component.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import {
  type DirectoryEntry,
  type EntryType,
  type ExtraHeader,
  fromHex,
  toHex,
  writeSha1Hex,
} from '../model/index.js'

const TYPE_CODE: Readonly<Record<EntryType, number>> = { file: 0, dir: 1, rev: 2 }
const CODE_TYPE: readonly EntryType[] = ['file', 'dir', 'rev']

/** `[type u8][perms u32][nameLength u32][name][target 20]` per entry, big-endian. */
export function packEntries(entries: readonly DirectoryEntry[]): Uint8Array {
  let size = 0
  for (const e of entries) size += 9 + e.name.length + 20
  const out = Buffer.allocUnsafe(size)
  let o = 0
  for (const e of entries) {
    out[o] = TYPE_CODE[e.type]
    out.writeUInt32BE(e.perms >>> 0, o + 1)
    out.writeUInt32BE(e.name.length, o + 5)
    out.set(e.name, o + 9)
    o += 9 + e.name.length
    // Written in place (a fresh array per target showed in profiles); a target that is not 40
    // hex digits fails as fromHex fails.
    if (!writeSha1Hex(out, o, e.target)) {
      const bytes = fromHex(e.target)
      if (bytes.length !== 20) throw new SyntaxError(`Invalid hex string "${e.target}"`)
      out.set(bytes, o)
    }
    o += 20
  }
  return out
}

/** Entry kinds as packed: 0 file, 1 dir, 2 rev. */
export const PACKED_FILE = 0
export const PACKED_DIR = 1

/**
 * Visits the entries of a packed blob without decoding them: `fn(code, nameStart, nameEnd,
 * targetStart, perms)` with offsets into `blob` (code: {@link PACKED_FILE}, {@link PACKED_DIR},
 * 2 for rev). False when the blob is malformed.
 */
export function forEachPackedEntry(
  blob: Uint8Array,
  fn: (code: number, nameStart: number, nameEnd: number, target: number, perms: number) => void,
): boolean {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  let o = 0
  while (o < blob.length) {
    if (o + 9 > blob.length || blob[o]! > 2) return false
    const perms = view.getUint32(o + 1)
    const nameEnd = o + 9 + view.getUint32(o + 5)
    if (nameEnd + 20 > blob.length) return false
    fn(blob[o]!, o + 9, nameEnd, nameEnd, perms)
    o = nameEnd + 20
  }
  return true
}

const PERMS_TEXT = new Map<number, Uint8Array>()
function permsText(perms: number): Uint8Array {
  let t = PERMS_TEXT.get(perms)
  if (!t) {
    t = Buffer.from(perms.toString(8) + ' ', 'latin1')
    if (PERMS_TEXT.size < 1024) PERMS_TEXT.set(perms, t)
  }
  return t
}

/**
 * The git tree manifest (header included) of packed entries, built straight from the blob:
 * what `directoryManifest` gives for the decoded entries, at a fraction of the cost. Null when
 * the blob is malformed or its entries are not in manifest order (the caller then decodes and
 * checks the slow way, which sorts).
 */
export function packedDirectoryManifest(blob: Uint8Array): Uint8Array | null {
  let size = 0
  let sorted = true
  let prevStart = -1
  let prevEnd = -1
  let prevDir = false
  const ok = forEachPackedEntry(blob, (code, ns, ne, _t, perms) => {
    size += permsText(perms).length + (ne - ns) + 21
    const dir = code === PACKED_DIR
    if (
      prevStart >= 0 &&
      sorted &&
      compareSortKeys(blob, prevStart, prevEnd, prevDir, ns, ne, dir) >= 0
    )
      sorted = false
    prevStart = ns
    prevEnd = ne
    prevDir = dir
  })
  if (!ok || !sorted) return null
  const header = Buffer.from(`tree ${size}\0`, 'latin1')
  const out = Buffer.allocUnsafe(header.length + size)
  header.copy(out, 0)
  let o = header.length
  // Byte loops, not `set(subarray(…))`: names and targets are short, and a view per piece
  // was a third of a directory check's time in fsck profiles.
  forEachPackedEntry(blob, (_c, ns, ne, t, perms) => {
    const p = permsText(perms)
    for (let i = 0; i < p.length; i++) out[o++] = p[i]!
    for (let i = ns; i < ne; i++) out[o++] = blob[i]!
    out[o++] = 0
    for (let i = t; i < t + 20; i++) out[o++] = blob[i]!
  })
  return out
}

/** Compares two names in manifest order (a directory's name sorts as if followed by `/`). */
function compareSortKeys(
  b: Uint8Array,
  as: number,
  ae: number,
  aDir: boolean,
  bs: number,
  be: number,
  bDir: boolean,
): number {
  const al = ae - as + (aDir ? 1 : 0)
  const bl = be - bs + (bDir ? 1 : 0)
  const n = Math.min(al, bl)
  for (let i = 0; i < n; i++) {
    const x = as + i < ae ? b[as + i]! : 0x2f
    const y = bs + i < be ? b[bs + i]! : 0x2f
    if (x !== y) return x - y
  }
  return al - bl
}

/** Inverse of {@link packEntries}. */
export function unpackEntries(blob: Uint8Array): DirectoryEntry[] {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  const out: DirectoryEntry[] = []
  let o = 0
  while (o < b.length) {
    const type = CODE_TYPE[b[o]!]
    if (type === undefined || o + 9 > b.length)
      throw new CorruptError('Corrupt directory entries blob')
    const perms = b.readUInt32BE(o + 1)
    const len = b.readUInt32BE(o + 5)
    const nameEnd = o + 9 + len
    if (nameEnd + 20 > b.length) throw new CorruptError('Corrupt directory entries blob')
    out.push({
      type,
      perms,
      name: new Uint8Array(b.subarray(o + 9, nameEnd)),
      target: toHex(b.subarray(nameEnd, nameEnd + 20)),
    })
    o = nameEnd + 20
  }
  return out
}

/** Concatenated 20-byte ids. */
export function packIds(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * 20)
  ids.forEach((id, i) => out.set(fromHex(id), i * 20))
  return out
}

/** Inverse of {@link packIds}. */
export function unpackIds(blob: Uint8Array): string[] {
  const out: string[] = []
  for (let o = 0; o + 20 <= blob.length; o += 20) out.push(toHex(blob.subarray(o, o + 20)))
  return out
}

/** `[keyLength u32][key][valueLength u32][value]` per header. */
export function packHeaders(headers: readonly ExtraHeader[]): Uint8Array {
  let size = 0
  for (const [k, v] of headers) size += 8 + k.length + v.length
  const out = Buffer.allocUnsafe(size)
  let o = 0
  for (const [k, v] of headers) {
    out.writeUInt32BE(k.length, o)
    out.set(k, o + 4)
    o += 4 + k.length
    out.writeUInt32BE(v.length, o)
    out.set(v, o + 4)
    o += 4 + v.length
  }
  return out
}

/** Inverse of {@link packHeaders}. */
export function unpackHeaders(blob: Uint8Array): ExtraHeader[] {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  const out: ExtraHeader[] = []
  let o = 0
  while (o < b.length) {
    const kl = b.readUInt32BE(o)
    const k = new Uint8Array(b.subarray(o + 4, o + 4 + kl))
    o += 4 + kl
    const vl = b.readUInt32BE(o)
    const v = new Uint8Array(b.subarray(o + 4, o + 4 + vl))
    o += 4 + vl
    out.push([k, v])
  }
  return out
}

/** A plain Uint8Array copy (not a Buffer view of a driver's memory). */
export function plainBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b)
}
