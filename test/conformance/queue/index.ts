/**
 * The task queue conformance suite: one function, run against every backend (SQLite and
 * PostgreSQL). Time comes from an injected clock (no sleeping, no timing assertions).
 */
import { describe } from 'vitest'

import { concurrencyTests } from './concurrency.js'
import type { QueueSuiteContext } from './context.js'
import { leaseTests } from './leases.js'
import { orderTests } from './order.js'
import { retryTests } from './retries.js'

export type { QueueSuiteContext, QueueUnderTest } from './context.js'

/** Registers the queue conformance tests. */
export function queueConformanceTests(name: string, ctx: QueueSuiteContext): void {
  describe(`task queue: ${name}`, () => {
    orderTests(ctx)
    leaseTests(ctx)
    retryTests(ctx)
    concurrencyTests(ctx)
  })
}
