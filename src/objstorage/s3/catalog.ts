/**
 * The S3 content store's local catalog: what the bucket's index objects say (which pack holds
 * which content, where) and its tombstones, in an SQLite file beside the archive, so that a
 * lookup costs no request. It is a cache: rebuilt from the bucket at any time (`sync`), and
 * shared by the processes of one machine.
 *
 * The bucket's layout (`<prefix>` omitted):
 *
 * ```
 * packs/<name>.pack   entries in the pack format of `../pack/format.ts`, back to back
 * index/<name>.idx    "AIX1" · count (u32 BE) · per entry: id (20) · offset · length · raw length (u48 BE each)
 * deleted/<id>        a tombstone: the content was removed (takedown), whatever a pack still holds
 * ```
 *
 * Pack names sort by creation time; when several packs hold a content the newest wins (how
 * `replace` supersedes corrupt bytes).
 *
 * @module
 */

import type Database from 'better-sqlite3'

import { CorruptError } from '../../errors.js'
import { openSqliteFile } from '../../sqlite-file.js'

/** Where a content's entry is. */
export interface Located {
  readonly pack: string
  readonly off: number
  readonly len: number
  readonly raw: number
}

/** One entry of an index object. */
export interface IndexEntry extends Located {
  readonly id: string
}

const MAGIC = Buffer.from('AIX1')
const ENTRY_SIZE = 20 + 6 * 3

/** The bytes of the index object of `entries` (all in one pack). */
export function encodeIndex(entries: readonly Omit<IndexEntry, 'pack'>[]): Buffer {
  const buf = Buffer.allocUnsafe(8 + entries.length * ENTRY_SIZE)
  MAGIC.copy(buf, 0)
  buf.writeUInt32BE(entries.length, 4)
  let at = 8
  for (const e of entries) {
    buf.write(e.id, at, 20, 'hex')
    buf.writeUIntBE(e.off, at + 20, 6)
    buf.writeUIntBE(e.len, at + 26, 6)
    buf.writeUIntBE(e.raw, at + 32, 6)
    at += ENTRY_SIZE
  }
  return buf
}

