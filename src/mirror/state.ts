/**
 * A mirror's own bookkeeping, in `<data>/mirror/state.sqlite`: the upstream it follows, the
 * offset committed per topic, records rejected (offset and reason), objects held back until
 * their references arrive (with those references), and counters.
 *
 * A batch's effects on this state are written in one transaction together with its offset, so
 * after a crash the batch is either fully accounted or replayed from its start (replay is
 * idempotent: objects are keyed, rejects and held objects are keyed by topic and offset/id).
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import type Database from 'better-sqlite3'

import { InvalidInputError } from '../errors.js'
import { type Topic, TOPICS } from '../journal/index.js'
import { openSqliteFile } from '../sqlite-file.js'

/** A rejected record. */
export interface Reject {
  readonly topic: Topic
  readonly offset: number
  readonly reason: string
  readonly date: Date
}

/** An object held back until its references arrive. */
export interface HeldObject {
  readonly topic: Topic
  /** The object's key (its SWHID, or a topic-specific key). */
  readonly key: string
  readonly offset: number
  readonly value: Uint8Array
  /** Keys of the objects it waits for (`swh:1:cnt:…`, `origin:URL`, `visit:URL#N`). */
  readonly waitsFor: readonly string[]
}

/** Per-topic status. */
export interface TopicState {
  readonly topic: Topic
  readonly committed: number
  readonly replayed: number
  readonly rejected: number
  readonly held: number
}

/** Changes of one batch, applied atomically with its new offset. */
export interface BatchOutcome {
  readonly topic: Topic
  readonly offset: number
  readonly replayed: number
  readonly rejects: readonly Omit<Reject, 'topic' | 'date'>[]
  readonly held: readonly HeldObject[]
  /** Held objects written during this batch (released). */
  readonly released: readonly { topic: Topic; key: string }[]
}

