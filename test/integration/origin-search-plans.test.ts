/**
 * Origin search gives the same results whichever plan runs it (PostgreSQL: through the trigram
 * index, or a walk of the key's index; src/storage/sql/origin-sample.ts), on SQLite and
 * PostgreSQL: 3,000 generated URLs where some words are everywhere and others rare, searched
 * for pages (id and URL order, paged by token), capped counts and exact counts. Expected values
 * are a plain filter of the generated URLs (each word a case-insensitive substring, ASCII).
 */
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { openStorage } from '../../src/storage/factory.js'
import type { Storage } from '../../src/storage/interface.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'kernel', 'linux', 'rare']
const URLS = Array.from({ length: 3_000 }, (_, i) => {
  // "common" in every other URL, "linux" in a third, "rare" in one in 500, "Kernel" in a fifth
  const parts = [i % 2 === 0 ? 'common' : 'x', i % 3 === 0 ? 'linux' : 'y']
  if (i % 5 === 0) parts.push('Kernel')
  if (i % 500 === 7) parts.push('rare')
  parts.push(WORDS[i % 4]!)
  return `https://host${i % 7}.example/u${i}/${parts.join('-')}-${i}`
})
const QUERIES = [
  'common',
  'COMMON linux',
  'linux kernel',
  'rare',
  'rare common',
  'common 11',
  'u1 alpha',
  'kernel y beta',
  'host3 common linux kernel',
  'nothing-here',
  // a rare part after common trigrams ("u29" is everywhere "u2…" is), punctuation, digits only
  'u2999',
  'example/u2999 alpha',
  'EXAMPLE/U1234',
  'HOST3.example/U1 linux',
  '-11- common',
  '/u2 beta',
]

const matches = (q: string): string[] => {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean)
  return URLS.filter((u) => words.every((w) => u.toLowerCase().includes(w)))
}

const backends: [string, () => Promise<{ s: Storage; done: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const dir = makeTemp('arca-plans-')
      const objstorage = new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
      const s = await openStorage(`sqlite:${join(dir, 'graph.sqlite')}`, { objstorage })
      return { s, done: () => Promise.resolve(removeTemp(dir)) }
    },
  ],
]
if (await postgresAvailable())
  backends.push([
    'PostgreSQL',
    async () => {
      const db = await createTestDatabase()
      const dir = makeTemp('arca-plans-pg-')
      const objstorage = new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
      const s = await openStorage(db.url, { objstorage })
      return {
        s,
        done: async () => {
          await db.drop()
          removeTemp(dir)
        },
      }
    },
  ])

describe.each(backends)('origin search plans (%s)', (_name, open) => {
  let s: Storage
  let done: () => Promise<void>
  beforeAll(async () => {
    ;({ s, done } = await open())
    await s.originAdd(URLS.map((url) => ({ url })))
    const date = new Date('2026-01-01T00:00:00Z')
    await s.originVisitAdd(URLS.map((origin) => ({ origin, date, type: 'git' })))
  }, 120_000)
  afterAll(async () => {
    await s.close()
    await done()
  })

  it.each(QUERIES)('"%s": pages in id order, by token, as the plain filter', async (q) => {
    const want = matches(q)
    const got: string[] = []
    let token: string | null = null
    for (let i = 0; i < 100; i++) {
      const page = await s.originSearch(q, { withVisit: true, limit: 250, pageToken: token })
      got.push(...page.results.map((r) => r.url))
      token = page.nextPageToken
      if (token === null) break
    }
    expect(got).toEqual(want)
  })

  it.each(QUERIES)('"%s": first pages in URL order and with an offset', async (q) => {
    const byUrl = [...matches(q)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const page = await s.originSearch(q, { limit: 100, order: 'url' })
    expect(page.results.map((r) => r.url)).toEqual(byUrl.slice(0, 100))
    if (page.nextPageToken !== null) {
      const next = await s.originSearch(q, {
        limit: 100,
        order: 'url',
        pageToken: page.nextPageToken,
      })
      expect(next.results.map((r) => r.url)).toEqual(byUrl.slice(100, 200))
    }
    const skipped = await s.originSearch(q, { limit: 10, offset: 5 })
    expect(skipped.results.map((r) => r.url)).toEqual(matches(q).slice(5, 15))
  })

  it.each(QUERIES)('"%s": a first page with its total up to a cap, from one search', async (q) => {
    const want = matches(q)
    for (const countLimit of [101, 1001]) {
      const page = await s.originSearch(q, { withVisit: true, limit: 50, countLimit })
      expect(page.results.map((r) => r.url)).toEqual(want.slice(0, 50))
      expect(page.total).toBe(Math.min(want.length, countLimit))
      expect(page.nextPageToken === null).toBe(want.length <= 50)
    }
    const byUrl = [...want].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const third = await s.originSearch(q, { order: 'url', offset: 20, limit: 10, countLimit: 101 })
    expect(third.results.map((r) => r.url)).toEqual(byUrl.slice(20, 30))
    expect(third.total).toBe(Math.min(want.length, 101))
  })

  it.each(QUERIES)('"%s": exact and capped counts', async (q) => {
    const n = matches(q).length
    expect(await s.originSearchCount(q, { withVisit: true })).toBe(n)
    expect(await s.originSearchCount(q, { countLimit: 101 })).toBe(Math.min(n, 101))
    expect(await s.originSearchCount(q, { visitTypes: ['hg'] })).toBe(0)
  })
})
