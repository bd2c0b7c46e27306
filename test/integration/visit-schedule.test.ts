/**
 * Recurrent visits on SQLite and PostgreSQL, with dates given by the test (no jitter: the
 * random source answers 0.5): never-visited origins first then by lag, never a second task for
 * an origin, the adaptive interval within its bounds, cooldowns after failures, disabling after
 * three unsuccessful visits until listed again, out-of-order visits ignored, the periodic job
 * run by one holder per period. Expected due times are worked by hand from the policy's rules
 * (1 day after a first visit, halved after eventful visits, doubled after uneventful ones,
 * within 12 h and 64 days; 14 days after a failure, 31 after a not-found).
 */
import { afterEach, describe, expect, it } from 'vitest'

import {
  type ClaimedTask,
  PRIORITY,
  recordLoadEnd,
  type VisitOutcome,
} from '../../src/scheduler/index.js'
import { schedulerBackends, type SchedulerUnderTest } from '../helpers/scheduler-backends.js'

const HOUR = 3600_000
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 0, 1)

const ok = (date: number, eventful: boolean, snapshot = 'aa'.repeat(20)): VisitOutcome => ({
  date,
  status: 'full',
  snapshot,
  eventful,
})
const bad = (date: number, status: 'failed' | 'not_found'): VisitOutcome => ({
  date,
  status,
  snapshot: null,
  eventful: false,
})

const backends = await schedulerBackends()

