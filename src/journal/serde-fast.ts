/**
 * A direct msgpack writer for directory records, the journal's most frequent and largest kind:
 * it writes the bytes the generic coder (`serde-codec.ts`) writes for the dict of
 * `serde-encode.ts` (same key order, the same smallest header for each string, binary, array,
 * map and integer), without building the dict first. Profiles of `bench:storage` showed the
 * generic path (one object per entry, hex decoded in JavaScript, the coder's type dispatch) as
 * the largest single cost of adding directories.
 *
 * Anything it does not expect (a permission outside 0…2^32-1, a name that is not a byte array,
 * a target that is not 40 hex digits) makes it answer null; the caller then uses the generic
 * coder, which keeps its own behaviour for such input.
 *
 * @module
 */

import { type Directory, writeSha1Hex as writeId } from '../model/index.js'

const K_ID = Buffer.from([0xa2, ...Buffer.from('id')])
const K_ENTRIES = Buffer.from([0xa7, ...Buffer.from('entries')])
const K_RAW = Buffer.from([0xac, ...Buffer.from('raw_manifest')])
const K_NAME = Buffer.from([0xa4, ...Buffer.from('name')])
const K_TYPE = Buffer.from([0xa4, ...Buffer.from('type')])
const K_TARGET = Buffer.from([0xa6, ...Buffer.from('target')])
const K_PERMS = Buffer.from([0xa5, ...Buffer.from('perms')])
const TYPE_STR: Readonly<Record<string, Buffer>> = {
  file: Buffer.from([0xa4, ...Buffer.from('file')]),
  dir: Buffer.from([0xa3, ...Buffer.from('dir')]),
  rev: Buffer.from([0xa3, ...Buffer.from('rev')]),
}

function binHeaderSize(n: number): number {
  return n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

function uintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

/**
 * The msgpack value of the journal record of `d` (what `packr.pack(toDict('directory', d))`
 * gives), or null when `d` holds something this writer leaves to the generic coder.
 */
export function packDirectoryRecord(d: Directory): Uint8Array | null {
  const raw = d.rawManifest
  if (raw !== null && !(raw instanceof Uint8Array)) return null
  const n = d.entries.length
  // Sizes first: one allocation of the exact length.
  let size = 1 + K_ID.length + 2 + 20 + K_ENTRIES.length + (n < 16 ? 1 : n < 0x10000 ? 3 : 5)
  size += K_RAW.length + (raw === null ? 1 : binHeaderSize(raw.length) + raw.length)
  for (const e of d.entries) {
    const type = TYPE_STR[e.type]
    const p = e.perms
    if (
      type === undefined ||
      !(e.name instanceof Uint8Array) ||
      !Number.isInteger(p) ||
      p < 0 ||
      p > 0xffffffff
    )
      return null
    size += 1 + K_NAME.length + binHeaderSize(e.name.length) + e.name.length
    size += K_TYPE.length + type.length + K_TARGET.length + 22 + K_PERMS.length + uintSize(p)
  }
  const out = Buffer.allocUnsafeSlow(size)
  let o = 0
  const put = (b: Uint8Array): void => {
    if (b.length > 16) out.set(b, o)
    else for (let i = 0; i < b.length; i++) out[o + i] = b[i]!
    o += b.length
  }
  const bin = (b: Uint8Array): void => {
    const len = b.length
    if (len < 0x100) {
      out[o++] = 0xc4
      out[o++] = len
    } else if (len < 0x10000) {
      out[o++] = 0xc5
      out.writeUInt16BE(len, o)
      o += 2
    } else {
      out[o++] = 0xc6
      out.writeUInt32BE(len, o)
      o += 4
    }
    put(b)
  }
  // Ids are checked while written: a malformed one leaves the record to the generic coder.
  let idsOk = true
  const id20 = (hex: string): void => {
    out[o++] = 0xc4
    out[o++] = 20
    idsOk = writeId(out, o, hex) && idsOk
    o += 20
  }
  out[o++] = 0x83
  put(K_ID)
  id20(d.id)
  put(K_ENTRIES)
  if (n < 16) out[o++] = 0x90 + n
  else if (n < 0x10000) {
    out[o++] = 0xdc
    out.writeUInt16BE(n, o)
    o += 2
  } else {
    out[o++] = 0xdd
    out.writeUInt32BE(n, o)
    o += 4
  }
  for (const e of d.entries) {
    out[o++] = 0x84
    put(K_NAME)
    bin(e.name)
    put(K_TYPE)
    put(TYPE_STR[e.type]!)
    put(K_TARGET)
    id20(e.target)
    put(K_PERMS)
    const p = e.perms
    if (p < 0x80) out[o++] = p
    else if (p < 0x100) {
      out[o++] = 0xcc
      out[o++] = p
    } else if (p < 0x10000) {
      out[o++] = 0xcd
      out.writeUInt16BE(p, o)
      o += 2
    } else {
      out[o++] = 0xce
      out.writeUInt32BE(p, o)
      o += 4
    }
  }
  put(K_RAW)
  if (raw === null) out[o++] = 0xc0
  else bin(raw)
  return idsOk ? out : null
}
