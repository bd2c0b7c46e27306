/**
 * Opening an SQLite file that several processes may open at once (the archive, the pack index,
 * a mirror's state, a repair peer's index).
 *
 * Switching a database to WAL mode takes a lock for which SQLite may answer SQLITE_BUSY at once,
 * without calling the busy handler, when another process is creating or opening the same file
 * at that moment. The switch is therefore retried, with short pauses, until the busy timeout has
 * passed; after it, the connection's busy timeout covers every other statement.
 */
import Database from 'better-sqlite3'

export interface OpenSqliteOptions {
  /** How long a statement waits for another process's lock, in ms (default 30 s). */
  readonly timeoutMs?: number
  /** `synchronous` pragma once in WAL mode (default: SQLite's, FULL). */
  readonly synchronous?: 'FULL' | 'NORMAL'
}

/** Opens `path` in WAL mode, waiting out other processes opening it at the same moment. */
export function openSqliteFile(path: string, options: OpenSqliteOptions = {}): Database.Database {
  const timeoutMs = options.timeoutMs ?? 30_000
  const db = new Database(path, { timeout: timeoutMs })
  try {
    switchToWal(db, timeoutMs)
    if (options.synchronous) db.pragma(`synchronous = ${options.synchronous}`)
  } catch (e) {
    db.close()
    throw e
  }
  return db
}

/** Sets WAL mode on `db`, retrying SQLITE_BUSY until `timeoutMs` has passed. */
export function switchToWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      db.pragma('journal_mode = WAL')
      return
    } catch (e) {
      const busy = (e as { code?: unknown }).code === 'SQLITE_BUSY'
      if (!busy || Date.now() >= deadline) throw e
      Atomics.wait(pause, 0, 0, 10)
    }
  }
}