describe.each(backends)('recurrent visits on $name', (backend) => {
  let s: SchedulerUnderTest | undefined
  let now = T0
  afterEach(async () => {
    await s?.teardown()
    s = undefined
  })
  const setup = async (): Promise<SchedulerUnderTest> => {
    now = T0
    s = await backend.setup({ clock: () => now, visits: { random: () => 0.5 } })
    return s
  }
  const origin = async (url: string): Promise<Record<string, unknown>> => {
    const [o] = await s!.visits
      .list({ afterUrl: '', limit: 1000 })
      .then((l) => l.filter((x) => x.url === url))
    return o as unknown as Record<string, unknown>
  }
  const scheduled = async (limit: number): Promise<[string | null, number, unknown][]> => {
    const r = await s!.visits.scheduleDue(limit)
    const tasks = await s!.queue.get(r.taskIds)
    for (const t of tasks) expect(t).toMatchObject({ kind: 'load-git', args: { url: t!.origin } })
    return tasks.map((t) => [t!.origin, t!.priority, t!.state])
  }

  it('never-visited origins first (in listing order), then the others by lag; one task per origin', async () => {
    const { visits, queue } = await setup()
    await visits.addOrigins([
      { url: 'https://ex.org/n2', visitType: 'git' },
      { url: 'https://ex.org/v1', visitType: 'git' },
      { url: 'https://ex.org/v2', visitType: 'git' },
      { url: 'https://ex.org/busy', visitType: 'git' },
    ])
    now = T0 + 30_000
    await visits.addOrigins([{ url: 'https://ex.org/n1', visitType: 'git', lister: 'gitlab' }])
    now = T0 + 60_000
    await visits.addOrigins([{ url: 'https://ex.org/n3', visitType: 'git' }])
    // v2 visited before v1: due a day after, so more overdue
    expect(await visits.recordVisit('https://ex.org/v1', 'git', ok(T0 + 2 * HOUR, true))).toBe(true)
    await visits.recordVisit('https://ex.org/v2', 'git', ok(T0 + HOUR, true))
    await visits.recordVisit('https://ex.org/busy', 'git', ok(T0 + HOUR, true))
    expect(await origin('https://ex.org/v1')).toMatchObject({
      lastVisit: T0 + 2 * HOUR,
      lastVisitStatus: 'successful',
      nextVisitDue: T0 + 2 * HOUR + DAY,
    })
    // someone else's task (a save request) for busy is queued
    await queue.enqueue([{ kind: 'load-git', origin: 'https://ex.org/busy', priority: 100 }])
    now = T0 + 3 * DAY
    expect(await scheduled(2)).toEqual([
      ['https://ex.org/n2', PRIORITY.firstVisit, 'queued'],
      ['https://ex.org/n1', PRIORITY.firstVisit, 'queued'],
    ])
    expect(await scheduled(10)).toEqual([
      ['https://ex.org/n3', PRIORITY.firstVisit, 'queued'],
      ['https://ex.org/v2', PRIORITY.recurrent, 'queued'],
      ['https://ex.org/v1', PRIORITY.recurrent, 'queued'],
    ])
    expect(await scheduled(10)).toEqual([])
    expect(await origin('https://ex.org/n1')).toMatchObject({
      lister: 'gitlab',
      enabled: true,
      firstSeen: T0 + 30_000,
      lastScheduled: T0 + 3 * DAY,
    })
    // per visit type: six listed, three never visited, one due (busy, behind its own task)
    expect(await visits.lag()).toEqual([
      { visitType: 'git', origins: 6, enabled: 6, neverVisited: 3, due: 1, lagMs: 2 * DAY - HOUR },
    ])
  })

  it('an origin listed twice in one batch counts once, keeping what either occurrence says', async () => {
    const { visits } = await setup()
    const url = 'https://ex.org/dup'
    const res = await visits.addOrigins([
      { url, visitType: 'git', lastUpdate: T0 },
      { url: 'https://ex.org/other', visitType: 'git' },
      { url, visitType: 'git', isFork: true, forkedFromUrl: 'https://ex.org/up' },
      { url, visitType: 'hg' },
    ])
    expect(res.added).toBe(3)
    expect(
      (
        await visits.addOrigins([
          { url, visitType: 'git' },
          { url, visitType: 'git' },
        ])
      ).added,
    ).toBe(0)
    const all = (await visits.list({ afterUrl: '', limit: 1000 })).filter((x) => x.url === url)
    expect(all).toHaveLength(2)
    const o = await origin(url)
    expect(o).toMatchObject({ lastUpdate: T0 })
  })

  it('the interval halves after eventful visits and doubles after uneventful ones, within 12 h and 64 days', async () => {
    const { visits } = await setup()
    const url = 'https://ex.org/r'
    await visits.addOrigins([{ url, visitType: 'git' }])
    const steps: [boolean, number][] = [
      [true, DAY], // the first visit sets no pace
      [true, 12 * HOUR],
      [true, 12 * HOUR], // not below the minimum
      [false, DAY],
      [false, 2 * DAY],
      [false, 4 * DAY],
      [false, 8 * DAY],
      [false, 16 * DAY],
      [false, 32 * DAY],
      [false, 64 * DAY],
      [false, 64 * DAY], // not above the maximum
      [true, 32 * DAY],
    ]
    let date = T0 + HOUR
    for (const [eventful, interval] of steps) {
      await visits.recordVisit(url, 'git', ok(date, eventful))
      const o = await origin(url)
      expect(o).toMatchObject({ intervalMs: interval, nextVisitDue: date + interval })
      expect(o[eventful ? 'lastEventful' : 'lastUneventful']).toBe(date)
      date += interval
    }
  })

  it('cooldowns after failures; three unsuccessful visits in a row disable the origin until it is listed again', async () => {
    const { visits } = await setup()
    const url = 'https://ex.org/gone'
    await visits.addOrigins([{ url, visitType: 'git' }])
    const d1 = T0 + HOUR
    await visits.recordVisit(url, 'git', bad(d1, 'failed'))
    expect(await origin(url)).toMatchObject({
      lastFailed: d1,
      lastVisitStatus: 'failed',
      successiveFailures: 1,
      nextVisitDue: d1 + 14 * DAY,
    })
    now = d1 + 14 * DAY - 1
    expect(await scheduled(10)).toEqual([])
    now = d1 + 14 * DAY
    expect(await scheduled(10)).toEqual([[url, PRIORITY.recurrent, 'queued']])
    const d2 = d1 + 15 * DAY
    await visits.recordVisit(url, 'git', bad(d2, 'not_found'))
    expect(await origin(url)).toMatchObject({
      lastNotFound: d2,
      successiveFailures: 2,
      nextVisitDue: d2 + 31 * DAY,
      enabled: true,
    })
    const d3 = d2 + 31 * DAY
    await visits.recordVisit(url, 'git', bad(d3, 'failed'))
    expect(await origin(url)).toMatchObject({
      successiveFailures: 3,
      enabled: false,
      nextVisitDue: null,
    })
    now = d3 + 1000 * DAY
    const [t] = await s!.queue.claim('w', { leaseMs: 1000 })
    await s!.queue.complete(t!.lease)
    expect(await scheduled(10)).toEqual([])
    // listed again: enabled, due at once
    await visits.addOrigins([{ url, visitType: 'git' }])
    expect(await origin(url)).toMatchObject({ enabled: true, nextVisitDue: now, lastSeen: now })
    expect(await scheduled(10)).toEqual([[url, PRIORITY.recurrent, 'queued']])
    await visits.recordVisit(url, 'git', ok(now + HOUR, true))
    expect(await origin(url)).toMatchObject({ successiveFailures: 0, enabled: true })
  })

  it('a visit older than the last one recorded is ignored; an origin not listed gets stats but no due time', async () => {
    const { visits } = await setup()
    await visits.addOrigins([{ url: 'https://ex.org/r', visitType: 'git' }])
    await visits.recordVisit('https://ex.org/r', 'git', ok(T0 + 2 * HOUR, true, 'bb'.repeat(20)))
    expect(await visits.recordVisit('https://ex.org/r', 'git', bad(T0 + HOUR, 'failed'))).toBe(
      false,
    )
    expect(await origin('https://ex.org/r')).toMatchObject({
      lastVisitStatus: 'successful',
      lastSnapshot: 'bb'.repeat(20),
      successiveFailures: 0,
    })
    expect(await visits.recordVisit('https://ex.org/unlisted', 'git', ok(T0, true))).toBe(true)
    expect(await visits.list()).toHaveLength(1)
    now = T0 + 100 * DAY
    expect((await scheduled(10)).map((x) => x[0])).toEqual(['https://ex.org/r'])
  })

  it('the worker hook records a load task that ended, not one that will be retried', async () => {
    const { visits, queue } = await setup()
    const url = 'https://ex.org/r'
    await visits.addOrigins([{ url, visitType: 'git' }])
    await queue.enqueue([{ kind: 'load-git', origin: url, args: { url } }])
    const [task] = await queue.claim('w', { leaseMs: 1000 })
    const hook = recordLoadEnd(visits, () => now)
    const t = task as ClaimedTask
    await hook(t, { state: 'failed', outcome: 'retry', error: 'reset', result: null })
    expect(await origin(url)).toMatchObject({ lastVisit: null })
    const result = {
      visit: 1,
      status: 'full',
      snapshot: 'cc'.repeat(20),
      date: new Date(T0 + HOUR).toISOString(),
      eventful: true,
      message: null,
    }
    await hook(t, { state: 'done', result })
    expect(await origin(url)).toMatchObject({
      lastVisit: T0 + HOUR,
      lastEventful: T0 + HOUR,
      lastSnapshot: 'cc'.repeat(20),
    })
    now = T0 + 5 * HOUR
    await hook(t, { state: 'failed', outcome: 'dead', error: 'gone', result: null })
    expect(await origin(url)).toMatchObject({ lastFailed: T0 + 5 * HOUR, successiveFailures: 1 })
  })

  it('a periodic job runs in one process per period', async () => {
    const { visits } = await setup()
    expect(await visits.runJobOnce('schedule-due', 'a', 10_000)).toBe(true)
    expect(await visits.runJobOnce('schedule-due', 'b', 10_000)).toBe(false)
    now += 9_999
    expect(await visits.runJobOnce('schedule-due', 'b', 10_000)).toBe(false)
    now += 1
    expect(await visits.runJobOnce('schedule-due', 'b', 10_000)).toBe(true)
    expect(await visits.runJobOnce('other', 'b', 10_000)).toBe(true)
  })
})
