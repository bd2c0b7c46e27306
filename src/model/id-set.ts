/**
 * A set of 20-byte object ids in one flat array (open addressing, linear probing): about 40
 * bytes per id instead of ~100 for a `Set` of hex strings, so loaders and integrity checks can
 * remember millions of objects within their memory bound. Ids are given as hex or as 20 bytes
 * inside a larger buffer (no copy, no string).
 *
 * @module
 */

/**
 * Set of SHA-1 ids.
 *
 * @example
 * ```ts
 * const seen = new IdSet()
 * seen.add('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
 * seen.has('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391') // true
 * ```
 */
export class IdSet {
  #keys: Uint8Array
  #used: Uint8Array
  #capacity: number
  #size = 0
  readonly #key = new Uint8Array(20)

  constructor(initialCapacity = 1024) {
    let c = 16
    while (c < initialCapacity * 2) c *= 2
    this.#capacity = c
    this.#keys = new Uint8Array(c * 20)
    this.#used = new Uint8Array(c)
  }

  get size(): number {
    return this.#size
  }

  static #bytes(hex: string, out: Uint8Array): void {
    for (let i = 0; i < 20; i++) {
      const hi = hex.charCodeAt(2 * i)
      const lo = hex.charCodeAt(2 * i + 1)
      out[i] = ((hi > 57 ? hi - 87 : hi - 48) << 4) | (lo > 57 ? lo - 87 : lo - 48)
    }
  }

  /** The slot of the id at `key[at…at+20]`: its index if present, else -(free index) - 1. */
  #slot(key: Uint8Array, at: number): number {
    const mask = this.#capacity - 1
    let i = ((key[at]! << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!) & mask
    const keys = this.#keys
    for (;;) {
      if (this.#used[i] === 0) return -i - 1
      const o = i * 20
      let k = 0
      while (k < 20 && keys[o + k] === key[at + k]) k++
      if (k === 20) return i
      i = (i + 1) & mask
    }
  }

  has(hex: string): boolean {
    IdSet.#bytes(hex, this.#key)
    return this.#slot(this.#key, 0) >= 0
  }

  /** Whether the id whose 20 bytes start at `buf[at]` is in the set. */
  hasBytes(buf: Uint8Array, at = 0): boolean {
    return this.#slot(buf, at) >= 0
  }

  /** Adds `hex`; returns false when it was already there. */
  add(hex: string): boolean {
    IdSet.#bytes(hex, this.#key)
    return this.addBytes(this.#key, 0)
  }

  /** Adds the id whose 20 bytes start at `buf[at]`; returns false when it was already there. */
  addBytes(buf: Uint8Array, at = 0): boolean {
    if ((this.#size + 1) * 2 > this.#capacity) this.#grow()
    const s = this.#slot(buf, at)
    if (s >= 0) return false
    const index = -s - 1
    const keys = this.#keys
    const o = index * 20
    for (let k = 0; k < 20; k++) keys[o + k] = buf[at + k]!
    this.#used[index] = 1
    this.#size++
    return true
  }

  #grow(): void {
    const oldKeys = this.#keys
    const oldUsed = this.#used
    const oldCap = this.#capacity
    this.#capacity *= 2
    this.#keys = new Uint8Array(this.#capacity * 20)
    this.#used = new Uint8Array(this.#capacity)
    for (let i = 0; i < oldCap; i++) {
      if (oldUsed[i] === 0) continue
      const index = -this.#slot(oldKeys, i * 20) - 1
      for (let k = 0; k < 20; k++) this.#keys[index * 20 + k] = oldKeys[i * 20 + k]!
      this.#used[index] = 1
    }
  }
}
