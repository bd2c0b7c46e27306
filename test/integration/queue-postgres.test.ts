/**
 * The task queue conformance suite on PostgreSQL (a throwaway database per test). Fails when
 * PostgreSQL is unreachable and CI=true.
 */
import { describe } from 'vitest'

import { openTaskQueue } from '../../src/scheduler/index.js'
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
