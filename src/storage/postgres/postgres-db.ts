/**
 * PostgreSQL executor on `pg`: a connection pool; `?` placeholders are numbered `$1…`; int8
 * columns come back as JavaScript numbers (ids and counters stay far below 2^53).
 *
 * @module
 */

import { createRequire } from 'node:module'

import type pg from 'pg'

import { UnavailableError } from '../../errors.js'
import type { SqlDatabase, SqlExecutor, SqlValue } from '../sql/executor.js'

// pg is loaded when a PostgreSQL database is first opened (SQLite archives never pay for it).
const require = createRequire(import.meta.url)
let loaded: typeof pg | undefined
function pgModule(): typeof pg {
  if (loaded) return loaded
  const mod = require('pg') as typeof pg
  mod.types.setTypeParser(20, (v: string) => Number(v)) // int8
  mod.types.setTypeParser(1700, (v: string) => Number(v)) // numeric (COUNT, SUM)
  return (loaded = mod)
}

/** Settings of {@link PostgresDb}. */
export interface PostgresDbInit {
  /** Connection string, `postgres://user@host:port/db`. */
  readonly url: string
  /** Pool size. */
  readonly max?: number
  /**
   * Session settings of every connection (`SET name = value` at connect), e.g.
   * `{ synchronous_commit: 'off' }`. Names are identifiers; values are plain words or numbers.
   */
  readonly settings?: Readonly<Record<string, string>>
  /**
   * Receives the warnings Arca's own statements raise (a migration that could not do all it
   * wanted, e.g. create an extension); default: written to standard error.
   */
  readonly onWarning?: (message: string) => void
}

function startupOptions(
  settings: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (!settings) return undefined
  const parts: string[] = []
  for (const [name, value] of Object.entries(settings)) {
    if (!/^[a-z_.]+$/.test(name) || !/^[A-Za-z0-9_.-]+$/.test(value))
      throw new Error(`bad PostgreSQL setting ${name}=${value}`)
    parts.push(`-c ${name}=${value}`)
  }
  return parts.join(' ')
}

const numbered = new Map<string, string>()

/** Rewrites `?` placeholders as `$1, $2, …` (our SQL never has `?` in literals). */
export function numberPlaceholders(sql: string): string {
  let out = numbered.get(sql)
  if (out === undefined) {
    let n = 0
    out = sql.replace(/\?/g, () => `$${++n}`)
    if (numbered.size < 10_000) numbered.set(sql, out)
  }
  return out
}

function params(p: readonly SqlValue[] | undefined): unknown[] {
  return p ? [...p] : []
}

function wrap(e: unknown): unknown {
  const code = (e as { code?: string }).code
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '57P01' || code === '53300') {
    return new UnavailableError(`PostgreSQL is unavailable: ${(e as Error).message}`, { cause: e })
  }
  return e
}

class PgClientExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const
  constructor(private readonly client: pg.PoolClient) {}
  async all<T>(sql: string, p?: readonly SqlValue[]): Promise<T[]> {
    return (await this.client.query(numberPlaceholders(sql), params(p))).rows as T[]
  }
  async run(sql: string, p?: readonly SqlValue[]): Promise<number> {
    return (await this.client.query(numberPlaceholders(sql), params(p))).rowCount ?? 0
  }
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return fn(this)
  }
}

/**
 * A PostgreSQL database.
 *
 * @example
 * ```ts
 * const db = new PostgresDb({ url: 'postgres://postgres@127.0.0.1:5432/arca' })
 * await db.all('SELECT 1')
 * ```
 */
export class PostgresDb implements SqlDatabase {
  readonly dialect = 'postgres' as const
  readonly #pool: pg.Pool

  constructor(init: PostgresDbInit) {
    const options = startupOptions(init.settings)
    this.#pool = new (pgModule().Pool)({
      connectionString: init.url,
      max: init.max ?? 8,
      ...(options === undefined ? {} : { options }),
    })
    this.#pool.on('error', () => {
      // An idle client died (server restart): the pool replaces it on the next query.
    })
    const warn = init.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`))
    this.#pool.on('connect', (client) => {
      client.on('notice', (n) => {
        if (n.severity === 'WARNING' && n.message?.startsWith('arca: ')) warn(n.message.slice(6))
      })
    })
  }

  async all<T>(sql: string, p?: readonly SqlValue[]): Promise<T[]> {
    try {
      return (await this.#pool.query(numberPlaceholders(sql), params(p))).rows as T[]
    } catch (e) {
      throw wrap(e)
    }
  }

  async run(sql: string, p?: readonly SqlValue[]): Promise<number> {
    try {
      return (await this.#pool.query(numberPlaceholders(sql), params(p))).rowCount ?? 0
    } catch (e) {
      throw wrap(e)
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (e) {
      throw wrap(e)
    }
    try {
      await client.query('BEGIN')
      const result = await fn(new PgClientExecutor(client))
      await client.query('COMMIT')
      return result
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw wrap(e)
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}
