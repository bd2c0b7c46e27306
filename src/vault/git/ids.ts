/**
 * A compact, append-only list of 20-byte object ids (20 bytes each, not ~100 for a hex string):
 * what a pack plan holds, so planning a pack of millions of objects stays within its memory.
 *
 * @module
 */

import { toHex } from '../../model/index.js'

/** Ids in the order they were added. */
export class IdList {
  #buf = new Uint8Array(20 * 256)
  #size = 0

  get size(): number {
    return this.#size
  }

  /** Appends an id (40 lowercase hex digits). */
  push(hex: string): void {
    if ((this.#size + 1) * 20 > this.#buf.length) {
      const next = new Uint8Array(this.#buf.length * 2)
      next.set(this.#buf)
      this.#buf = next
    }
    const o = this.#size * 20
    for (let i = 0; i < 20; i++) {
      const hi = hex.charCodeAt(2 * i)
      const lo = hex.charCodeAt(2 * i + 1)
      this.#buf[o + i] = ((hi > 57 ? hi - 87 : hi - 48) << 4) | (lo > 57 ? lo - 87 : lo - 48)
    }
    this.#size++
  }

  /** Appends the id whose 20 bytes start at `buf[at]`. */
  pushBytes(buf: Uint8Array, at: number): void {
    if ((this.#size + 1) * 20 > this.#buf.length) {
      const next = new Uint8Array(this.#buf.length * 2)
      next.set(this.#buf)
      this.#buf = next
    }
    this.#buf.set(buf.subarray(at, at + 20), this.#size * 20)
    this.#size++
  }

  /** The id at `index`, as hex. */
  at(index: number): string {
    return toHex(this.#buf.subarray(index * 20, index * 20 + 20))
  }

  /** The ids as hex, `size` at a time, from index `from`. */
  *chunks(size: number, from = 0): Generator<string[]> {
    for (let start = from; start < this.#size; start += size) {
      const end = Math.min(this.#size, start + size)
      const out: string[] = []
      for (let i = start; i < end; i++) out.push(this.at(i))
      yield out
    }
  }
}
