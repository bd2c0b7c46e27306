/**
 * The scheduler on each real backend, for suites that run on both: SQLite (a database file of
 * its own) always, PostgreSQL (a throwaway database) when reachable (required when CI=true).
 */
import { join } from 'node:path'

import type { SqlVisitSchedulerInit } from '../../src/scheduler/index.js'
import { openScheduler, type Scheduler, type SqlTaskQueueInit } from '../../src/scheduler/index.js'
import { createTestDatabase, postgresAvailable } from './services.js'
import { makeTemp, removeTemp } from './tree.js'

/** A scheduler on a fresh database, with the URL other processes reach it by. */
export interface SchedulerUnderTest extends Scheduler {
  readonly url: string
  teardown(): Promise<void>
}

/** Settings of a scheduler under test. */
export type SchedulerTestInit = Omit<SqlTaskQueueInit, 'ownsDatabase'> & {
  readonly visits?: SqlVisitSchedulerInit
}

/** One backend: its name and how to get a fresh scheduler on it. */
export interface SchedulerBackend {
  readonly name: string
  setup(init?: SchedulerTestInit): Promise<SchedulerUnderTest>
}

const sqlite: SchedulerBackend = {
  name: 'sqlite',
  async setup(init = {}) {
    const dir = makeTemp('arca-sched-')
    const url = `sqlite:${join(dir, 'graph.sqlite')}`
    const s = await openScheduler(url, init)
    return {
      ...s,
      url,
      async teardown() {
        await s.close()
        removeTemp(dir)
      },
    }
  },
}

const postgres: SchedulerBackend = {
  name: 'postgres',
  async setup(init = {}) {
    const db = await createTestDatabase()
    const s = await openScheduler(db.url, init)
    return {
      ...s,
      url: db.url,
      async teardown() {
        await s.close()
        await db.drop()
      },
    }
  },
}

/** The backends to run on here. */
export async function schedulerBackends(): Promise<SchedulerBackend[]> {
  return (await postgresAvailable()) ? [sqlite, postgres] : [sqlite]
}
