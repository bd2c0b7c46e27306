/**
 * The task queue conformance suite on PostgreSQL (a throwaway database per test). Fails when
 * PostgreSQL is unreachable and CI=true.
 */
import { describe, expect, it } from 'vitest'

import { openTaskQueue } from '../../src/scheduler/index.js'
import { openSqlDatabase } from '../../src/storage/index.js'
import { queueConformanceTests } from '../conformance/queue/index.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'

const available = await postgresAvailable()

describe.runIf(available)('PostgreSQL task queue', () => {
  queueConformanceTests('postgres', {
    async setup(init) {
      const db = await createTestDatabase()
      const queue = await openTaskQueue(db.url, init)
      return {
        queue,
        url: db.url,
        async teardown() {
          await queue.close()
          await db.drop()
        },
      }
    },
  })
})

describe.runIf(available)('PostgreSQL session settings', () => {
  it('connections opened with settings have them; others keep the server default', async () => {
    const db = await createTestDatabase()
    const relaxed = openSqlDatabase(db.url, { postgresSettings: { synchronous_commit: 'off' } })
    const plain = openSqlDatabase(db.url)
    try {
      expect(await relaxed.all('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'off' }])
      expect(await plain.all('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }])
    } finally {
      await relaxed.close()
      await plain.close()
      await db.drop()
    }
  })
})