/** The mirror state database. */
export class MirrorState {
  readonly #db: Database.Database

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.#db = openSqliteFile(path, { synchronous: 'NORMAL' })
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS topic_state (
        topic TEXT PRIMARY KEY, committed INTEGER NOT NULL, replayed INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS reject (
        topic TEXT NOT NULL, offset INTEGER NOT NULL, reason TEXT NOT NULL, date INTEGER NOT NULL,
        PRIMARY KEY (topic, offset)
      );
      CREATE TABLE IF NOT EXISTS held (
        topic TEXT NOT NULL, key TEXT NOT NULL, offset INTEGER NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY (topic, key)
      );
      CREATE TABLE IF NOT EXISTS held_wait (
        waits_for TEXT NOT NULL, topic TEXT NOT NULL, key TEXT NOT NULL,
        PRIMARY KEY (waits_for, topic, key)
      );
    `)
    const insert = this.#db.prepare(
      'INSERT OR IGNORE INTO topic_state (topic, committed, replayed) VALUES (?, 0, 0)',
    )
    for (const t of TOPICS) insert.run(t)
  }

  /** Records the upstream on first use; refuses a different one later. */
  bindUpstream(description: string, force = false): void {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'upstream'").get() as
      { value: string } | undefined
    if (row && row.value !== description && !force)
      throw new InvalidInputError(
        `This archive mirrors ${row.value}, not ${description}: use another --data directory`,
      )
    this.#db
      .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('upstream', ?)")
      .run(description)
  }

  /** Records the selection (origin globs) of a selective mirror; empty for a full mirror. */
  setSelect(patterns: readonly string[]): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('select', ?)")
      .run(JSON.stringify(patterns))
  }

  /** The selection recorded by {@link setSelect} (empty: a full mirror). */
  select(): string[] {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'select'").get() as
      { value: string } | undefined
    return row ? (JSON.parse(row.value) as string[]) : []
  }

  /**
   * This mirror's name as a consumer of the upstream's NATS journal (a durable consumer per
   * topic), made on first use and kept: a copy of the data directory must not share it.
   */
  consumerGroup(): string {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'consumer_group'").get() as
      { value: string } | undefined
    if (row) return row.value
    const group = `arca-mirror-${randomBytes(6).toString('hex')}`
    this.#db
      .prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('consumer_group', ?)")
      .run(group)
    return this.consumerGroup()
  }

  upstream(): string | null {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'upstream'").get() as
      { value: string } | undefined
    return row?.value ?? null
  }

  committed(topic: Topic): number {
    const row = this.#db
      .prepare('SELECT committed FROM topic_state WHERE topic = ?')
      .get(topic) as { committed: number }
    return row.committed
  }

  /** Applies one batch's outcome and its new offset in one transaction. */
  commit(o: BatchOutcome): void {
    const now = Date.now()
    this.#db.transaction(() => {
      this.#db
        .prepare('UPDATE topic_state SET committed = ?, replayed = replayed + ? WHERE topic = ?')
        .run(o.offset, o.replayed, o.topic)
      const rej = this.#db.prepare(
        'INSERT OR IGNORE INTO reject (topic, offset, reason, date) VALUES (?, ?, ?, ?)',
      )
      for (const r of o.rejects) rej.run(o.topic, r.offset, r.reason, now)
      const held = this.#db.prepare(
        'INSERT OR REPLACE INTO held (topic, key, offset, value) VALUES (?, ?, ?, ?)',
      )
      const wait = this.#db.prepare(
        'INSERT OR IGNORE INTO held_wait (waits_for, topic, key) VALUES (?, ?, ?)',
      )
      for (const h of o.held) {
        held.run(h.topic, h.key, h.offset, h.value)
        for (const w of h.waitsFor) wait.run(w, h.topic, h.key)
      }
      const del = this.#db.prepare('DELETE FROM held WHERE topic = ? AND key = ?')
      const delWait = this.#db.prepare('DELETE FROM held_wait WHERE topic = ? AND key = ?')
      const bump = this.#db.prepare(
        'UPDATE topic_state SET replayed = replayed + 1 WHERE topic = ?',
      )
      for (const r of o.released) {
        if (del.run(r.topic, r.key).changes > 0) bump.run(r.topic)
        delWait.run(r.topic, r.key)
      }
    })()
  }

  /** Held objects waiting for any of `keys`. */
  heldWaitingFor(keys: readonly string[]): HeldObject[] {
    // Nearly always nothing is held: one cheap query answers then.
    if (
      keys.length === 0 ||
      this.#db.prepare('SELECT 1 FROM held_wait LIMIT 1').get() === undefined
    )
      return []
    const out = new Map<string, HeldObject>()
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500)
      const rows = this.#db
        .prepare(
          `SELECT DISTINCT h.topic, h.key, h.offset, h.value FROM held_wait w
           JOIN held h ON h.topic = w.topic AND h.key = w.key
           WHERE w.waits_for IN (${part.map(() => '?').join(',')})`,
        )
        .all(...part) as { topic: Topic; key: string; offset: number; value: Uint8Array }[]
      for (const r of rows)
        out.set(`${r.topic} ${r.key}`, { ...r, waitsFor: this.#waits(r.topic, r.key) })
    }
    return [...out.values()]
  }

  /** Every held object (for a full retry), oldest topic first. */
  allHeld(): HeldObject[] {
    const rows = this.#db.prepare('SELECT topic, key, offset, value FROM held').all() as {
      topic: Topic
      key: string
      offset: number
      value: Uint8Array
    }[]
    return rows.map((r) => ({ ...r, waitsFor: this.#waits(r.topic, r.key) }))
  }

  #waits(topic: string, key: string): string[] {
    return (
      this.#db
        .prepare('SELECT waits_for FROM held_wait WHERE topic = ? AND key = ?')
        .all(topic, key) as { waits_for: string }[]
    ).map((r) => r.waits_for)
  }

  rejects(limit = 1000): Reject[] {
    return (
      this.#db
        .prepare(
          'SELECT topic, offset, reason, date FROM reject ORDER BY date, topic, offset LIMIT ?',
        )
        .all(limit) as { topic: Topic; offset: number; reason: string; date: number }[]
    ).map((r) => ({ ...r, date: new Date(r.date) }))
  }

  topics(): TopicState[] {
    const rows = this.#db
      .prepare(
        `SELECT s.topic, s.committed, s.replayed,
           (SELECT COUNT(*) FROM reject r WHERE r.topic = s.topic) AS rejected,
           (SELECT COUNT(*) FROM held h WHERE h.topic = s.topic) AS held
         FROM topic_state s`,
      )
      .all() as TopicState[]
    const order = new Map(TOPICS.map((t, i) => [t, i]))
    return rows.sort((a, b) => order.get(a.topic)! - order.get(b.topic)!)
  }

  close(): void {
    this.#db.close()
  }
}
