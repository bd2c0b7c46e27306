/**
 * The directory-entry reverse index of the graph API as posting lists (migration 19): one row of
 * `graph_dir_post` per entry target per write batch, `dirs` the 20-byte ids of the batch's
 * directories holding that target, sorted and each once, keyed by (target, first of `dirs`).
 * A file unchanged across the directory versions of one batch costs one row, not one per
 * version (migration 18 had a row per entry of every directory version).
 *
 * Every directory is in the lists of its targets exactly once: ingest indexes the directories it
 * adds (only the new ones) when the index is complete, or, while `arca graph reindex` runs, those
 * at or below its resume point (the reindex reaches the others); the transactions that write
 * the lists first lock the `directory` row of `graph_index` (PostgreSQL; SQLite writers are
 * serialised): ingests share it, reindex pages and removals take it alone, so neither of
 * those interleaves with anything that writes lists.
 *
 * @module
 */

import type { SqlExecutor, SqlValue } from './executor.js'
import { b, hex, num, type Row } from './rows.js'
import { inList } from './statements.js'

/**
 * Posting rows per read statement: a row holds up to a batch's directories (most hold a few,
 * those of a file in every directory of a large batch up to the batch's size).
 */
const PAGE = 512
/** Targets per read statement. */
const TARGETS = 400

/**
 * The directory part of `graph_index`, locked for the rest of the transaction (PostgreSQL):
 * `shared` by ingest, which only adds lists of new directories (ingests in several processes
 * then run side by side, a reindex page or a removal waits for them), exclusive by what rewrites
 * lists (reindex pages, removals).
 */
export async function lockDirectoryIndex(
  tx: SqlExecutor,
  mode: 'shared' | 'exclusive' = 'exclusive',
): Promise<{ complete: boolean; resume: string | null }> {
  const lock = tx.dialect !== 'postgres' ? '' : mode === 'shared' ? ' FOR SHARE' : ' FOR UPDATE'
  const rows = await tx.all<Row>(
    `SELECT complete, resume FROM graph_index WHERE name = 'directory'${lock}`,
  )
  const r = rows[0]
  if (!r) return { complete: true, resume: null }
  const resume = r['resume'] as Uint8Array | null | undefined
  return { complete: num(r['complete']) === 1, resume: resume ? hex(resume) : null }
}

/**
 * The posting rows of directories given in id order, each with its distinct entry targets:
 * lists come out sorted without sorting them.
 */
export function postingRows(
  dirs: readonly { readonly id: Uint8Array; readonly targets: Iterable<string> }[],
): SqlValue[][] {
  const lists = new Map<string, number[]>()
  dirs.forEach((d, i) => {
    for (const t of d.targets) {
      const list = lists.get(t)
      if (list) list.push(i)
      else lists.set(t, [i])
    }
  })
  const rows: SqlValue[][] = []
  for (const [t, list] of lists) {
    const packed = Buffer.allocUnsafe(list.length * 20)
    list.forEach((i, k) => packed.set(dirs[i]!.id, k * 20))
    rows.push([b(t), packed.subarray(0, 20), packed])
  }
  return rows
}

/** Inserts posting rows (existing keys cannot occur: a directory is in one list per target). */
export async function insertPostings(tx: SqlExecutor, rows: readonly SqlValue[][]): Promise<void> {
  // Rows carry whole lists: a statement of a few hundred of them stays small enough.
  for (let i = 0; i < rows.length; i += 300) {
    const part = rows.slice(i, i + 300)
    const got = await tx.all<Row>(
      `INSERT INTO graph_dir_post (target, first_dir, dirs) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
       ON CONFLICT (target, first_dir) DO NOTHING RETURNING target, first_dir`,
      part.flat(),
    )
    if (got.length === part.length) continue
    // A list with that key is there already: left by a directory row deleted behind the
    // index's back (lost, then given back by `arca repair`). Both lists are kept, as one.
    const inserted = new Set(got.map((r) => `${hex(r['target'])}${hex(r['first_dir'])}`))
    for (const [target, first, dirs] of part as [Uint8Array, Uint8Array, Uint8Array][]) {
      if (inserted.has(`${hex(target)}${hex(first)}`)) continue
      const [old] = await tx.all<Row>(
        'SELECT dirs FROM graph_dir_post WHERE target = ? AND first_dir = ?',
        [target, first],
      )
      await tx.run('UPDATE graph_dir_post SET dirs = ? WHERE target = ? AND first_dir = ?', [
        unionOf(old!['dirs'] as Uint8Array, dirs),
        target,
        first,
      ])
    }
  }
}

/** The union of two sorted packed lists of ids, sorted, each id once. */
function unionOf(x: Uint8Array, y: Uint8Array): Buffer {
  const ids = new Set<string>()
  for (const list of [x, y]) forEachDir(list, (d) => void ids.add(d))
  return Buffer.from([...ids].sort().join(''), 'hex')
}

/** A posting row as read. */
export interface Posting {
  readonly target: string
  readonly first: Uint8Array
  readonly dirs: Uint8Array
}

