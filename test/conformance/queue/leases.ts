/**
 * Leases: expiry hands a task to another worker, heartbeats extend, a stale holder changes
 * nothing, release hands back without spending an attempt.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { type QueueSuiteContext, type QueueUnderTest, TestClock } from './context.js'

export function leaseTests(ctx: QueueSuiteContext): void {
  describe('leases', () => {
    let q: QueueUnderTest | undefined
    afterEach(async () => {
      await q?.teardown()
      q = undefined
    })

    it('a task whose lease ran out is taken again by another worker; the old holder is fenced off', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [id] = await q.queue.enqueue([{ kind: 'load', origin: 'https://example.org/r.git' }])
      const [t1] = await q.queue.claim('w1', { leaseMs: 1000 })
      expect(t1!.id).toBe(id)
      clock.advance(999)
      expect(await q.queue.claim('w2', { leaseMs: 1000 })).toEqual([])
      clock.advance(1)
      const [t2] = await q.queue.claim('w2', { leaseMs: 1000 })
      expect(t2).toMatchObject({ id, worker: 'w2', attempts: 2, state: 'running' })
      expect(t2!.lastError).toMatch(/lease expired: worker w1/)
      // w1 comes back: every call on its old lease is refused and changes nothing
      expect(await q.queue.heartbeat(t1!.lease, 1000)).toBe(false)
      expect(await q.queue.complete(t1!.lease, 'stale')).toBe(false)
      expect(await q.queue.fail(t1!.lease, 'stale')).toBe('lost')
      expect(await q.queue.release(t1!.lease)).toBe(false)
      expect((await q.queue.get([id!]))[0]).toMatchObject({ state: 'running', worker: 'w2' })
      expect(await q.queue.complete(t2!.lease, 'fresh')).toBe(true)
      expect((await q.queue.get([id!]))[0]).toMatchObject({ state: 'done', result: 'fresh' })
    })

    it('a heartbeat extends the lease', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [id] = await q.queue.enqueue([{ kind: 'load' }])
      const [t] = await q.queue.claim('w1', { leaseMs: 1000 })
      clock.advance(800)
      expect(await q.queue.heartbeat(t!.lease, 1000)).toBe(true)
      expect((await q.queue.get([id!]))[0]!.leaseUntil).toBe(clock.t + 1000)
      clock.advance(800) // past the first lease, inside the extended one
      expect(await q.queue.claim('w2', { leaseMs: 1000 })).toEqual([])
      expect(await q.queue.reapExpired()).toEqual({ requeued: 0, dead: 0 })
      clock.advance(200)
      expect((await q.queue.claim('w2', { leaseMs: 1000 })).map((x) => x.id)).toEqual([id])
    })

    it('reapExpired requeues lost tasks, and kills those that had no attempt left', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [again, last] = await q.queue.enqueue([
        { kind: 'load', maxAttempts: 2 },
        { kind: 'load', maxAttempts: 1 },
      ])
      await q.queue.claim('w1', { leaseMs: 1000, limit: 2 })
      clock.advance(1000)
      expect(await q.queue.reapExpired()).toEqual({ requeued: 1, dead: 1 })
      const [a, b] = await q.queue.get([again!, last!])
      expect(a).toMatchObject({ state: 'queued', attempts: 1, leaseUntil: null })
      expect(b).toMatchObject({ state: 'dead', attempts: 1, finishedAt: clock.t })
      expect(b!.lastError).toMatch(/lease expired: worker w1 stopped heartbeating/)
      expect((await q.queue.list({ state: 'dead' })).map((t) => t.id)).toEqual([last])
    })

    it('release hands the task back at once, without spending an attempt', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [id] = await q.queue.enqueue([{ kind: 'load', origin: 'o', maxAttempts: 1 }])
      const [t1] = await q.queue.claim('w1', { leaseMs: 60_000 })
      expect(await q.queue.release(t1!.lease)).toBe(true)
      expect((await q.queue.get([id!]))[0]).toMatchObject({ state: 'queued', attempts: 0 })
      const [t2] = await q.queue.claim('w2', { leaseMs: 60_000 })
      expect(t2).toMatchObject({ id, attempts: 1, worker: 'w2' })
      expect(await q.queue.release(t1!.lease)).toBe(false)
      expect(await q.queue.complete(t1!.lease)).toBe(false)
      expect(await q.queue.complete(t2!.lease)).toBe(true)
    })

    it('progress keeps the latest value on the task, refuses a stale lease, and starts afresh at the next claim', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [id] = await q.queue.enqueue([{ kind: 'load', origin: 'o' }])
      expect((await q.queue.get([id!]))[0]!.progress).toBeNull()
      const [t1] = await q.queue.claim('w1', { leaseMs: 1000 })
      expect(await q.queue.progress(t1!.lease, { phase: 'fetch', objects: 10 })).toBe(true)
      expect(await q.queue.progress(t1!.lease, { phase: 'contents', objects: 3, total: 7 })).toBe(
        true,
      )
      expect((await q.queue.get([id!]))[0]!.progress).toEqual({
        phase: 'contents',
        objects: 3,
        total: 7,
      })
      expect((await q.queue.list({ state: 'running' }))[0]!.progress).toMatchObject({
        phase: 'contents',
      })
      clock.advance(1000)
      const [t2] = await q.queue.claim('w2', { leaseMs: 1000 })
      expect(t2!.progress).toBeNull()
      expect(await q.queue.progress(t1!.lease, 'stale')).toBe(false)
      expect(await q.queue.progress(t2!.lease, 'fresh')).toBe(true)
      expect(await q.queue.complete(t2!.lease, { ok: 1 })).toBe(true)
      expect((await q.queue.get([id!]))[0]).toMatchObject({ progress: 'fresh', result: { ok: 1 } })
      expect(await q.queue.progress(t2!.lease, 'after')).toBe(false)
    })
  })
}
