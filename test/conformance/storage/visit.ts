import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { OriginVisitStatus } from '../../../src/model/objects.js'
import type { Page, Storage } from '../../../src/storage/interface.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

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
      await s.originAdd([{ url }])
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
      await s.originVisitStatusAdd([
        st(1, 10, 'created', null),
        st(1, 20, 'full', snp),
        st(2, 30, 'created', null),
        st(2, 40, 'failed', null),
        st(3, 50, 'partial', snp),
      ])
      // Idempotent on (origin, visit, date).
      expect(
        (await counted(s, s.originVisitStatusAdd([st(1, 10, 'created', null)])))[
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

    it('keeps the statuses of a visit added in one millisecond, in the order added', async () => {
      const url = `https://example.org/${uniq('ms')}`
      await s.originAdd([{ url }])
      const date = new Date(Date.UTC(2024, 3, 4, 5, 6, 7, 8))
      await s.originVisitAdd([{ origin: url, date, type: 'git' }])
      const st = (status: 'created' | 'ongoing' | 'full') => ({
        origin: url,
        visit: 1,
        date,
        type: 'git',
        status,
        snapshot: null,
        metadata: null,
      })
      await s.originVisitStatusAdd([st('created')])
      await s.originVisitStatusAdd([st('ongoing')])
      await s.originVisitStatusAdd([st('full')])
      const history = await s.originVisitStatusGet(url, 1, { limit: 10 })
      expect(history.results.map((h) => h.status)).toEqual(['created', 'ongoing', 'full'])
      expect((await s.originVisitStatusGetLatest(url, 1))!.status).toBe('full')
    })

    it('keeps every status, in order, even two at one date; dates to the microsecond', async () => {
      const url = `https://example.org/${uniq('m')}`
      await s.originAdd([{ url }])
      const t0 = Date.UTC(2024, 2, 3, 4, 5, 6, 7)
      const [v] = await s.originVisitAdd([
        { origin: url, date: new Date(t0), dateExtraMicros: 890, type: 'git' },
      ])
      expect(v).toMatchObject({ visit: 1, dateExtraMicros: 890 })
      const back = await s.originVisitGetByNumber(url, 1)
      expect(back!.date.getTime()).toBe(t0)
      expect(back!.dateExtraMicros).toBe(890)
      const snp = 'e'.repeat(40)
      const at = (extra: number, status: 'created' | 'ongoing' | 'full', n: number) => ({
        origin: url,
        visit: 1,
        date: new Date(t0 + 1),
        ...(extra ? { dateExtraMicros: extra } : {}),
        type: 'git',
        status,
        snapshot: status === 'full' ? snp : null,
        metadata: { n },
      })
      // Two statuses in one millisecond and microsecond (0), in one call; two more in another
      // microsecond of that millisecond, in two calls; one earlier microsecond added last.
      const all = [at(0, 'created', 1), at(0, 'ongoing', 2), at(5, 'ongoing', 3), at(5, 'full', 4)]
      expect(
        (await counted(s, s.originVisitStatusAdd(all.slice(0, 2))))['origin_visit_status:add'],
      ).toBe(2)
      expect((await counted(s, s.originVisitStatusAdd([all[2]!])))['origin_visit_status:add']).toBe(
        1,
      )
      expect((await counted(s, s.originVisitStatusAdd([all[3]!])))['origin_visit_status:add']).toBe(
        1,
      )
      const early = { ...at(0, 'created', 0), date: new Date(t0), dateExtraMicros: 999 }
      expect((await counted(s, s.originVisitStatusAdd([early])))['origin_visit_status:add']).toBe(1)
      // A replay of the same statuses adds nothing.
      expect(
        (await counted(s, s.originVisitStatusAdd([...all, early])))['origin_visit_status:add'] ?? 0,
      ).toBe(0)
      const expected = [early, ...all].map((x) => ({
        status: x.status,
        t: x.date.getTime(),
        extra: x.dateExtraMicros,
        n: x.metadata.n,
      }))
      const shape = (x: OriginVisitStatus) => ({
        status: x.status,
        t: x.date.getTime(),
        extra: x.dateExtraMicros,
        n: x.metadata!['n'],
      })
      // Paged one by one, ascending and descending: every status, in order.
      for (const order of ['asc', 'desc'] as const) {
        const got: OriginVisitStatus[] = []
        let token: string | null = null
        do {
          const page: Page<OriginVisitStatus> = await s.originVisitStatusGet(url, 1, {
            limit: 1,
            order,
            pageToken: token,
          })
          got.push(...page.results)
          token = page.nextPageToken
        } while (token)
        expect(got.map(shape)).toEqual(order === 'asc' ? expected : [...expected].reverse())
      }
      expect(shape((await s.originVisitStatusGetLatest(url, 1))!)).toEqual(expected[4])
      const latest = await s.originVisitGetLatest(url)
      expect(shape(latest!.status)).toEqual(expected[4])
      expect(latest!.visit.dateExtraMicros).toBe(890)
      const recent = await s.originVisitStatusGetRecent(1000)
      expect(recent.filter((r) => r.origin === url).map(shape)).toEqual([...expected].reverse())
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
