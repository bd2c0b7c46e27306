/**
 * The browse search page and `/api/1/origin/search/` over a hand-made set of origins, on SQLite
 * and PostgreSQL: every count below is worked by hand from the URLs inserted (150 GitHub forks
 * of Apollo-11, 5 Mercurial ones on GitLab, 3 never-visited origins, 1 masked, 1 unrelated).
 * The HTML is read with a real parser (htmlparser2), as a browser without JavaScript would:
 * the form is a GET form, paging links are plain links.
 */
import { DomUtils, parseDocument } from 'htmlparser2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeSnapshot, utf8 } from '../../src/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { originSwhid } from '../../src/storage/proxies/masking.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'
const REV = '1'.repeat(40)
const pad = (n: number): string => String(n).padStart(3, '0')
const GITHUB = Array.from({ length: 150 }, (_, i) => `https://github.com/user${pad(i)}/Apollo-11`)
const GITLAB = Array.from({ length: 5 }, (_, i) => `https://gitlab.com/g${i}/apollo-11-hg`)
const NEVER = ['a', 'b', 'c'].map((x) => `https://example.org/apollo-never-${x}`)
const MASKED = 'https://github.com/zz-masked/Apollo-11'
const UNRELATED = 'https://github.com/other/project'
const UNICODE = 'https://git.example.org/ÜBER/straße-Ωmega'
/** 1,001 visited origins: one more than the total counted exactly (src/web/search-total.ts). */
const BULK = Array.from(
  { length: 1_001 },
  (_, i) => `https://bulk.test/b/r-${String(i).padStart(4, '0')}`,
)

/** A snapshot of `n` branches: HEAD (alias) and n-1 revision branches. */
function snapshotOf(n: number) {
  const branches = [
    { name: utf8('HEAD'), target: { targetType: 'alias' as const, target: utf8('refs/heads/b0') } },
  ]
  for (let i = 0; i < n - 1; i++)
    branches.push({
      name: utf8(`refs/heads/b${i}`),
      target: { targetType: 'revision' as const, target: REV } as never,
    })
  return makeSnapshot(branches)
}

async function seed(a: Archive): Promise<void> {
  const s = a.backend
  const s3 = snapshotOf(3)
  const s1 = snapshotOf(1)
  await s.snapshotAdd([s3, s1])
  const all = [...GITHUB, ...GITLAB, ...NEVER, MASKED, UNRELATED, UNICODE]
  await s.originAdd(all.map((url) => ({ url })))
  const jan = new Date('2024-01-01T10:00:00Z')
  const jun = new Date('2024-06-01T10:00:00Z')
  const mar = new Date('2024-03-03T10:00:00Z')
  const gitOnes = [...GITHUB, MASKED, UNRELATED, UNICODE]
  const v1 = await s.originVisitAdd(gitOnes.map((origin) => ({ origin, date: jan, type: 'git' })))
  await s.originVisitStatusAdd(
    v1.map((v) => ({ ...v, status: 'full' as const, snapshot: s3.id, metadata: null })),
  )
  // Even-numbered GitHub forks: a second visit that failed (no snapshot).
  const even = GITHUB.filter((_, i) => i % 2 === 0)
  const v2 = await s.originVisitAdd(even.map((origin) => ({ origin, date: jun, type: 'git' })))
  await s.originVisitStatusAdd(
    v2.map((v) => ({ ...v, status: 'failed' as const, snapshot: null, metadata: null })),
  )
  const vh = await s.originVisitAdd(GITLAB.map((origin) => ({ origin, date: mar, type: 'hg' })))
  await s.originVisitStatusAdd(
    vh.map((v) => ({ ...v, status: 'full' as const, snapshot: s1.id, metadata: null })),
  )
  await s.maskSet('req-search', 'test takedown', [originSwhid(MASKED)], 'restricted')
  await s.originAdd(BULK.map((url) => ({ url })))
  await s.originVisitAdd(BULK.map((origin) => ({ origin, date: jan, type: 'git' })))
}

interface ResultRow {
  url: string
  lastVisit: string
  branches: string
}

