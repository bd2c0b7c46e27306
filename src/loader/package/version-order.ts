/**
 * Loose version order, after Python's `looseversion.LooseVersion2` (what SWH's package loaders
 * sort versions and pick the default one with): a version is a list of numbers and letter
 * runs, compared item by item, numbers numerically and before letters.
 *
 * @module
 */

function parts(v: string): (number | string)[] {
  return (v.match(/\d+|[a-z]+|\./gi) ?? [])
    .filter((p) => p !== '.')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

/** Compares two versions loosely (negative, zero, positive). */
export function compareLooseVersions(a: string, b: string): number {
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!
    const y = pb[i]!
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x - y
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0)
}

/** The greatest of `versions` by loose order, or null for none. */
export function latestVersion(versions: readonly string[]): string | null {
  return versions.reduce<string | null>(
    (m, v) => (m === null || compareLooseVersions(v, m) > 0 ? v : m),
    null,
  )
}
