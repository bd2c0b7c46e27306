/**
 * One SQL statement on an archive's database behind Arca's back (tests that break rows by hand):
 * the SQLite file of a data directory, or a PostgreSQL database, with `?` placeholders on both.
 */
import { join } from 'node:path'

import Database from 'better-sqlite3'
import pg from 'pg'

/** Runs `q` with `params`; the rows of a query (none for other statements). */
export type RawSql = (q: string, params: unknown[]) => Promise<Record<string, unknown>[]>

/** On `<data>/graph.sqlite`, a connection per statement. */
export function sqliteSql(data: string): RawSql {
  return (q, params) => {
    const db = new Database(join(data, 'graph.sqlite'))
    try {
      const st = db.prepare(q)
      return Promise.resolve(
        st.reader ? (st.all(...params) as Record<string, unknown>[]) : (st.run(...params), []),
      )
    } finally {
      db.close()
    }
  }
}

/** On the PostgreSQL database at `url`, a connection per statement. */
export function postgresSql(url: string): RawSql {
  return async (q, params) => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      let n = 0
      const r = await client.query(
        q.replace(/\?/g, () => `$${++n}`),
        params,
      )
      return r.rows as Record<string, unknown>[]
    } finally {
      await client.end()
    }
  }
}