/** The page's results, total and paging links, read from its HTML. */
function readPage(text: string) {
  const doc = parseDocument(text)
  const rows: ResultRow[] = DomUtils.getElementsByTagName('tr', doc)
    .map((tr) => DomUtils.getElementsByTagName('td', tr))
    .filter((tds) => tds.length === 4)
    .map((tds) => ({
      url: DomUtils.textContent(tds[0]!).trim(),
      lastVisit: DomUtils.textContent(tds[2]!).replace(/\s+/g, ' ').trim(),
      branches: DomUtils.textContent(tds[3]!).trim(),
    }))
  const total = DomUtils.findOne((e) => e.attribs['id'] === 'total', doc.children, true)
  const count = /^(More than )?([\d,]+)\s+origins? found/.exec(
    total ? DomUtils.textContent(total).trim() : '',
  )
  const link = (rel: string): string | null => {
    const a = DomUtils.findOne(
      (e) => e.name === 'a' && e.attribs['rel'] === rel,
      doc.children,
      true,
    )
    return a ? (a.attribs['href'] ?? null) : null
  }
  const form = DomUtils.findOne(
    (e) => e.name === 'form' && e.attribs['role'] === 'search',
    doc.children,
    true,
  )
  return {
    rows,
    total: count ? Number(count[2]!.replace(/,/g, '')) : NaN,
    exact: count ? count[1] === undefined : null,
    next: link('next'),
    prev: link('prev'),
    form,
    doc,
  }
}

