/**
 * SQLite executor on better-sqlite3: one file, WAL journal, a busy timeout so several processes
 * can share the file (writers queue on the database lock instead of failing).
 *
 * @module
 */

import { realpathSync } from 'node:fs'

import Database from 'better-sqlite3'

import { switchToWal } from '../../sqlite-file.js'
import { AsyncMutex, type SqlDatabase, type SqlExecutor, type SqlValue } from '../sql/executor.js'

/** Settings of {@link SqliteDb}. */
export interface SqliteDbInit {
  /** Database file (created if needed), or `:memory:`. */
  readonly path: string
  /** Milliseconds a statement waits for another process's lock. */
  readonly busyTimeoutMs?: number
}

type Params = SqlValue[]

function bind(params: readonly SqlValue[] | undefined): Params {
  if (!params) return []
  // better-sqlite3 binds booleans poorly and wants Buffers for blobs.
  return params.map((p) =>
    typeof p === 'boolean'
      ? p
        ? 1
        : 0
      : p instanceof Uint8Array && !Buffer.isBuffer(p)
        ? Buffer.from(p.buffer, p.byteOffset, p.byteLength)
        : p,
  )
}

class SqliteTx implements SqlExecutor {
  readonly dialect = 'sqlite' as const
  constructor(
    protected readonly db: Database.Database,
    protected readonly cache: Map<string, Database.Statement>,
  ) {}

  protected stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.cache.set(sql, s)
    }
    return s
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    const s = this.stmt(sql)
    if (!s.reader) {
      s.run(...bind(params))
      return Promise.resolve([])
    }
    return Promise.resolve(s.all(...bind(params)) as T[])
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return Promise.resolve(this.stmt(sql).run(...bind(params)).changes)
  }

  runEach(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<number> {
    const s = this.stmt(sql)
    let changes = 0
    for (const r of rows) changes += s.run(...bind(r)).changes
    return Promise.resolve(changes)
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // Already inside a transaction: nest by running inline.
    return fn(this)
  }
}

/**
 * Writers of one database file in this process, across its connections (the archive's, the
 * scheduler's, a journal's…). better-sqlite3 waits for SQLite's lock synchronously, blocking the
 * event loop: a connection that waited so for the lock held by another connection of the same
 * process, whose transaction is suspended on an `await`, would wait out the whole busy timeout
 * (that transaction cannot resume) and fail with "database is locked". So writes to a file
 * queue here, asynchronously, first; SQLite's own lock then only ever waits for other
 * processes.
 */
const FILE_WRITERS = new Map<string, { mutex: AsyncMutex; users: number }>()

function fileWriters(path: string): { key: string | null; mutex: AsyncMutex } {
  if (path === '' || path === ':memory:' || path.startsWith('file::memory:'))
    return { key: null, mutex: new AsyncMutex() }
  const key = realpathSync(path)
  let entry = FILE_WRITERS.get(key)
  if (!entry) FILE_WRITERS.set(key, (entry = { mutex: new AsyncMutex(), users: 0 }))
  entry.users++
  return { key, mutex: entry.mutex }
}

function releaseFileWriters(key: string | null): void {
  if (key === null) return
  const entry = FILE_WRITERS.get(key)
  if (entry && --entry.users === 0) FILE_WRITERS.delete(key)
}

/**
 * An SQLite database. Calls on one connection are serialised; writes from this process's
 * connections to one file queue behind each other ({@link FILE_WRITERS}); other processes wait
 * on SQLite's own lock.
 *
 * @example
 * ```ts
 * const db = new SqliteDb({ path: 'arca-data/graph.sqlite' })
 * await db.all('SELECT 1')
 * ```
 */
export class SqliteDb extends SqliteTx implements SqlDatabase {
  readonly #mutex = new AsyncMutex()
  readonly #writers: { key: string | null; mutex: AsyncMutex }

  constructor(init: SqliteDbInit) {
    // The busy timeout must apply from the first statement: switching to WAL takes a lock too.
    const timeoutMs = init.busyTimeoutMs ?? 60_000
    const db = new Database(init.path, { timeout: timeoutMs })
    switchToWal(db, timeoutMs)
    // NORMAL in WAL mode: a process crash never loses or tears a commit; only an OS crash can
    // lose the last commits, never corrupt the database.
    db.pragma('synchronous = NORMAL')
    db.pragma(`busy_timeout = ${timeoutMs}`)
    db.pragma('foreign_keys = OFF')
    db.pragma('cache_size = -16384')
    super(db, new Map())
    this.#writers = fileWriters(init.path)
  }

  /** The underlying better-sqlite3 handle (for registering functions). */
  get handle(): Database.Database {
    return this.db
  }

  override all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#mutex.run(() =>
      this.stmt(sql).readonly
        ? super.all<T>(sql, params)
        : this.#writers.mutex.run(() => super.all<T>(sql, params)),
    )
  }

  override run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#mutex.run(() => this.#writers.mutex.run(() => super.run(sql, params)))
  }

  /** Outside a transaction, the rows go in one (all or none, as one multi-row statement). */
  override runEach(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<number> {
    return this.transaction(() => super.runEach(sql, rows))
  }

  override transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => this.#writers.mutex.run(() => this.#inTransaction(fn)))
  }

  async #inTransaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.stmt('BEGIN IMMEDIATE').run()
    const tx = new SqliteTx(this.db, this.cache)
    try {
      const result = await fn(tx)
      this.stmt('COMMIT').run()
      return result
    } catch (e) {
      if (this.db.inTransaction) this.stmt('ROLLBACK').run()
      throw e
    }
  }

  close(): Promise<void> {
    return this.#mutex.run(() => {
      this.cache.clear()
      if (this.db.open) {
        this.db.close()
        releaseFileWriters(this.#writers.key)
      }
      return Promise.resolve()
    })
  }
}
