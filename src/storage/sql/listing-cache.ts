/**
 * Directory listings kept between calls, each checked against the database before it is given
 * again, so that a listing served from here is always the one a fresh read would build.
 *
 * A listing is a directory's entries (immutable: its id is the hash of its manifest) joined with
 * the content rows of its file entries. Content rows are only ever inserted (`ON CONFLICT DO
 * NOTHING`: a row's values never change) or deleted (removal); a re-inserted row has the same
 * hashes and length (they follow from its sha1_git) and possibly another status. So a listing
 * still holds when its directory row still exists, each content it showed is still there with
 * the status it showed, and each content it showed absent is still absent: one statement counts
 * all three, each count compared with the one expected (see {@link ListingCache.valid}). The
 * check asks the database, not this process: writes, removals by any process are seen at the
 * next call. On SQLite the check is skipped while the database has not changed since the listing
 * was last checked: `PRAGMA data_version` changes with every commit of another connection (of
 * any process) and `total_changes()` with every row this connection writes (its transactions
 * hold the connection, so no read sees them uncommitted). Masking (takedowns) is not a property of the listing and is checked above this
 * layer on every read, cached or not.
 *
 * Listings are frozen (shared by every caller) and kept least recently used first, within a
 * budget of entries.
 *
 * @module
 */

import type { DirectoryEntryInfo } from '../interface.js'
import type { SqlExecutor, SqlValue } from './executor.js'
import { b, num, type Row } from './rows.js'
import { inList } from './statements.js'

/** Entries kept across all cached listings (about 1 KB each, rendered views included). */
const BUDGET_ENTRIES = 20_000
/**
 * Listings with more distinct file targets than this are not kept (one statement checks a
 * listing; its parameters stay far under both engines' limits).
 */
const MAX_FILES = 2048

/**
 * `ids` repeated at the end up to the next power of two: membership in an `IN` list ignores
 * repeats, and the statements of all listings then come in a few lengths, not one prepared
 * statement per listing size.
 */
function padded(ids: readonly Uint8Array[]): Uint8Array[] {
  let n = 4
  while (n < ids.length) n *= 2
  const out = [...ids]
  while (out.length < n) out.push(ids[ids.length - 1]!)
  return out
}

/** A kept listing and the statement that checks it. */
interface Kept {
  readonly listing: readonly DirectoryEntryInfo[]
  readonly sql: string
  readonly params: readonly SqlValue[]
  readonly expected: readonly number[]
  /** The database's change token when the listing last passed its check (null: never). */
  seenAt: string | null
}

/**
 * A token that changes whenever the database may have: SQLite only (null elsewhere, where each
 * listing is checked every time).
 */
async function changeToken(db: SqlExecutor): Promise<string | null> {
  if (db.dialect !== 'sqlite') return null
  const [row] = await db.all<Row>(
    'SELECT total_changes() AS t, data_version AS v FROM pragma_data_version',
  )
  return row ? `${num(row['t'])}:${num(row['v'])}` : null
}

/** The check of a listing: counts that must come back as `expected`. */
function checkOf(
  id: string,
  listing: readonly DirectoryEntryInfo[],
): Omit<Kept, 'listing' | 'seenAt'> | null {
  const byStatus = new Map<string, Uint8Array[]>()
  const absent: Uint8Array[] = []
  const seen = new Set<string>()
  for (const e of listing) {
    if (e.type !== 'file' || seen.has(e.target)) continue
    seen.add(e.target)
    if (e.status === null) absent.push(b(e.target))
    else {
      let list = byStatus.get(e.status)
      if (!list) byStatus.set(e.status, (list = []))
      list.push(b(e.target))
    }
  }
  if (seen.size > MAX_FILES) return null
  const parts = ['(SELECT count(*) FROM directory WHERE id = ?) AS c0']
  const params: SqlValue[] = [b(id)]
  const expected = [1]
  for (const [status, ids] of byStatus) {
    const list = padded(ids)
    parts.push(
      `(SELECT count(*) FROM content WHERE status = ? AND sha1_git IN ${inList(list.length)}) AS c${parts.length}`,
    )
    params.push(status, ...list)
    expected.push(ids.length)
  }
  if (absent.length > 0) {
    const list = padded(absent)
    parts.push(
      `(SELECT count(*) FROM content WHERE sha1_git IN ${inList(list.length)}) AS c${parts.length}`,
    )
    params.push(...list)
    expected.push(0)
  }
  return { sql: `SELECT ${parts.join(', ')}`, params, expected }
}

/** Listings by directory id (see the module notes). */
export class ListingCache {
  readonly #kept = new Map<string, Kept>()
  #entries = 0

  constructor(readonly budget = BUDGET_ENTRIES) {}

  /** The kept listing of `id` if the database still gives exactly it, else null (and dropped). */
  async get(db: SqlExecutor, id: string): Promise<readonly DirectoryEntryInfo[] | null> {
    const k = this.#kept.get(id)
    if (!k) return null
    // Read before the check: a change after it changes the token, and the next call checks.
    const token = await changeToken(db)
    if (token === null || token !== k.seenAt) {
      if (!(await ListingCache.valid(db, k))) {
        this.#drop(id, k)
        return null
      }
      k.seenAt = token
    }
    // Most recently used last.
    this.#kept.delete(id)
    this.#kept.set(id, k)
    return k.listing
  }

  /** Keeps `listing` (read just now) for `id`, frozen; returns it. */
  put(id: string, listing: DirectoryEntryInfo[]): readonly DirectoryEntryInfo[] {
    for (const e of listing) Object.freeze(e)
    Object.freeze(listing)
    if (listing.length > this.budget / 4) return listing
    const check = checkOf(id, listing)
    if (check === null) return listing
    const old = this.#kept.get(id)
    if (old) this.#drop(id, old)
    this.#kept.set(id, { listing, ...check, seenAt: null })
    this.#entries += listing.length
    for (const [oldId, o] of this.#kept) {
      if (this.#entries <= this.budget) break
      this.#drop(oldId, o)
    }
    return listing
  }

  #drop(id: string, k: Kept): void {
    if (this.#kept.get(id) !== k) return
    this.#kept.delete(id)
    this.#entries -= k.listing.length
  }

  /** Whether the database still gives the listing `k` was made for. */
  static async valid(
    db: SqlExecutor,
    k: Pick<Kept, 'sql' | 'params' | 'expected'>,
  ): Promise<boolean> {
    const [row] = await db.all<Row>(k.sql, k.params)
    if (!row) return false
    return k.expected.every((n, i) => num(row[`c${i}`]) === n)
  }
}
