/**
 * The Save Code Now conformance suite on SQLite (a database file per test) and PostgreSQL (a
 * throwaway database per test; skipped with a notice when unreachable, failing when CI=true).
 */
import { join } from 'node:path'

import { openSqlDatabase } from '../../src/storage/index.js'
import { saveConformanceTests } from '../conformance/save/index.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

saveConformanceTests('SQLite', {
  setup() {
    const dir = makeTemp('arca-save-')
    const db = openSqlDatabase(`sqlite:${join(dir, 'graph.sqlite')}`)
    return Promise.resolve({
      db,
      async teardown() {
        await db.close()
        removeTemp(dir)
      },
    })
  },
})

if (await postgresAvailable())
  saveConformanceTests('PostgreSQL', {
    async setup() {
      const t = await createTestDatabase()
      const db = openSqlDatabase(t.url)
      return {
        db,
        async teardown() {
          await db.close()
          await t.drop()
        },
      }
    },
  })
