/**
 * The index of a pack store: one SQLite file (`index.sqlite`, WAL, FULL synchronous) beside the
 * packs, shared by every process using the store. It holds:
 *
 * - `pack`: each pack file, its committed size (bytes past it are a torn or abandoned tail) and
 *   its owner (the process appending to it, or compacting it; none when sealed);
 * - `entry`: where each content lives (pack, offset, entry length, raw length).
 *
 * A reader sees a content only once its row is committed, and a row is only committed after its
 * bytes are durable in the pack (see `pack-writer.ts`). Write transactions are IMMEDIATE and wait
 * up to the busy timeout for other writers.
 *
 * @module
 */

import { hostname } from 'node:os'

import type Database from 'better-sqlite3'

import { openSqliteFile } from '../../sqlite-file.js'
import { alive } from '../disk.js'

/** A row of `pack`. */
export interface PackRow {
  readonly id: number
  readonly name: string
  readonly owner: number | null
  readonly host: string | null
  readonly size: number
}

/** A row of `entry` joined with its pack's name. */
export interface EntryRow {
  readonly pack: number
  readonly name: string
  readonly off: number
  readonly len: number
  readonly raw: number
}

/** A new entry to index. */
export interface NewEntry {
  readonly id: string
  readonly off: number
  readonly len: number
  readonly raw: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pack (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  owner INTEGER,
  host TEXT,
  size INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entry (
  id TEXT PRIMARY KEY,
  pack INTEGER NOT NULL,
  off INTEGER NOT NULL,
  len INTEGER NOT NULL,
  raw INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entry_pack ON entry (pack, off);
`

const HOST = hostname()

/** The pack store's index. */
export class PackIndex {
  readonly db: Database.Database
  readonly #get: Database.Statement<[string], EntryRow>
  readonly #getMany: Database.Statement<[string], EntryRow & { id: string }>
  readonly #has: Database.Statement<[string], { one: number }>
  readonly #insert: Database.Statement<[string, number, number, number, number]>
  readonly #upsert: Database.Statement<[string, number, number, number, number]>
  readonly #setSize: Database.Statement<[number, number]>

  constructor(path: string, busyTimeoutMs = 30_000) {
    this.db = openSqliteFile(path, { timeoutMs: busyTimeoutMs, synchronous: 'FULL' })
    this.db.exec(SCHEMA)
    this.#get = this.db.prepare(
      'SELECT e.pack AS pack, p.name AS name, e.off AS off, e.len AS len, e.raw AS raw FROM entry e JOIN pack p ON p.id = e.pack WHERE e.id = ?',
    )
    this.#getMany = this.db.prepare(
      'SELECT e.id AS id, e.pack AS pack, p.name AS name, e.off AS off, e.len AS len, e.raw AS raw FROM entry e JOIN pack p ON p.id = e.pack WHERE e.id IN (SELECT value FROM json_each(?))',
    )
    this.#has = this.db.prepare('SELECT 1 AS one FROM entry WHERE id = ?')
    this.#insert = this.db.prepare(
      'INSERT OR IGNORE INTO entry (id, pack, off, len, raw) VALUES (?, ?, ?, ?, ?)',
    )
    this.#upsert = this.db.prepare(
      'INSERT INTO entry (id, pack, off, len, raw) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET pack = excluded.pack, off = excluded.off, len = excluded.len, raw = excluded.raw',
    )
    this.#setSize = this.db.prepare('UPDATE pack SET size = ? WHERE id = ?')
  }

  close(): void {
    this.db.close()
  }

  meta(key: string): string | undefined {
    return (
      this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
        { value: string } | undefined
    )?.value
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value)
  }

  get(id: string): EntryRow | undefined {
    return this.#get.get(id)
  }

  /** The rows of `ids`, in order (undefined for an absent one), read in one statement. */
  getMany(ids: readonly string[]): (EntryRow | undefined)[] {
    const rows = this.#getMany.all(JSON.stringify(ids))
    const by = new Map(rows.map((r) => [r.id, r]))
    return ids.map((id) => {
      const r = by.get(id)
      return r && { pack: r.pack, name: r.name, off: r.off, len: r.len, raw: r.raw }
    })
  }

  has(id: string): boolean {
    return this.#has.get(id) !== undefined
  }

  /**
   * Commits `entries` of pack `pack`, now durable up to `size`, in one transaction: the new
   * committed size and the rows together. `replace` overwrites rows of present ids (the old
   * bytes become dead); otherwise present ids keep their row.
   */
  commit(pack: number, size: number, entries: readonly NewEntry[], replace = false): void {
    const stmt = replace ? this.#upsert : this.#insert
    this.db
      .transaction(() => {
        for (const e of entries) stmt.run(e.id, pack, e.off, e.len, e.raw)
        this.#setSize.run(size, pack)
      })
      .immediate()
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM entry WHERE id = ?').run(id).changes > 0
  }

  /** Ids in `[from, to)`, in order, at most `limit` of them after `after` (exclusive). */
  page(from: string, to: string, after: string | null, limit: number): string[] {
    const rows = (
      after === null
        ? this.db
            .prepare('SELECT id FROM entry WHERE id >= ? AND id < ? ORDER BY id LIMIT ?')
            .all(from, to, limit)
        : this.db
            .prepare('SELECT id FROM entry WHERE id > ? AND id >= ? AND id < ? ORDER BY id LIMIT ?')
            .all(after, from, to, limit)
    ) as { id: string }[]
    return rows.map((r) => r.id)
  }

  packs(): PackRow[] {
    return this.db
      .prepare('SELECT id, name, owner, host, size FROM pack ORDER BY id')
      .all() as PackRow[]
  }

  /** Live bytes and entries of each pack. */
  liveByPack(): Map<number, { bytes: number; entries: number; raw: number }> {
    const rows = this.db
      .prepare(
        'SELECT pack, SUM(len) AS bytes, COUNT(*) AS entries, SUM(raw) AS raw FROM entry GROUP BY pack',
      )
      .all() as { pack: number; bytes: number; entries: number; raw: number }[]
    return new Map(rows.map((r) => [r.pack, r]))
  }

  /** Entries of pack `pack` in offset order. */
  entriesOf(pack: number): { id: string; off: number; len: number; raw: number }[] {
    return this.db
      .prepare('SELECT id, off, len, raw FROM entry WHERE pack = ? ORDER BY off')
      .all(pack) as { id: string; off: number; len: number; raw: number }[]
  }

  /** Registers a new pack owned by this process (before its file is created). */
  newPack(name: string): number {
    return Number(
      this.db
        .prepare('INSERT INTO pack (name, owner, host, size) VALUES (?, ?, ?, 0)')
        .run(name, process.pid, HOST).lastInsertRowid,
    )
  }

  /** Whether a pack row's owner is gone (or there is none): it may be claimed. */
  static claimable(row: PackRow): boolean {
    return (
      row.owner === null || (row.host === HOST && row.owner !== process.pid && !alive(row.owner))
    )
  }

  /**
   * Takes ownership of pack `row` if no live process holds it (compare-and-swap on its owner).
   * Returns the row as claimed (with its committed size), or null when another process won.
   */
  claim(row: PackRow): PackRow | null {
    if (!PackIndex.claimable(row)) return null
    return this.db
      .transaction(() => {
        const now = this.db
          .prepare('SELECT id, name, owner, host, size FROM pack WHERE id = ?')
          .get(row.id) as PackRow | undefined
        if (!now || now.owner !== row.owner || now.host !== row.host) return null
        this.db
          .prepare('UPDATE pack SET owner = ?, host = ? WHERE id = ?')
          .run(process.pid, HOST, row.id)
        return { ...now, owner: process.pid, host: HOST }
      })
      .immediate()
  }

  /** Gives up ownership of pack `id` (sealed until a writer or compaction claims it). */
  release(id: number): void {
    this.db
      .prepare('UPDATE pack SET owner = NULL, host = NULL WHERE id = ? AND owner = ?')
      .run(id, process.pid)
  }

  /** Removes the row of a pack no entry points to (the caller then unlinks its file). */
  dropPack(id: number): void {
    this.db.prepare('DELETE FROM pack WHERE id = ?').run(id)
  }
}
