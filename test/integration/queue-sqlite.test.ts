/**
 * The task queue conformance suite on SQLite (a database file of its own per test, as the
 * archive's `graph.sqlite` would be).
 */
import { join } from 'node:path'

import { describe } from 'vitest'

import { openTaskQueue } from '../../src/scheduler/index.js'
import { queueConformanceTests } from '../conformance/queue/index.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe('SQLite task queue', () => {
  queueConformanceTests('sqlite', {
    async setup(init) {
      const dir = makeTemp('arca-queue-')
      const url = `sqlite:${join(dir, 'graph.sqlite')}`
      const queue = await openTaskQueue(url, init)
      return {
        queue,
        url,
        async teardown() {
          await queue.close()
          removeTemp(dir)
        },
      }
    },
  })
})
