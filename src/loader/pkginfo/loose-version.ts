/**
 * Version order of Software Heritage's package loaders (`looseversion.LooseVersion2`): a
 * version splits into runs of digits (compared as numbers), runs of letters and other
 * characters between them (compared as text), dots dropped; where a number meets text, the number sorts
 * first.
 *
 * @module
 */

type Part = number | string

function parts(v: string): Part[] {
  // LooseVersion splits on its component pattern and keeps what lies between the matches too
  // ("1.0-1" → 1, 0, "-", 1), dropping empty pieces and dots
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((t) => t !== '' && t !== '.')
    .map((t) => (/^\d+$/.test(t) ? Number(t) : t))
}

function comparePart(a: Part, b: Part): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0
  return typeof a === 'number' ? -1 : 1
}

/**
 * Compares two versions in LooseVersion2 order.
 *
 * @example
 * ```ts
 * ['1.10.0', '1.9.2'].sort(compareLooseVersion) // ['1.9.2', '1.10.0']
 * ```
 */
export function compareLooseVersion(a: string, b: string): number {
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = comparePart(pa[i]!, pb[i]!)
    if (c !== 0) return c
  }
  return pa.length - pb.length
}