/**
 * The posting rows of `targets`, in (target, first directory) order, a page at a time (a target
 * held by many directories does not come in one statement). `upTo`: only the lists starting at
 * or below that directory (the ones that may hold it).
 */
export async function* readPostings(
  db: SqlExecutor,
  targets: readonly string[],
  upTo: Uint8Array | null = null,
): AsyncGenerator<Posting> {
  let rest = [...new Set(targets)].sort()
  const bound = upTo === null ? '' : ' AND first_dir <= ?'
  const extra: SqlValue[] = upTo === null ? [] : [upTo]
  const of = (r: Row): Posting => ({
    target: hex(r['target']),
    first: r['first_dir'] as Uint8Array,
    dirs: r['dirs'] as Uint8Array,
  })
  while (rest.length > 0) {
    const part = rest.slice(0, TARGETS)
    const rows = await db.all<Row>(
      `SELECT target, first_dir, dirs FROM graph_dir_post WHERE target IN ${inList(part.length)}${bound}
       ORDER BY target, first_dir LIMIT ?`,
      [...part.map(b), ...extra, PAGE],
    )
    for (const r of rows) yield of(r)
    if (rows.length < PAGE) {
      rest = rest.slice(part.length)
      continue
    }
    // The last target may have more rows: read them on, then the targets after it.
    const last = rows[rows.length - 1]!
    const target = hex(last['target'])
    let after = last['first_dir'] as Uint8Array
    for (;;) {
      const more = await db.all<Row>(
        `SELECT target, first_dir, dirs FROM graph_dir_post WHERE target = ? AND first_dir > ?${bound}
         ORDER BY first_dir LIMIT ?`,
        [b(target), after, ...extra, PAGE],
      )
      for (const r of more) yield of(r)
      if (more.length < PAGE) break
      after = more[more.length - 1]!['first_dir'] as Uint8Array
    }
    rest = rest.filter((t) => t > target)
  }
}

/** Calls `each` with the hex id of every directory of a packed list, until it returns true. */
export function forEachDir(dirs: Uint8Array, each: (dir: string) => boolean | void): boolean {
  const buf = Buffer.isBuffer(dirs) ? dirs : Buffer.from(dirs.buffer, dirs.byteOffset, dirs.length)
  for (let o = 0; o + 20 <= buf.length; o += 20)
    if (each(buf.toString('hex', o, o + 20))) return true
  return false
}

/**
 * The (target, directory) pairs of `targets` in that order, at most `limit` (what
 * `ORDER BY target, dir LIMIT n` gave on migration 18's one row per pair). Per target, only the
 * smallest directories still wanted are kept while its lists are read.
 */
export async function parentDirectories(
  db: SqlExecutor,
  targets: readonly string[],
  limit: number,
): Promise<[string, string][]> {
  const out: [string, string][] = []
  let current: string | null = null
  let pool: string[] = []
  const flush = (): void => {
    if (current === null) return
    pool.sort()
    let previous = ''
    for (const d of pool) {
      if (out.length >= limit) break
      if (d === previous) continue
      previous = d
      out.push([current, d])
    }
    pool = []
  }
  for await (const p of readPostings(db, targets)) {
    if (p.target !== current) {
      flush()
      if (out.length >= limit) return out
      current = p.target
    }
    const want = limit - out.length
    forEachDir(p.dirs, (d) => {
      pool.push(d)
    })
    // Memory bound: the smallest `want` so far are all a target can still contribute.
    if (pool.length > 2 * want + 4096) pool = [...new Set(pool.sort())].slice(0, want)
  }
  flush()
  return out
}

/** Removes `dir` from the lists of `targets` (inside the removal's transaction). */
export async function removeFromPostings(
  tx: SqlExecutor,
  dir: string,
  targets: readonly string[],
): Promise<void> {
  const id = b(dir)
  const hits: Posting[] = []
  for await (const p of readPostings(tx, targets, id)) if (indexOf(p.dirs, id) >= 0) hits.push(p)
  for (const p of hits) {
    const at = indexOf(p.dirs, id)
    const rest = Buffer.concat([p.dirs.subarray(0, at * 20), p.dirs.subarray(at * 20 + 20)])
    if (rest.length > 0 && at > 0) {
      await tx.run('UPDATE graph_dir_post SET dirs = ? WHERE target = ? AND first_dir = ?', [
        rest,
        b(p.target),
        p.first,
      ])
      continue
    }
    await tx.run('DELETE FROM graph_dir_post WHERE target = ? AND first_dir = ?', [
      b(p.target),
      p.first,
    ])
    if (rest.length > 0) await insertPostings(tx, [[b(p.target), rest.subarray(0, 20), rest]])
  }
}

/** The position of `id` in a sorted packed list, or -1. */
function indexOf(dirs: Uint8Array, id: Uint8Array): number {
  let lo = 0
  let hi = Math.floor(dirs.length / 20) - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const c = Buffer.compare(dirs.subarray(mid * 20, mid * 20 + 20), id)
    if (c === 0) return mid
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
