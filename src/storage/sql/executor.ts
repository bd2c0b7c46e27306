/**
 * A minimal asynchronous SQL executor, implemented for SQLite (better-sqlite3) and PostgreSQL
 * (pg), so that one storage implementation serves both. SQL is written with `?` placeholders;
 * the PostgreSQL executor numbers them.
 *
 * @module
 */

/** SQL dialects. */
export type Dialect = 'sqlite' | 'postgres'

/** A parameter value. Bytes are passed as Buffer/Uint8Array. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array

/** Runs statements. */
export interface SqlExecutor {
  readonly dialect: Dialect
  /** Rows of a query (or of an INSERT … RETURNING). */
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>
  /** Runs a statement; returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>
  /**
   * Runs one statement once per parameter row, in order; returns the rows changed in all.
   * Offered where a prepared statement run many times costs less than one statement of many
   * rows (SQLite, in process: no round trip to save, and binding thousands of parameters of a
   * multi-row VALUES list costs more than the rows' own insertion).
   */
  runEach?(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<number>
  /**
   * Runs `fn` in a transaction that takes the write lock at once (SQLite `BEGIN IMMEDIATE`),
   * committed when `fn` resolves and rolled back when it throws.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
}

/** A connection (or pool) that can be closed. */
export interface SqlDatabase extends SqlExecutor {
  close(): Promise<void>
}

/** A numbered schema migration. */
export interface Migration {
  readonly version: number
  readonly description: string
  /** Statements run in order inside one transaction. */
  readonly statements: readonly string[]
}

/** A mutual-exclusion lock for async code. */
export class AsyncMutex {
  #tail: Promise<void> = Promise.resolve()

  /** Runs `fn` once every earlier holder has finished. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail
    let release!: () => void
    this.#tail = new Promise((resolve) => (release = resolve))
    await previous
    try {
      return await fn()
    } finally {
      release()
    }
  }
}
