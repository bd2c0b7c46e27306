import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Storage } from '../../../src/storage/interface.js'
import { added, type StorageSuiteContext, uniq } from './context.js'

/** Visits and statuses. */
export function visitTests(ctx: StorageSuiteContext): void {
  describe('visit', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('numbers visits per origin, pages them, finds the latest by type, status and snapshot', async () => {
      const url = `https://example.org/${uniq('v')}`
      await added(s, s.originAdd([{ url }]))
      const t0 = Date.UTC(2024, 0, 1)
      const visits = await s.originVisitAdd([
        { origin: url, date: new Date(t0), type: 'git' },
        { origin: url, date: new Date(t0 + 1000), type: 'git' },
        { origin: url, date: new Date(t0 + 2000), type: 'hg' },
      ])
      expect(visits.map((v) => v.visit)).toEqual([1, 2, 3])
      const snp = 'c'.repeat(40)
      const st = (
        visit: number,
        ms: number,
        status: 'created' | 'full' | 'partial' | 'failed',
        snapshot: string | null,
      ) => ({
        origin: url,
        visit,
        date: new Date(t0 + ms),
        type: visit === 3 ? 'hg' : 'git',
        status,
        snapshot,
        metadata: { n: ms },
      })
      await added(
        s,
        s.originVisitStatusAdd([
          st(1, 10, 'created', null),
          st(1, 20, 'full', snp),
          st(2, 30, 'created', null),
          st(2, 40, 'failed', null),
          st(3, 50, 'partial', snp),
        ]),
      )
      // Idempotent on (origin, visit, date).
      expect(
        (await added(s, s.originVisitStatusAdd([st(1, 10, 'created', null)])))[
          'origin_visit_status:add'
        ],
      ).toBe(0)

      const page1 = await s.originVisitGet(url, { limit: 2 })
      expect(page1.results.map((v) => v.visit)).toEqual([1, 2])
      const page2 = await s.originVisitGet(url, { limit: 2, pageToken: page1.nextPageToken })
      expect(page2.results.map((v) => v.visit)).toEqual([3])
      expect(page2.nextPageToken).toBeNull()
      expect((await s.originVisitGet(url, { order: 'desc', limit: 1 })).results[0]!.visit).toBe(3)

      expect((await s.originVisitGetLatest(url))!.visit.visit).toBe(3)
      expect((await s.originVisitGetLatest(url, { type: 'git' }))!.visit.visit).toBe(2)
      const withSnp = await s.originVisitGetLatest(url, { type: 'git', requireSnapshot: true })
      expect(withSnp!.visit.visit).toBe(1)
      expect(withSnp!.status).toMatchObject({ status: 'full', snapshot: snp, metadata: { n: 20 } })
      expect((await s.originVisitGetLatest(url, { allowedStatuses: ['full'] }))!.visit.visit).toBe(
        1,
      )
      expect(await s.originVisitGetLatest(url, { type: 'svn' })).toBeNull()
      expect((await s.originVisitStatusGetLatest(url, 2))!.status).toBe('failed')
      const history = await s.originVisitStatusGet(url, 1)
      expect(history.results.map((h) => h.status)).toEqual(['created', 'full'])
      expect((await s.originVisitGetByNumber(url, 2))!.date.getTime()).toBe(t0 + 1000)
      expect(await s.originVisitGetByNumber(url, 9)).toBeNull()
    })

    it('refuses visits of unknown origins', async () => {
      await expect(
        s.originVisitAdd([
          { origin: `https://nowhere/${uniq('x')}`, date: new Date(), type: 'git' },
        ]),
      ).rejects.toThrow(/unknown origin/)
    })
  })
}
