/**
 * Nix's base-32 (the digits `0-9a-z` without `e o u t`, least significant first), in which Nix
 * and Guix write hashes (`sha256-…`, `(base32 "…")`).
 *
 * @module
 */

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz'

/** A hash in Nix's base-32 (as Guix writes `(sha256 (base32 "…"))`), from hex. */
export function nixBase32(hex: string): string {
  const bytes = Buffer.from(hex, 'hex')
  const len = Math.ceil((bytes.length * 8) / 5)
  let out = ''
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5
    const i = Math.floor(b / 8)
    const j = b % 8
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0)
    out += NIX32[c & 0x1f]
  }
  return out
}

/** Hex from Nix's base-32; null when `s` is not one. */
export function fromNixBase32(s: string): string | null {
  const bytes = Buffer.alloc(Math.floor((s.length * 5) / 8))
  for (let n = 0; n < s.length; n++) {
    const digit = NIX32.indexOf(s[s.length - n - 1]!)
    if (digit < 0) return null
    const b = n * 5
    const i = Math.floor(b / 8)
    const j = b % 8
    bytes[i]! |= (digit << j) & 0xff
    if (i + 1 < bytes.length) bytes[i + 1]! |= digit >> (8 - j)
    else if (digit >> (8 - j)) return null
  }
  return bytes.toString('hex')
}
