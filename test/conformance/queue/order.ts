/**
 * Enqueueing, priorities, due times, kinds, one running task per origin, listing and counts.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { PRIORITY } from '../../../src/scheduler/index.js'
import { type QueueSuiteContext, type QueueUnderTest, TestClock } from './context.js'

export function orderTests(ctx: QueueSuiteContext): void {
  describe('order', () => {
    let q: QueueUnderTest | undefined
    afterEach(async () => {
      await q?.teardown()
      q = undefined
    })

    it('enqueue stores the tasks as given, ids in input order', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const ids = await q.queue.enqueue([
        { kind: 'load-git', origin: 'https://example.org/a.git', args: { url: 'a', n: [1, 2] } },
        { kind: 'list-gitlab', priority: 7, maxAttempts: 5, notBefore: clock.t + 1000 },
      ])
      expect(ids).toHaveLength(2)
      expect(ids[1]).toBeGreaterThan(ids[0]!)
      const [a, b, missing] = await q.queue.get([ids[0]!, ids[1]!, 999_999])
      expect(a).toMatchObject({
        id: ids[0],
        kind: 'load-git',
        origin: 'https://example.org/a.git',
        args: { url: 'a', n: [1, 2] },
        priority: 0,
        state: 'queued',
        attempts: 0,
        maxAttempts: 3,
        notBefore: clock.t,
        createdAt: clock.t,
        leaseUntil: null,
        lastError: null,
      })
      expect(b).toMatchObject({ origin: null, args: null, priority: 7, maxAttempts: 5 })
      expect(b!.notBefore).toBe(clock.t + 1000)
      expect(missing).toBeNull()
      await expect(q.queue.enqueue([{ kind: '' }])).rejects.toThrow(/kind/)
      await expect(q.queue.enqueue([{ kind: 'x', maxAttempts: 0 }])).rejects.toThrow(/maxAttempts/)
    })

    it('claims save requests ahead of first visits ahead of recurrent visits, then oldest first', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const ids = await q.queue.enqueue([
        { kind: 'load', args: 'recurrent 1', priority: PRIORITY.recurrent },
        { kind: 'load', args: 'save 1', priority: PRIORITY.saveRequest },
        { kind: 'load', args: 'recurrent 2', priority: PRIORITY.recurrent },
        { kind: 'load', args: 'first 1', priority: PRIORITY.firstVisit },
        { kind: 'load', args: 'save 2', priority: PRIORITY.saveRequest },
      ])
      const first = await q.queue.claim('w', { leaseMs: 60_000, limit: 2 })
      expect(first.map((t) => t.args)).toEqual(['save 1', 'save 2'])
      const rest = await q.queue.claim('w', { leaseMs: 60_000, limit: 10 })
      expect(rest.map((t) => t.args)).toEqual(['first 1', 'recurrent 1', 'recurrent 2'])
      expect([...first, ...rest].map((t) => t.id).sort((a, b) => a - b)).toEqual(ids)
      expect(await q.queue.claim('w', { leaseMs: 60_000 })).toEqual([])
    })

    it('claims a task only once it is due, and only of the kinds asked', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const [later] = await q.queue.enqueue([{ kind: 'load', notBefore: clock.t + 5000 }])
      const [list] = await q.queue.enqueue([{ kind: 'list' }])
      expect(await q.queue.claim('w', { leaseMs: 1000, kinds: ['load'] })).toEqual([])
      clock.advance(5000)
      const loads = await q.queue.claim('w', { leaseMs: 1000, kinds: ['load', 'cook'], limit: 5 })
      expect(loads.map((t) => t.id)).toEqual([later])
      const lists = await q.queue.claim('w', { leaseMs: 1000, limit: 5 })
      expect(lists.map((t) => t.id)).toEqual([list])
      expect(lists[0]).toMatchObject({ state: 'running', worker: 'w', attempts: 1 })
      expect(lists[0]!.leaseUntil).toBe(clock.t + 1000)
    })

    it('never runs two tasks of one origin at once', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      const A = 'https://example.org/a.git'
      const B = 'https://example.org/b.git'
      const [a1, a2, b1, a3, n1] = await q.queue.enqueue([
        { kind: 'load', origin: A },
        { kind: 'load', origin: A, priority: PRIORITY.saveRequest },
        { kind: 'load', origin: B },
        { kind: 'load', origin: A },
        { kind: 'list' },
      ])
      const batch = await q.queue.claim('w1', { leaseMs: 60_000, limit: 10 })
      // a2 leads (priority); a1 and a3 wait behind it; tasks without an origin are free
      expect(batch.map((t) => t.id)).toEqual([a2, b1, n1])
      expect(await q.queue.claim('w2', { leaseMs: 60_000, limit: 10 })).toEqual([])
      expect(await q.queue.complete(batch[0]!.lease)).toBe(true)
      const next = await q.queue.claim('w2', { leaseMs: 60_000, limit: 10 })
      expect(next.map((t) => t.id)).toEqual([a1])
      await q.queue.fail(next[0]!.lease, 'boom', { retry: false })
      expect((await q.queue.claim('w2', { leaseMs: 60_000, limit: 10 })).map((t) => t.id)).toEqual([
        a3,
      ])
    })

    it('lists tasks by state, kind and origin, and counts them per kind', async () => {
      const clock = new TestClock()
      q = await ctx.setup({ clock: clock.now })
      await q.queue.enqueue([
        { kind: 'load', origin: 'o1' },
        { kind: 'load', origin: 'o2' },
        { kind: 'load', origin: 'o3', notBefore: clock.t + 60_000 },
        { kind: 'list' },
      ])
      clock.advance(2500)
      const [running] = await q.queue.claim('w', { leaseMs: 60_000, kinds: ['load'] })
      const [dead] = await q.queue.claim('w', { leaseMs: 60_000, kinds: ['load'] })
      await q.queue.fail(dead!.lease, 'no such repository', { retry: false })
      expect(await q.queue.counts()).toEqual([
        { kind: 'list', ready: 1, delayed: 0, running: 0, done: 0, dead: 0, lagMs: 2500 },
        { kind: 'load', ready: 0, delayed: 1, running: 1, done: 0, dead: 1, lagMs: 0 },
      ])
      await q.queue.complete(running!.lease, { snapshot: 'abc' })
      const done = await q.queue.list({ state: 'done' })
      expect(done.map((t) => [t.origin, t.result, t.finishedAt])).toEqual([
        ['o1', { snapshot: 'abc' }, clock.t],
      ])
      expect((await q.queue.list({ kind: 'load' })).map((t) => t.origin)).toEqual([
        'o1',
        'o2',
        'o3',
      ])
      expect((await q.queue.list({ origin: 'o2' })).map((t) => t.state)).toEqual(['dead'])
      const page = await q.queue.list({ limit: 2 })
      expect(page.map((t) => t.origin)).toEqual(['o1', 'o2'])
      const next = await q.queue.list({ afterId: page[1]!.id })
      expect(next.map((t) => t.origin)).toEqual(['o3', null])
      expect(await q.queue.purgeDone(clock.t + 1)).toBe(1)
      expect(await q.queue.list({ state: 'done' })).toEqual([])
    })
  })
}
