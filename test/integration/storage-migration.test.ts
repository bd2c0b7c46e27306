/**
 * Schema migrations of an existing archive: a graph written by the version-3 schema (visit and
 * status dates in milliseconds, statuses keyed on their date) opens with the current schema,
 * dates intact, and then keeps every status; the origin counter then counts only the origins
 * with a visit.
 */
import { join } from 'node:path'

import pg from 'pg'
import { describe, expect, it } from 'vitest'

import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { PostgresDb } from '../../src/storage/postgres/postgres-db.js'
import type { Dialect, SqlDatabase } from '../../src/storage/sql/executor.js'
import { migrations } from '../../src/storage/sql/schema.js'
import { SqlStorage } from '../../src/storage/sql/sql-storage.js'
import { SqliteDb } from '../../src/storage/sqlite/sqlite-db.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const available = await postgresAvailable()

async function migrationSuite(dialect: Dialect, makeDb: () => SqlDatabase, dir: string) {
  const objstorage = () => new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
  const url = 'https://example.org/migrated.git'
  const t = Date.UTC(2023, 0, 5, 10, 12, 13, 123)
  // The archive as the version-3 schema wrote it.
  const old = new SqlStorage(makeDb(), migrations(dialect).slice(0, 3), {
    objstorage: objstorage(),
  })
  await old.open()
  await old.originAdd([{ url }])
  const [origin] = await old.db.all<{ id: unknown }>('SELECT id FROM origin WHERE url = ?', [url])
  const id = Number(origin!.id)
  await old.db.run('INSERT INTO origin_visit (origin_id, visit, date, type) VALUES (?, 1, ?, ?)', [
    id,
    t,
    'git',
  ])
  for (const [ms, status] of [
    [t, 'created'],
    [t + 2, 'ongoing'],
    [t + 9, 'full'],
  ] as const) {
    await old.db.run(
      'INSERT INTO origin_visit_status (origin_id, visit, date, status, snapshot, type, metadata) VALUES (?, 1, ?, ?, NULL, ?, NULL)',
      [id, ms, status, 'git'],
    )
  }
  // Two origins never visited (submodule URLs, as the loader records them); the old code counted
  // every origin row.
  await old.originAdd([{ url: `${url}/sub1` }, { url: `${url}/sub2` }])
  await old.db.run("UPDATE counter SET value = 3 WHERE kind = 'origin'")
  await old.close()

  const s = new SqlStorage(makeDb(), migrations(dialect), { objstorage: objstorage() })
  await s.open()
  try {
    const visit = await s.originVisitGetByNumber(url, 1)
    expect(visit!.date.toISOString()).toBe('2023-01-05T10:12:13.123Z')
    expect(visit!.dateExtraMicros).toBeUndefined()
    const statuses = (await s.originVisitStatusGet(url, 1, { limit: 10 })).results
    expect(statuses.map((x) => [x.status, x.date.getTime()])).toEqual([
      ['created', t],
      ['ongoing', t + 2],
      ['full', t + 9],
    ])
    // After the migration, a second status at an existing date is kept.
    await s.originVisitStatusAdd([
      {
        origin: url,
        visit: 1,
        date: new Date(t + 9),
        type: 'git',
        status: 'partial',
        snapshot: null,
        metadata: null,
      },
    ])
    const after = (await s.originVisitStatusGet(url, 1, { limit: 10 })).results
    expect(after.map((x) => x.status)).toEqual(['created', 'ongoing', 'full', 'partial'])
    expect((await s.originVisitStatusGetLatest(url, 1))!.status).toBe('partial')
    // The origin counter counts the origins with a visit: one of the three.
    expect((await s.statCounters()).origin).toBe(1)
  } finally {
    await s.close()
  }
}

describe('schema migration of visit dates and statuses', () => {
  it('SQLite', async () => {
    const dir = makeTemp('arca-migrate-')
    try {
      await migrationSuite('sqlite', () => new SqliteDb({ path: join(dir, 'graph.sqlite') }), dir)
    } finally {
      removeTemp(dir)
    }
  })

  it.runIf(available)('PostgreSQL', async () => {
    const db = await createTestDatabase()
    const dir = makeTemp('arca-migrate-')
    try {
      await migrationSuite('postgres', () => new PostgresDb({ url: db.url }), dir)
    } finally {
      await db.drop()
      removeTemp(dir)
    }
  })
})

describe('a PostgreSQL user that may not create extensions', () => {
  it.runIf(available)(
    'gets every migration, origin search without the trigram index, and a warning',
    async () => {
      const db = await createTestDatabase()
      const role = `arca_noext_${Date.now().toString(36)}`
      const name = new URL(db.url).pathname.slice(1)
      const admin = async (url: string, sql: string[]) => {
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        try {
          for (const s of sql) await c.query(s)
        } finally {
          await c.end()
        }
      }
      const dir = makeTemp('arca-migrate-noext-')
      try {
        // The database belongs to the administrator: the role may use its schema, not CREATE
        // on the database, which a trusted extension needs.
        await admin(db.url, [
          `CREATE ROLE ${role} LOGIN`,
          `GRANT CONNECT ON DATABASE ${name} TO ${role}`,
          `GRANT USAGE, CREATE ON SCHEMA public TO ${role}`,
        ])
        const url = new URL(db.url)
        url.username = role
        const warnings: string[] = []
        const pgdb = new PostgresDb({ url: url.href, onWarning: (m) => warnings.push(m) })
        const storage = new SqlStorage(pgdb, migrations('postgres'), {
          objstorage: new FsObjStorage({ root: join(dir, 'objects'), fsync: false }),
        })
        await storage.open()
        try {
          const urls = [
            'https://github.com/chrislgarry/Apollo-11',
            'https://gitlab.example/apollo/eleven',
          ]
          await storage.originAdd(urls.map((u) => ({ url: u })))
          const found = await storage.originSearch('APOLLO chrislgarry')
          expect(found.results.map((r) => r.url)).toEqual([urls[0]])
          const ext = await storage.db.all("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
          expect(ext).toEqual([])
          const index = await storage.db.all(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'origin_url_trgm'",
          )
          expect(index).toEqual([])
          // one warning per index that falls back on reading every row (migrations 6 and 14)
          expect(warnings).toEqual([
            expect.stringMatching(
              /^the extension pg_trgm could not be created \(permission denied.*\): origin search will read every row$/,
            ),
            expect.stringMatching(
              /^the extension pg_trgm could not be created \(permission denied.*\): code search will read every text$/,
            ),
          ])
        } finally {
          await storage.close()
        }
      } finally {
        await db.drop()
        await admin(db.url.replace(/\/[^/]*$/, '/postgres'), [`DROP ROLE IF EXISTS ${role}`])
        removeTemp(dir)
      }
    },
  )
})
