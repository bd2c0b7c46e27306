/**
 * Deltas in a clone's pack, with bases chosen from what the walk knows: a file is sent as a
 * delta of the version of the same path the pack sent just before it (the walk goes from the
 * newest commits to the oldest, so that is usually the next newer version). `git daemon` sends
 * the deltas its own pack holds; without these, every version of every file was compressed anew
 * and sent whole (for expressjs/express, 147 MB of blobs, 56 MB of pack, against 9.6 MB).
 *
 * The plan picks the bases ({@link DeltaBases}: by path, chains at most {@link MAX_DEPTH}
 * long, as git's own `pack.depth`); the pack writer keeps the bases it still needs
 * (`delta-writer.ts`); the deflate pool's worker makes the delta ({@link DELTA_SOURCE},
 * gitformat-pack's "Deltified representation") and compresses it.
 *
 * @module
 */

/** Longest chain of deltas (a base's base's …), git's default `pack.depth`. */
export const MAX_DEPTH = 50

/**
 * Delta bases of a plan's blobs, by their index in the plan: the previous blob of the plan at
 * the same path, and for each blob the last index using it as a base (when the writer may drop
 * it).
 */
export class DeltaBases {
  // base index + 1 (0: none), last user index + 1 (0: none), chain depth.
  #base = new Int32Array(1024)
  #lastUse = new Int32Array(1024)
  #depth = new Uint8Array(1024)
  readonly #atPath = new Map<string, number>()
  #count = 0

  #grow(index: number): void {
    if (index < this.#base.length) return
    let n = this.#base.length
    while (n <= index) n *= 2
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.#base = grow(this.#base, (k) => new Int32Array(k))
    this.#lastUse = grow(this.#lastUse, (k) => new Int32Array(k))
    this.#depth = grow(this.#depth, (k) => new Uint8Array(k))
  }