function suite(
  name: string,
  storage: () => Promise<{ url?: string; drop?: () => Promise<void> } | null>,
) {
  describe(`origin search page and API (${name})`, () => {
    let dir: string
    let archive: Archive
    let app: ReturnType<typeof createApp> | undefined
    let st: { url?: string; drop?: () => Promise<void> } | null = null

    beforeAll(async () => {
      st = await storage()
      if (!st) return
      dir = makeTemp('arca-search-page-')
      archive = await openArchive({ dataDir: dir, ...(st.url ? { storageUrl: st.url } : {}) })
      await seed(archive)
      const ctx = webContext(archive, {}, { exemptNetworks: [] })
      app = createApp(ctx, (a) => mountBrowse(a, ctx))
    }, 120_000)

    afterAll(async () => {
      await archive?.close()
      await st?.drop?.()
      if (dir) removeTemp(dir)
    })

    const get = async (path: string) => {
      const res = await app!.request(`${BASE}${path}`)
      const text = await res.text()
      return { res, text, page: readPage(text) }
    }

    it('shows 100 results per screen by URL, the total, and pages by plain links', async (t) => {
      if (!app) return t.skip()
      const first = await get('/browse/search/?q=apollo%2011')
      expect(first.res.status, first.text.slice(0, 500)).toBe(200)
      // 150 GitHub + 5 GitLab; the masked one and the never-visited ones are left out.
      expect(first.page.total).toBe(155)
      expect(first.page.rows.map((r) => r.url)).toEqual(GITHUB.slice(0, 100))
      expect(first.page.prev).toBeNull()
      expect(first.page.next).not.toBeNull()
      const second = await get(first.page.next!.replace(/&amp;/g, '&'))
      expect(second.page.total).toBe(155)
      // "github.com" sorts before "gitlab.com" (h < l).
      expect(second.page.rows.map((r) => r.url)).toEqual([...GITHUB.slice(100), ...GITLAB])
      expect(second.page.next).toBeNull()
      expect(second.page.prev).not.toBeNull()
      expect(first.text).not.toContain('zz-masked')
      expect(second.text).not.toContain('zz-masked')
      // A GET form: it works without JavaScript.
      expect(first.page.form?.attribs['method']).toBe('get')
    })

    it('each result has its latest visit (date, type, status) and its latest snapshot branch count', async (t) => {
      if (!app) return t.skip()
      const { page } = await get('/browse/search/?q=user00%20apollo')
      const byUrl = new Map(page.rows.map((r) => [r.url, r]))
      expect(page.total).toBe(10) // user000 … user009
      // user000: its second visit (June) failed; the branches are those of January's snapshot.
      expect(byUrl.get(GITHUB[0]!)).toEqual({
        url: GITHUB[0],
        lastVisit: '2024-06-01 10:00:00 UTC git failed',
        branches: '3',
      })
      expect(byUrl.get(GITHUB[1]!)).toEqual({
        url: GITHUB[1],
        lastVisit: '2024-01-01 10:00:00 UTC git full',
        branches: '3',
      })
      const hg = await get('/browse/search/?q=gitlab')
      expect(hg.page.rows[0]).toEqual({
        url: GITLAB[0],
        lastVisit: '2024-03-03 10:00:00 UTC hg full',
        branches: '1',
      })
    })

    it('filters by visit type, with_visit and regular expression', async (t) => {
      if (!app) return t.skip()
      const hg = await get('/browse/search/?searched=1&q=11%20apollo&with_visit=1&visit_type=hg')
      expect(hg.page.total).toBe(5)
      expect(hg.page.rows.map((r) => r.url)).toEqual(GITLAB)
      const both = await get(
        '/browse/search/?searched=1&q=apollo&with_visit=1&visit_type=hg&visit_type=git',
      )
      expect(both.page.total).toBe(155)
      // with_visit unchecked: the 3 never-visited "apollo" origins too.
      const all = await get('/browse/search/?searched=1&q=apollo')
      expect(all.page.total).toBe(158)
      const never = await get('/browse/search/?searched=1&q=apollo-never')
      expect(never.page.rows).toEqual(
        NEVER.map((url) => ({ url, lastVisit: 'never visited', branches: '' })),
      )
      const re = await get(
        `/browse/search/?q=${encodeURIComponent('USER00[0-4]/apollo')}&use_regexp=1`,
      )
      expect(re.page.total).toBe(5)
      expect(re.page.rows.map((r) => r.url)).toEqual(GITHUB.slice(0, 5))
      const bad = await app.request(`${BASE}/browse/search/?q=%28unclosed&use_regexp=1`)
      expect(bad.status).toBe(400)
      const badPage = await app.request(`${BASE}/browse/search/?q=x&page=0`)
      expect(badPage.status).toBe(400)
    })

    it('the API sends X-Total-Count and a Link to the next page, and filters by visit_type', async (t) => {
      if (!app) return t.skip()
      const res = await app.request(`${BASE}/api/1/origin/search/apollo%2011/?limit=100`)
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Total-Count')).toBe('155')
      const body = (await res.json()) as { url: string; last_visit_date: string | null }[]
      expect(body.length).toBe(100)
      const next = /<([^>]+)>; rel="next"/.exec(res.headers.get('Link') ?? '')?.[1]
      expect(next).toContain('limit=100')
      const rest = await app.request(next!)
      expect(rest.headers.get('X-Total-Count')).toBe('155')
      const restBody = (await rest.json()) as { url: string }[]
      expect(restBody.length).toBe(55)
      expect(rest.headers.get('Link')).toBeNull()
      expect(new Set([...body, ...restBody].map((o) => o.url))).toEqual(
        new Set([...GITHUB, ...GITLAB]),
      )
      const first = body.find((o) => o.url === GITHUB[0])
      expect(first?.last_visit_date).toBe('2024-06-01T10:00:00+00:00')
      const hg = await app.request(`${BASE}/api/1/origin/search/apollo/?visit_type=hg`)
      expect(hg.headers.get('X-Total-Count')).toBe('5')
      expect(hg.headers.get('X-Total-Count-Relation')).toBe('eq')
      expect(((await hg.json()) as { url: string }[]).map((o) => o.url).sort()).toEqual(GITLAB)
    })

    it('counts exactly up to 1,000 matches; beyond, 1,000 flagged as a lower bound', async (t) => {
      if (!app) return t.skip()
      // r-0000 … r-0999: exactly the cap.
      const at = await app.request(`${BASE}/api/1/origin/search/bulk.test%20r-0/?limit=100`)
      expect(at.headers.get('X-Total-Count')).toBe('1000')
      expect(at.headers.get('X-Total-Count-Relation')).toBe('eq')
      // All 1,001: more than the cap.
      const over = await app.request(`${BASE}/api/1/origin/search/bulk.test/?limit=100`)
      expect(over.headers.get('X-Total-Count')).toBe('1000')
      expect(over.headers.get('X-Total-Count-Relation')).toBe('gte')
      // Paging by Link still reaches every match.
      let next: string | undefined = `${BASE}/api/1/origin/search/bulk.test/?limit=300`
      const seen = new Set<string>()
      while (next) {
        const res = await app.request(next)
        for (const o of (await res.json()) as { url: string }[]) seen.add(o.url)
        next = /<([^>]+)>; rel="next"/.exec(res.headers.get('Link') ?? '')?.[1]
      }
      expect(seen).toEqual(new Set(BULK))
      const page = await get('/browse/search/?q=bulk.test')
      expect(page.page).toMatchObject({ total: 1_000, exact: false })
      expect(page.text).toMatch(/page\s+1 of more than 10,/)
      const exact = await get('/browse/search/?q=bulk.test%20r-0')
      expect(exact.page).toMatchObject({ total: 1_000, exact: true })
    })
  })
}

suite('SQLite', () => Promise.resolve({}))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? createTestDatabase() : null))
