/**
 * A set of 20-byte object ids in one flat array (open addressing, linear probing): about 40
 * bytes per id instead of ~100 for a `Set` of hex strings, so a loader can remember millions of
 * processed objects within its memory bound.
 *
 * @module
 */

/**
 * Set of hex SHA-1 ids.
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

  static #bytes(hex: string, out: Uint8Array, at: number): void {
    for (let i = 0; i < 20; i++) {
      const hi = hex.charCodeAt(2 * i)
      const lo = hex.charCodeAt(2 * i + 1)
      out[at + i] = ((hi > 57 ? hi - 87 : hi - 48) << 4) | (lo > 57 ? lo - 87 : lo - 48)
    }
  }

  #slot(key: Uint8Array): { index: number; found: boolean } {
    const mask = this.#capacity - 1
    let i = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) & mask
    for (;;) {
      if (this.#used[i] === 0) return { index: i, found: false }
      const at = i * 20
      let same = true
      for (let k = 0; k < 20; k++) {
        if (this.#keys[at + k] !== key[k]) {
          same = false
          break
        }
      }
      if (same) return { index: i, found: true }
      i = (i + 1) & mask
    }
  }

  #key = new Uint8Array(20)

  has(hex: string): boolean {
    IdSet.#bytes(hex, this.#key, 0)
    return this.#slot(this.#key).found
  }

  /** Adds `hex`; returns false when it was already there. */
  add(hex: string): boolean {
    if ((this.#size + 1) * 2 > this.#capacity) this.#grow()
    IdSet.#bytes(hex, this.#key, 0)
    const { index, found } = this.#slot(this.#key)
    if (found) return false
    this.#keys.set(this.#key, index * 20)
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
      const key = oldKeys.subarray(i * 20, i * 20 + 20)
      const { index } = this.#slot(key)
      this.#keys.set(key, index * 20)
      this.#used[index] = 1
    }
  }
}
