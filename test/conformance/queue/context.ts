/**
 * What a backend's spec gives the queue conformance suite, and the suite's shared helpers.
 */
import type { SqlTaskQueue, SqlTaskQueueInit } from '../../../src/scheduler/index.js'

/** A queue on a fresh database, and how child processes reach the same database. */
export interface QueueUnderTest {
  readonly queue: SqlTaskQueue
  /** Storage URL of its database (for worker processes). */
  readonly url: string
  teardown(): Promise<void>
}

/** How a backend's spec gives the suite a queue. */
export interface QueueSuiteContext {
  /** A queue with these settings on an empty database. */
  setup(init: SqlTaskQueueInit): Promise<QueueUnderTest>
}

/** A clock that moves only when told. */
export class TestClock {
  t = Date.UTC(2026, 0, 1)
  readonly now = (): number => this.t
  advance(ms: number): void {
    this.t += ms
  }
}
