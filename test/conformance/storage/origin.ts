import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { originId } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

/** Origins: add, get, list, search with filters, paging and counts. */
export function originTests(ctx: StorageSuiteContext): void {
  describe('origin', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('adds idempotently and finds by URL and by sha1', async () => {
      const url = `https://example.org/${uniq('o')}`
      expect((await counted(s, s.originAdd([{ url }, { url }])))['origin:add']).toBe(1)
      expect((await counted(s, s.originAdd([{ url }])))['origin:add'] ?? 0).toBe(0)
      expect(await s.originGet([url, `${url}/other`])).toEqual([{ url }, null])
      expect(await s.originGetBySha1([originId(url)])).toEqual([{ url }])
    })

    it('lists every origin over pages', async () => {
      const tag = uniq('list')
      const urls = Array.from({ length: 7 }, (_, i) => `https://list.example/${tag}/${i}`)
      await s.originAdd(urls.map((url) => ({ url })))
      const seen: string[] = []
      let token: string | null = null
      do {
        const page = await s.originList({ limit: 3, pageToken: token })
        seen.push(...page.results.map((o) => o.url))
        token = page.nextPageToken
      } while (token)
      for (const u of urls) expect(seen).toContain(u)
      // withVisit: only the visited ones, over pages too.
      await s.originVisitAdd([
        { origin: urls[1]!, date: new Date('2024-01-01T00:00:00Z'), type: 'git' },
        { origin: urls[5]!, date: new Date('2024-01-01T00:00:00Z'), type: 'git' },
      ])
      const visited: string[] = []
      token = null
      do {
        const page = await s.originList({ limit: 1, pageToken: token, withVisit: true })
        visited.push(...page.results.map((o) => o.url))
        token = page.nextPageToken
      } while (token)
      expect(visited.filter((u) => u.includes(tag))).toEqual([urls[1], urls[5]])
    })

    it('searches every word of a multi-word query, in any order, case-insensitively', async () => {
      // Digits in the tag could hold '11' and match the word '11' below: letters only.
      const tag = uniq('Words').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)
      const urls = [
        `https://github.com/chrislgarry/Apollo-11-${tag}`,
        `https://github.com/chrislgarry/Gemini-${tag}`,
        `https://gitlab.example/apollo/11-${tag}`,
        `https://gitlab.example/11/x-${tag}`,
      ]
      await s.originAdd(urls.map((url) => ({ url })))
      const search = async (q: string) => (await s.originSearch(q)).results.map((r) => r.url)
      // Worked by hand: each word must be a substring of the URL, whatever the case and order.
      expect(await search(`chrislgarry Apollo 11 ${tag}`)).toEqual([urls[0]])
      expect(await search(`${tag.toUpperCase()}   11\tAPOLLO`)).toEqual([urls[0], urls[2]])
      expect(await search(`11 ${tag}`)).toEqual([urls[0], urls[2], urls[3]])
      expect(await search(`chrislgarry ${tag} nowhere`)).toEqual([])
      expect(await s.originSearchCount(`github ${tag}`)).toBe(2)
      expect(await s.originSearchCount(` ${tag} `)).toBe(4)
    })

    it('searches by substring (case-insensitive) and regexp, with visit filters, paging and count', async () => {
      const tag = uniq('Search')
      const urls = Array.from({ length: 5 }, (_, i) => `https://forge.example/${tag}/repo${i}%_`)
      await s.originAdd(urls.map((url) => ({ url })))
      await s.originVisitAdd([
        { origin: urls[1]!, date: new Date(), type: 'git' },
        { origin: urls[3]!, date: new Date(), type: 'hg' },
      ])
      expect(await s.originSearchCount(tag.toLowerCase())).toBe(5)
      expect(await s.originSearchCount(`${tag}/repo1%_`)).toBe(1)
      const found: string[] = []
      let token: string | null = null
      do {
        const page = await s.originSearch(tag, { limit: 2, pageToken: token })
        found.push(...page.results.map((r) => r.url))
        token = page.nextPageToken
      } while (token)
      expect(found).toEqual(urls)
      const visited = await s.originSearch(tag, { withVisit: true })
      expect(visited.results.map((r) => [r.url, r.visitTypes, r.hasVisits])).toEqual([
        [urls[1], ['git'], true],
        [urls[3], ['hg'], true],
      ])
      expect(await s.originSearchCount(tag, { visitTypes: ['hg'] })).toBe(1)
      expect(
        (await s.originSearch(`${tag}/repo[24]`, { regexp: true })).results.map((r) => r.url),
      ).toEqual([urls[2], urls[4]])
      await expect(s.originSearch('(', { regexp: true })).rejects.toThrow(
        /Invalid regular expression/,
      )
      await expect(s.originList({ pageToken: 'garbage' })).rejects.toThrow(/page token/)
    })

    it('gives a first page its total, counted up to countLimit, from the same search', async () => {
      const tag = uniq('Total')
      // Added out of URL order: by id a0, c1, b2, a3, c4, b5, a6; by URL a0, a3, a6, b2, b5, c1, c4.
      const urls = Array.from(
        { length: 7 },
        (_, i) => `https://t.example/${tag}/${'acb'[i % 3]}${i}`,
      )
      await s.originAdd(urls.map((url) => ({ url })))
      await s.originVisitAdd(
        urls.slice(0, 6).map((origin) => ({ origin, date: new Date(), type: 'git' })),
      )
      const page = await s.originSearch(`${tag} t.example`, { limit: 2, countLimit: 5 })
      expect(page.results.map((r) => r.url)).toEqual(urls.slice(0, 2))
      expect(page.total).toBe(5)
      expect((await s.originSearch(tag, { limit: 2, countLimit: 100 })).total).toBe(7)
      // the filters apply to the total as to the page: 6 visited; one URL holds …/b5
      expect(
        (await s.originSearch(tag, { limit: 2, countLimit: 100, withVisit: true })).total,
      ).toBe(6)
      expect((await s.originSearch(`${tag}/b5 example`, { countLimit: 100 })).total).toBe(1)
      expect((await s.originSearch(`${tag} nowhere`, { countLimit: 100 })).total).toBe(0)
      // by URL, from an offset: the page is the matches' 3rd and 4th, the total all of them
      const byUrl = await s.originSearch(tag, {
        order: 'url',
        offset: 2,
        limit: 2,
        countLimit: 100,
      })
      expect(byUrl.results.map((r) => r.url)).toEqual([urls[6], urls[2]])
      expect(byUrl.total).toBe(7)
      expect(byUrl.nextPageToken).not.toBeNull()
      // a later page, or a regular expression's, has no total (it is counted apart)
      const next = await s.originSearch(tag, {
        limit: 2,
        countLimit: 100,
        pageToken: page.nextPageToken,
      })
      expect(next.results.map((r) => r.url)).toEqual(urls.slice(2, 4))
      expect(next.total).toBeUndefined()
      const past = await s.originSearch(tag, { order: 'url', offset: 4, limit: 2, countLimit: 5 })
      expect(past.results.map((r) => r.url)).toEqual([urls[5], urls[1]])
      expect(past.total).toBeUndefined()
      expect(
        (await s.originSearch(`${tag}/a0`, { regexp: true, countLimit: 100 })).total,
      ).toBeUndefined()
    })
  })
}