/** The entries of index object `bytes` of pack `pack`; a CorruptError when malformed. */
export function decodeIndex(bytes: Uint8Array, pack: string): IndexEntry[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (b.length < 8 || !b.subarray(0, 4).equals(MAGIC))
    throw new CorruptError(`The index of S3 pack ${pack} is not an index`)
  const count = b.readUInt32BE(4)
  if (b.length !== 8 + count * ENTRY_SIZE)
    throw new CorruptError(`The index of S3 pack ${pack} has the wrong length`)
  const out: IndexEntry[] = []
  for (let at = 8; at < b.length; at += ENTRY_SIZE)
    out.push({
      id: b.toString('hex', at, at + 20),
      pack,
      off: b.readUIntBE(at + 20, 6),
      len: b.readUIntBE(at + 26, 6),
      raw: b.readUIntBE(at + 32, 6),
    })
  return out
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pack (name TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entry (
  id TEXT NOT NULL, pack TEXT NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, raw INTEGER NOT NULL,
  PRIMARY KEY (id, pack)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entry_pack ON entry (pack);
CREATE TABLE IF NOT EXISTS gone (id TEXT PRIMARY KEY) WITHOUT ROWID;
`

/** The catalog file. */
export class Catalog {
  readonly #db: Database.Database
  readonly #find: Database.Statement<[string], Located>
  readonly #insert: Database.Statement<[string, string, number, number, number]>

  constructor(path: string) {
    this.#db = openSqliteFile(path, { synchronous: 'NORMAL' })
    this.#db.exec(SCHEMA)
    this.#find = this.#db.prepare(
      `SELECT pack, off, len, raw FROM entry e WHERE id = ?
         AND NOT EXISTS (SELECT 1 FROM gone g WHERE g.id = e.id)
       ORDER BY pack DESC LIMIT 1`,
    )
    this.#insert = this.#db.prepare(
      'INSERT OR IGNORE INTO entry (id, pack, off, len, raw) VALUES (?, ?, ?, ?, ?)',
    )
  }

  /** Where the live entry of `id` is, or null. */
  find(id: string): Located | null {
    return this.#find.get(id) ?? null
  }

  /** Every pack holding `id`, tombstoned or not. */
  packsOf(id: string): string[] {
    return this.#db
      .prepare<[string], { pack: string }>('SELECT pack FROM entry WHERE id = ?')
      .all(id)
      .map((r) => r.pack)
  }

  /** The entries of `pack`, in offset order. */
  entriesOf(pack: string): IndexEntry[] {
    return this.#db
      .prepare<[string], IndexEntry>(
        'SELECT id, pack, off, len, raw FROM entry WHERE pack = ? ORDER BY off',
      )
      .all(pack)
  }

  /** Records pack `name` and its entries. */
  addPack(name: string, entries: readonly IndexEntry[], bytes: number): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT OR REPLACE INTO pack (name, entries, bytes) VALUES (?, ?, ?)')
        .run(name, entries.length, bytes)
      for (const e of entries) this.#insert.run(e.id, name, e.off, e.len, e.raw)
    })()
  }

  /** Forgets pack `name`. */
  dropPack(name: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM entry WHERE pack = ?').run(name)
      this.#db.prepare('DELETE FROM pack WHERE name = ?').run(name)
    })()
  }

  /** The packs recorded. */
  packs(): Set<string> {
    return new Set(
      this.#db
        .prepare<[], { name: string }>('SELECT name FROM pack')
        .all()
        .map((r) => r.name),
    )
  }

  /** Marks `id` removed (or, with `gone` false, present again). */
  setGone(id: string, gone: boolean): void {
    if (gone) this.#db.prepare('INSERT OR IGNORE INTO gone (id) VALUES (?)').run(id)
    else this.#db.prepare('DELETE FROM gone WHERE id = ?').run(id)
  }

  /** Whether `id` carries a tombstone. */
  isGone(id: string): boolean {
    return this.#db.prepare('SELECT 1 FROM gone WHERE id = ?').get(id) !== undefined
  }

  /** Sets the tombstones to exactly `ids`. */
  setAllGone(ids: readonly string[]): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM gone').run()
      const ins = this.#db.prepare('INSERT OR IGNORE INTO gone (id) VALUES (?)')
      for (const id of ids) ins.run(id)
    })()
  }

  /** Live ids in `[from, to)` (`(from, to)` when `after`), increasing, at most `limit`. */
  ids(from: string, to: string, limit: number, after = false): string[] {
    return this.#db
      .prepare<[string, string, number], { id: string }>(
        `SELECT DISTINCT id FROM entry e WHERE id ${after ? '>' : '>='} ? AND id < ?
           AND NOT EXISTS (SELECT 1 FROM gone g WHERE g.id = e.id)
         ORDER BY id LIMIT ?`,
      )
      .all(from, to, limit)
      .map((r) => r.id)
  }

  /** Packs, their bytes, live contents (and their raw bytes), tombstones. */
  stats(): { packs: number; packBytes: number; entries: number; rawBytes: number; gone: number } {
    const p = this.#db
      .prepare<[], { n: number; b: number | null }>(
        'SELECT count(*) AS n, sum(bytes) AS b FROM pack',
      )
      .get()!
    const e = this.#db
      .prepare<[], { n: number; b: number | null }>(
        `SELECT count(*) AS n, sum(raw) AS b FROM (SELECT id, max(raw) AS raw FROM entry e
           WHERE NOT EXISTS (SELECT 1 FROM gone g WHERE g.id = e.id) GROUP BY id)`,
      )
      .get()!
    const g = this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM gone').get()!
    return { packs: p.n, packBytes: p.b ?? 0, entries: e.n, rawBytes: e.b ?? 0, gone: g.n }
  }

  close(): void {
    this.#db.close()
  }
}
