/**
 * The files a code search has not walked when it stops walking in order (docs/code-search.md,
 * "How a query runs"): how many there are, and a sample of them spread over the whole rest, from
 * which the search estimates its total.
 *
 * The walk goes in result order (origins by URL, paths in byte order), and paths are not
 * uniform: on git/git the first megabytes after the page are `Documentation/`, where `return`
 * is rare and `the` is everywhere, so scaling the files found by the share walked was 2x off.
 * The sample instead takes the files in the order of an integer hash of their text's id and
 * their path's length (two multiply-xorshift rounds: a plain multiplicative hash of ids given
 * in tree order is a lattice, a systematic sample that aliases with the tree), so any prefix of
 * it is a pseudo-random sample of every directory and origin of the rest, the same on every
 * run. The rest's rows (origin, path, text id) are read to draw it, keeping at most twice
 * {@link CODE_SAMPLE_MAX} at a time.
 *
 * @module
 */

import type { CodeFile, CodeOrigin } from './code-hit.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { num, type Row } from './rows.js'
import { chunks, inList } from './statements.js'

/** Most files of the rest sampled (beyond, the sample is large enough). */
export const CODE_SAMPLE_MAX = 8192

/** The files not walked: how many, and a sample of them in spread order. */
export interface CodeRest {
  readonly count: number
  /** At most {@link CODE_SAMPLE_MAX} files; all of them when `count` is no more. */
  readonly sample: CodeFile[]
}

const MIX = 73244475 // 0x45d9f3b: an integer hash's multiplier

/** The spread order of a file: an unsigned 32-bit hash of its text id and path length. */
function spread(f: CodeFile): number {
  const round = (v: number): number => Math.imul((v ^ (v >>> 16)) >>> 0, MIX) >>> 0
  const y = round(round((f.blob + f.path.length * 40503) >>> 0))
  return (y ^ (y >>> 16)) >>> 0
}

/** The first {@link CODE_SAMPLE_MAX} of `keyed` in spread order. */
function firstSpread(keyed: { f: CodeFile; h: number }[]): { f: CodeFile; h: number }[] {
  keyed.sort(
    (x, y) => x.h - y.h || x.f.origin.id - y.f.origin.id || Buffer.compare(x.f.path, y.f.path),
  )
  return keyed.slice(0, CODE_SAMPLE_MAX)
}

/** The files of `files` from index `from` on. */
export function restOfList(files: readonly CodeFile[], from: number): CodeRest {
  const rest = files.slice(from)
  const sample = firstSpread(rest.map((f) => ({ f, h: spread(f) }))).map((x) => x.f)
  return { count: rest.length, sample }
}

/**
 * The files of `origins[at]` after path `after` (all of them when null), and of every origin
 * after it.
 */
export async function restOfOrigins(
  db: SqlExecutor,
  origins: readonly CodeOrigin[],
  at: number,
  after: Buffer | null,
): Promise<CodeRest> {
  const parts: { sql: string; params: SqlValue[] }[] = []
  const current = origins[at]
  if (current !== undefined)
    parts.push(
      after === null
        ? { sql: 'origin_id = ?', params: [current.id] }
        : { sql: '(origin_id = ? AND path > ?)', params: [current.id, after] },
    )
  for (const part of chunks(origins.slice(at + 1).map((o) => o.id)))
    parts.push({ sql: `origin_id IN ${inList(part.length)}`, params: part })
  const byId = new Map(origins.map((o) => [o.id, o]))
  let count = 0
  let keyed: { f: CodeFile; h: number }[] = []
  for (const p of parts) {
    const rows = await db.all<Row>(
      `SELECT origin_id, path, blob_id FROM code_file WHERE ${p.sql}`,
      p.params,
    )
    count += rows.length
    for (const r of rows) {
      const origin = byId.get(num(r['origin_id']))!
      const f = { origin, path: Buffer.from(r['path'] as Uint8Array), blob: num(r['blob_id']) }
      keyed.push({ f, h: spread(f) })
    }
    if (keyed.length > 2 * CODE_SAMPLE_MAX) keyed = firstSpread(keyed)
  }
  return { count, sample: firstSpread(keyed).map((x) => x.f) }
}
