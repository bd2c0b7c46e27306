/**
 * Turns a storage URL into a graph storage backend: `sqlite:PATH` (the embedded default) or
 * `postgres://…` / `postgresql://…`.
 *
 * @module
 */

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import { InvalidInputError } from '../errors.js'
import type { ObjStorage } from '../objstorage/index.js'
import { PostgresDb } from './postgres/postgres-db.js'
import type { SqlDatabase } from './sql/executor.js'
import { migrations } from './sql/schema.js'
import { SqlStorage } from './sql/sql-storage.js'
import { SqliteDb } from './sqlite/sqlite-db.js'

/** Collaborators of a backend. */
export interface StorageComponents {
  readonly objstorage: ObjStorage
}

/**
 * Opens the backend named by `url` (schema migrations run on open).
 *
 * @example
 * ```ts
 * const storage = await openStorage('sqlite:arca-data/graph.sqlite', { objstorage })
 * const pg = await openStorage('postgres://postgres@127.0.0.1:5432/arca', { objstorage })
 * ```
 */
export async function openStorage(url: string, components: StorageComponents): Promise<SqlStorage> {
  const db = openSqlDatabase(url)
  const storage = new SqlStorage(db, migrations(db.dialect), components)
  await storage.open()
  return storage
}

/** Options of {@link openSqlDatabase}. */
export interface SqlDatabaseOptions {
  /** PostgreSQL session settings of every connection (ignored by SQLite). */
  readonly postgresSettings?: Readonly<Record<string, string>>
}

/**
 * Opens the SQL database named by a storage URL (`sqlite:PATH` or `postgres://…`), without any
 * schema: for areas that keep their own tables in the archive's database (the scheduler).
 *
 * @example
 * ```ts
 * const db = openSqlDatabase('sqlite:arca-data/graph.sqlite')
 * await db.all('SELECT 1')
 * ```
 */
export function openSqlDatabase(url: string, options: SqlDatabaseOptions = {}): SqlDatabase {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length)
    if (path === '')
      throw new InvalidInputError(
        'Storage URL "sqlite:" needs a file path, e.g. sqlite:arca-data/graph.sqlite',
      )
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    return new SqliteDb({ path })
  }
  if (/^postgres(ql)?:\/\//.test(url))
    return new PostgresDb({
      url,
      ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
    })
  throw new InvalidInputError(`Unknown storage URL "${url}": use sqlite:PATH or postgres://…`)
}
