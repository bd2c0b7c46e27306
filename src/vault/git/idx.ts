/**
 * The index of a pack (`.idx`, version 2), as `git index-pack` writes it: a fan-out table of
 * the first id bytes, the sorted ids, their CRC-32s, their offsets (31 bits, larger ones in a
 * table of 64-bit offsets), the pack's checksum, and the index's own SHA-1.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import type { PackEntry } from './pack.js'

/** Collects the entries of a pack in compact arrays (28 bytes per object). */
export class PackIndexBuilder {
  #ids = new Uint8Array(20 * 1024)
  #offsets = new Float64Array(1024)
  #crcs = new Uint32Array(1024)
  #size = 0

  get size(): number {
    return this.#size
  }

  add(entry: PackEntry): void {
    if (this.#size === this.#crcs.length) {
      const ids = new Uint8Array(this.#ids.length * 2)
      ids.set(this.#ids)
      this.#ids = ids
      const offsets = new Float64Array(this.#offsets.length * 2)
      offsets.set(this.#offsets)
      this.#offsets = offsets
      const crcs = new Uint32Array(this.#crcs.length * 2)
      crcs.set(this.#crcs)
      this.#crcs = crcs
    }
    this.#ids.set(Buffer.from(entry.id, 'hex'), this.#size * 20)
    this.#offsets[this.#size] = entry.offset
    this.#crcs[this.#size] = entry.crc32 >>> 0
    this.#size++
  }

  /** The `.idx` bytes, given the pack's 20-byte checksum. */
  build(packChecksum: Uint8Array): Buffer {
    const n = this.#size
    const ids = Buffer.from(this.#ids.buffer, this.#ids.byteOffset, n * 20)
    const order = Array.from({ length: n }, (_, i) => i)
    order.sort((a, b) => ids.compare(ids, b * 20, b * 20 + 20, a * 20, a * 20 + 20))
    const large = order.filter((i) => this.#offsets[i]! >= 0x80000000).length
    const out = Buffer.alloc(8 + 256 * 4 + n * 28 + large * 8 + 40)
    out.writeUInt32BE(0xff744f63, 0)
    out.writeUInt32BE(2, 4)
    const fanout = new Uint32Array(256)
    for (let i = 0; i < n; i++) fanout[ids[i * 20]!]!++
    let acc = 0
    for (let b = 0; b < 256; b++) {
      acc += fanout[b]!
      out.writeUInt32BE(acc, 8 + b * 4)
    }
    let o = 8 + 1024
    for (const i of order) {
      ids.copy(out, o, i * 20, i * 20 + 20)
      o += 20
    }
    for (const i of order) {
      out.writeUInt32BE(this.#crcs[i]!, o)
      o += 4
    }
    let next = 0
    const bigStart = o + n * 4
    for (const i of order) {
      const off = this.#offsets[i]!
      if (off < 0x80000000) out.writeUInt32BE(off, o)
      else {
        out.writeUInt32BE((0x80000000 | next) >>> 0, o)
        out.writeBigUInt64BE(BigInt(off), bigStart + next * 8)
        next++
      }
      o += 4
    }
    o = bigStart + large * 8
    out.set(packChecksum, o)
    o += 20
    createHash('sha1').update(out.subarray(0, o)).digest().copy(out, o)
    return out
  }
}