  /** Records the blob at `index` of the plan, found at `path` (null: no path, no base). */
  add(index: number, path: string | null): void {
    this.#grow(index)
    this.#count = Math.max(this.#count, index + 1)
    if (path === null) return
    const base = this.#atPath.get(path)
    this.#atPath.set(path, index)
    if (base === undefined || this.#depth[base]! >= MAX_DEPTH) return
    this.#base[index] = base + 1
    this.#depth[index] = this.#depth[base]! + 1
    this.#lastUse[base] = index + 1
  }

  /** Forgets the paths (once the walk is over: only the links are needed). */
  doneWalking(): void {
    this.#atPath.clear()
  }

  /** The index of the base chosen for blob `index`, or -1. */
  baseOf(index: number): number {
    return index < this.#count ? this.#base[index]! - 1 : -1
  }

  /** The last blob index that uses blob `index` as its base, or -1. */
  lastUseOf(index: number): number {
    return index < this.#count ? this.#lastUse[index]! - 1 : -1
  }
}

/** Bytes of bases the pack writer keeps at once (beyond it, blobs go whole). */
export const BASE_BUDGET = 16 * 1024 * 1024

/**
 * The delta encoder, run on the deflate pool's workers (plain JavaScript, evaluated there):
 * `makeDelta(base, target)` gives the delta of `target` against `base` (gitformat-pack:
 * both sizes, then copy and insert instructions), or null when it would not be much smaller
 * than `target` (at most 3/4 of it).
 *
 * It copies the longest common prefix and suffix, and in between the runs of at least 16 bytes
 * found in the base: the base's blocks of 16 bytes (at every 16th offset) go into a hash table
 * (the last of equal hashes kept), the target is scanned with a rolling hash of 16 bytes, a
 * block found is checked byte by byte, then extended forwards and backwards. Copies are at
 * most 0x10000 bytes (a size of 0 meaning 0x10000) and inserts at most 127, as git's own
 * encoder makes them.
 */
export const DELTA_SOURCE = String.raw`
const DW = 16
const DB = 0x01000193
let DBW = 1
for (let k = 1; k < DW; k++) DBW = Math.imul(DBW, DB)
let dtable = new Int32Array(1 << 10)
let dscratch = Buffer.allocUnsafe(1 << 16)
function dhash(buf, at) {
  let h = 0
  for (let k = 0; k < DW; k++) h = (Math.imul(h, DB) + buf[at + k]) | 0
  return h
}
function dslot(h, shift) {
  return Math.imul(h, 0x9e3779b1) >>> shift
}
// The length of the equal run of Buffers a from ai and b from bi (backwards from before them
// when back), at most max. A native comparison's call (Buffer#compare with ranges: no view made
// per comparison, whose garbage grew the worker's young generation) costs as much as a few
// hundred bytes compared one by one, so: the first DBYTES bytes one by one (most candidates of
// the scan end within 32), then blocks compared natively, four times larger while equal (from
// DBLOCK), and once one differs a binary search of it down to DBLOCK, then bytes again.
const DBYTES = 256
const DBLOCK = 256
function drun(a, ai, b, bi, max, back) {
  let len = 0
  const first = Math.min(max, DBYTES)
  if (back) while (len < first && a[ai - len - 1] === b[bi - len - 1]) len++
  else while (len < first && a[ai + len] === b[bi + len]) len++
  if (len < first) return len
  let block = DBLOCK * 2
  let growing = true
  while (len < max) {
    const k = Math.min(block, max - len)
    const eq = back
      ? a.compare(b, bi - len - k, bi - len, ai - len - k, ai - len) === 0
      : a.compare(b, bi + len, bi + len + k, ai + len, ai + len + k) === 0
    if (eq) {
      len += k
      if (growing) block = Math.min(block * 4, 1 << 20)
    } else if (k <= DBLOCK) break
    else {
      growing = false
      block = k >>> 1
    }
  }
  if (back) while (len < max && a[ai - len - 1] === b[bi - len - 1]) len++
  else while (len < max && a[ai + len] === b[bi + len]) len++
  return len
}
function makeDelta(baseBytes, targetBytes) {
  const base = Buffer.from(baseBytes.buffer, baseBytes.byteOffset, baseBytes.length)
  const target = Buffer.from(targetBytes.buffer, targetBytes.byteOffset, targetBytes.length)
  const bl = base.length
  const tl = target.length
  const limit = (tl * 3) >>> 2
  if (limit < 32) return null
  if (dscratch.length < limit + 32) dscratch = Buffer.allocUnsafe(limit + 32)
  const out = dscratch // the delta is a view of it, valid until the next call
  let o = 0
  const varint = (n) => {
    while (n >= 0x80) {
      out[o++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    out[o++] = n
  }
  // false when the delta grows past the limit
  const copy = (off, len) => {
    while (len > 0) {
      if (o + 8 > limit) return false
      const n = Math.min(0x10000, len)
      const at = o++
      let op = 0x80
      for (let k = 0; k < 4; k++) {
        const b = (off >>> (8 * k)) & 0xff
        if (b) { op |= 1 << k; out[o++] = b }
      }
      const size = n & 0xffff
      for (let k = 0; k < 2; k++) {
        const b = (size >>> (8 * k)) & 0xff
        if (b) { op |= 0x10 << k; out[o++] = b }
      }
      out[at] = op
      off += n
      len -= n
    }
    return true
  }
  const insert = (from, to) => {
    while (from < to) {
      const n = Math.min(127, to - from)
      if (o + 1 + n > limit) return false
      out[o++] = n
      target.copy(out, o, from, from + n)
      o += n
      from += n
    }
    return true
  }
  varint(bl)
  varint(tl)
  const n = Math.min(bl, tl)
  const p = drun(base, 0, target, 0, n, false)
  const s = drun(base, bl, target, tl, n - p, true)
  if (!copy(0, p)) return null
  const tEnd = tl - s
  let pending = p
  const blocks = Math.floor(bl / DW)
  if (tEnd - p >= DW && blocks > 0) {
    let bits = 10
    while (1 << bits < blocks * 2) bits++
    const shift = 32 - bits
    if (dtable.length < 1 << bits) dtable = new Int32Array(1 << bits)
    dtable.fill(-1, 0, 1 << bits)
    for (let b = 0; b < blocks; b++) {
      const at = b * DW
      dtable[dslot(dhash(base, at), shift)] = at
    }
    let i = p
    let h = dhash(target, i)
    while (i + DW <= tEnd) {
      const c = dtable[dslot(h, shift)]
      if (c >= 0 && base[c] === target[i] && base[c + DW - 1] === target[i + DW - 1]) {
        const len = drun(base, c, target, i, Math.min(bl - c, tEnd - i), false)
        if (len >= DW) {
          let back = 0
          while (i - back > pending && c - back > 0 && base[c - back - 1] === target[i - back - 1]) back++
          if (!insert(pending, i - back) || !copy(c - back, len + back)) return null
          i += len
          pending = i
          if (i + DW <= tEnd) h = dhash(target, i)
          continue
        }
      }
      if (i + DW < tEnd) h = (Math.imul(h - Math.imul(target[i], DBW), DB) + target[i + DW]) | 0
      i++
    }
  }
  if (!insert(pending, tEnd) || !copy(bl - s, s)) return null
  return out.subarray(0, o)
}
`

/** The entry type codes of deltas (gitformat-pack). */
export const OFS_DELTA = 6
export const REF_DELTA = 7

/**
 * The distance back to an `OFS_DELTA`'s base, as gitformat-pack encodes it (big-endian 7-bit
 * groups, each continued group one less, so that no two encodings mean the same distance).
 */
export function ofsDistance(distance: number): Uint8Array {
  const out = [distance & 0x7f]
  let n = Math.floor(distance / 128)
  while (n > 0) {
    n -= 1
    out.unshift(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  return Uint8Array.from(out)
}
