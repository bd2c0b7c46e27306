/**
 * Retries: exponential backoff with jitter (from an injected random source), dead after the
 * last attempt with the error kept, dead at once for an error a retry cannot fix.
 *
 * Expected delays are worked by hand from the documented rule (docs/scheduler.md): after failed
 * attempt n the nominal delay is min(max, base·2^(n−1)), and the retry comes after
 * nominal/2 + random·nominal/2.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { type QueueSuiteContext, type QueueUnderTest, TestClock } from './context.js'

export function retryTests(ctx: QueueSuiteContext): void {
  describe('retries', () => {
    let q: QueueUnderTest | undefined
    afterEach(async () => {
      await q?.teardown()
      q = undefined
    })

    it('retries after a backoff that doubles and is jittered, then dies with its error', async () => {
      const clock = new TestClock()
      const draws = [0, 0.5, 0.75]
      q = await ctx.setup({
        clock: clock.now,
        random: () => draws.shift() ?? 0,
        backoff: { baseMs: 1000, maxMs: 3000 },
      })
      const [id] = await q.queue.enqueue([{ kind: 'load', origin: 'o', maxAttempts: 4 }])
      const notBefore = async (): Promise<number> => (await q!.queue.get([id!]))[0]!.notBefore

      // attempt 1 fails: nominal 1000 ms, jitter 0 → 500 ms
      let [t] = await q.queue.claim('w', { leaseMs: 60_000 })
      expect(await q.queue.fail(t!.lease, 'timeout 1')).toBe('retry')
      expect(await notBefore()).toBe(clock.t + 500)
      const [queued] = await q.queue.get([id!])
      expect(queued).toMatchObject({ state: 'queued', attempts: 1, lastError: 'timeout 1' })
      clock.advance(499)
      expect(await q.queue.claim('w', { leaseMs: 60_000 })).toEqual([])
      clock.advance(1)
      ;[t] = await q.queue.claim('w', { leaseMs: 60_000 })
      expect(t).toMatchObject({ id, attempts: 2 })

      // attempt 2: nominal 2000 ms, jitter 0.5 → 1000 + 500
      expect(await q.queue.fail(t!.lease, 'timeout 2')).toBe('retry')
      expect(await notBefore()).toBe(clock.t + 1500)
      clock.advance(1500)
      ;[t] = await q.queue.claim('w', { leaseMs: 60_000 })

      // attempt 3: nominal 4000 capped at 3000, jitter 0.75 → 1500 + 1125
      expect(await q.queue.fail(t!.lease, 'timeout 3')).toBe('retry')
      expect(await notBefore()).toBe(clock.t + 2625)
      expect(await q.queue.counts()).toMatchObject([{ kind: 'load', ready: 0, delayed: 1 }])
      clock.advance(2625)
      ;[t] = await q.queue.claim('w', { leaseMs: 60_000 })
      expect(t).toMatchObject({ attempts: 4 })

      // attempt 4 of 4: dead, the error kept and visible
      expect(await q.queue.fail(t!.lease, 'remote hung up')).toBe('dead')
      clock.advance(1_000_000)
      expect(await q.queue.claim('w', { leaseMs: 60_000 })).toEqual([])
      const dead = await q.queue.list({ state: 'dead' })
      expect(dead).toHaveLength(1)
      expect(dead[0]).toMatchObject({ id, attempts: 4, lastError: 'remote hung up', origin: 'o' })
      expect(await q.queue.counts()).toMatchObject([{ kind: 'load', dead: 1, ready: 0 }])
    })

    it('an error marked not retryable kills the task at once', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [id] = await q.queue.enqueue([{ kind: 'load', maxAttempts: 5 }])
      const [t] = await q.queue.claim('w', { leaseMs: 60_000 })
      expect(await q.queue.fail(t!.lease, 'not a git repository', { retry: false })).toBe('dead')
      expect((await q.queue.get([id!]))[0]).toMatchObject({
        state: 'dead',
        attempts: 1,
        lastError: 'not a git repository',
        finishedAt: clock.t,
      })
    })
  })
}
