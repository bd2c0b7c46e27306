/**
 * The Web API, in process (`app.request`), on both storage backends: every route and error path,
 * the conventions (negotiation, fields, trailing slashes, HEAD, OPTIONS, links, Link paging,
 * decoding failures, dates), masking, and the request sequences of Software Heritage's web
 * client and scanner. Auth, rate limits, the OpenAPI document, fuzzing and a real socket:
 * web-api-edges.test.ts.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { git } from '../helpers/repos.js'
import { onTestDatabase, postgresAvailable } from '../helpers/services.js'
import { BASE, type Fixture, get, json, makeFixture } from '../helpers/web-api-fixture.js'

function apiSuite(label: string, setup: () => Promise<Fixture | null>): void {
  describe(`Web API (${label})`, () => {
    let f: Fixture
    beforeAll(async () => {
      const fx = await setup()
      if (fx) f = fx
    }, 120_000)
    afterAll(async () => f?.cleanup())

    it('ping, index, counters', async () => {
      expect(await json(await get(f.app, '/api/1/ping/'))).toBe('pong')
      const index = await json(await get(f.app, '/api/1/'))
      expect(index.routes.length).toBeGreaterThan(15)
      const counters = await json(await get(f.app, '/api/1/stat/counters/'))
      expect(counters).toMatchObject({ content: expect.any(Number), revision: expect.any(Number) })
      expect(counters.origin).toBeGreaterThanOrEqual(14)
    })

    it('content by every hash, raw bytes with filename, 400/404', async () => {
      const blob = git(f.repo, ['rev-parse', 'main:README'])
      const meta = await json(await get(f.app, `/api/1/content/sha1_git:${blob}/`))
      expect(meta).toMatchObject({ length: 18, status: 'visible', swhid: `swh:1:cnt:${blob}` })
      expect(meta.data_url).toBe(`${BASE}/api/1/content/sha1_git:${blob}/raw/`)
      for (const algo of ['sha1', 'sha256', 'blake2s256']) {
        const byOther = await json(
          await get(f.app, `/api/1/content/${algo}:${meta.checksums[algo]}/`),
        )
        expect(byOther.checksums.sha1_git).toBe(blob)
      }
      expect(
        (await json(await get(f.app, `/api/1/content/${meta.checksums.sha1}/`))).checksums.sha1_git,
      ).toBe(blob)
      const raw = await get(f.app, `/api/1/content/sha1_git:${blob}/raw/?filename=read%20me.txt`)
      expect(raw.headers.get('content-type')).toBe('application/octet-stream')
      expect(raw.headers.get('content-disposition')).toBe(
        "attachment; filename*=UTF-8''read%20me.txt",
      )
      expect(await raw.text()).toBe('A rich repository\n')
      const bad = await get(f.app, '/api/1/content/sha1_git:nothex/')
      expect(bad.status).toBe(400)
      expect(await json(bad)).toMatchObject({ exception: 'BadInputExc' })
      expect((await get(f.app, '/api/1/content/md5:0123/')).status).toBe(400)
      const missing = await get(f.app, `/api/1/content/sha1_git:${'0'.repeat(40)}/`)
      expect(missing.status).toBe(404)
      expect(await json(missing)).toMatchObject({
        exception: 'NotFoundExc',
        reason: expect.stringContaining('not found'),
      })
      expect((await get(f.app, `/api/1/content/sha1_git:${blob}/filetype/`)).status).toBe(404)
    })

    it('directory listing, entry by path, non-UTF-8 names escaped with decoding_failures', async () => {
      const tree = git(f.repo, ['rev-parse', 'main^{tree}'])
      const entries = await json(await get(f.app, `/api/1/directory/${tree}/`))
      const latin = entries.find((e: any) => e.name === 'caf\\xe9.txt')
      expect(latin).toMatchObject({ type: 'file', decoding_failures: ['name'], dir_id: tree })
      const run = await json(await get(f.app, `/api/1/directory/${tree}/bin/run.sh/`))
      expect(run).toMatchObject({ name: 'bin/run.sh', perms: 0o100755, type: 'file', length: 19 })
      expect(run.target_url).toBe(`${BASE}/api/1/content/sha1_git:${run.target}/`)
      expect((await get(f.app, `/api/1/directory/${tree}/nope/`)).status).toBe(404)
      expect((await get(f.app, `/api/1/directory/${'1'.repeat(40)}/`)).status).toBe(404)
      expect((await get(f.app, '/api/1/directory/zz/')).status).toBe(400)
    })

    it('revision with dates in their offsets, log, directory with path', async () => {
      const rev = await json(await get(f.app, `/api/1/revision/${f.head}/`))
      expect(rev).toMatchObject({ id: f.head, type: 'git', merge: false, synthetic: false })
      expect(rev.date).toBe('2023-11-15T00:13:20+02:00')
      expect(rev.url).toBe(`${BASE}/api/1/revision/${f.head}/`)
      expect(rev.history_url).toBe(`${BASE}/api/1/revision/${f.head}/log/`)
      // The Latin-1 message is escaped, and said so.
      expect(rev.message).toBe('caf\\xe9 cr\\xe8me\n')
      expect(rev.decoding_failures).toContain('message')
      expect(rev.extra_headers).toEqual([['encoding', 'ISO-8859-1']])
      const log = await json(await get(f.app, `/api/1/revision/${f.head}/log/?limit=3`))
      expect(log).toHaveLength(3)
      expect(log[0].id).toBe(f.head)
      const merge = log.find((r: any) => r.merge)
      expect(merge.parents).toHaveLength(2)
      const dir = await json(await get(f.app, `/api/1/revision/${f.head}/directory/`))
      expect(dir).toMatchObject({ type: 'dir', revision: f.head })
      const file = await json(await get(f.app, `/api/1/revision/${f.head}/directory/src/deep/x.c/`))
      expect(file).toMatchObject({ type: 'file', path: 'src/deep/x.c' })
      expect(file.content.checksums.sha1_git).toBe(git(f.repo, ['rev-parse', 'main:src/deep/x.c']))
      const feature = git(f.repo, ['rev-parse', 'feature'])
      expect((await json(await get(f.app, `/api/1/revision/${feature}/`))).date).toBe(
        '2023-11-14T22:16:40-00:00'.replace('-00:00', '+00:00'),
      )
      expect((await get(f.app, `/api/1/revision/${f.head}/directory/nope/`)).status).toBe(404)
    })

    it('release and snapshot with Link paging and target type filters', async () => {
      const tag = git(f.repo, ['rev-parse', 'v1.0'])
      const rel = await json(await get(f.app, `/api/1/release/${tag}/`))
      expect(rel).toMatchObject({ id: tag, name: 'v1.0', target_type: 'revision', target: f.head })
      expect(rel.target_url).toBe(`${BASE}/api/1/revision/${f.head}/`)
      const names: string[] = []
      let url: string | null = `/api/1/snapshot/${f.snapshot}/?branches_count=4`
      let pages = 0
      while (url) {
        const res = await get(f.app, url.replace(BASE, ''))
        const body = await json(res)
        names.push(...Object.keys(body.branches))
        const link = res.headers.get('link')
        url = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null
        pages++
      }
      expect(pages).toBeGreaterThan(2)
      expect(names).toContain('HEAD')
      expect(names).toContain('refs/tags/v1.0')
      expect(new Set(names).size).toBe(names.length)
      const onlyAliases = await json(
        await get(f.app, `/api/1/snapshot/${f.snapshot}/?target_types=alias`),
      )
      expect(Object.keys(onlyAliases.branches)).toEqual(['HEAD'])
      expect(onlyAliases.branches.HEAD).toEqual({
        target: 'refs/heads/main',
        target_type: 'alias',
        // The URL of what the alias resolves to (refs/heads/main, outside this page).
        target_url: `${BASE}/api/1/revision/${f.head}/`,
      })
      const firstPage = await json(await get(f.app, `/api/1/snapshot/${f.snapshot}/`))
      expect(firstPage.branches.HEAD.target_url).toBe(`${BASE}/api/1/revision/${f.head}/`)
      expect((await get(f.app, `/api/1/snapshot/${f.snapshot}/?target_types=bogus`)).status).toBe(
        400,
      )
    })

    it('raw manifests hash to their SWHIDs', async () => {
      const { createHash } = await import('node:crypto')
      for (const [type, word, id] of [
        ['rev', 'commit', f.head],
        ['dir', 'tree', git(f.repo, ['rev-parse', 'main^{tree}'])],
        ['rel', 'tag', git(f.repo, ['rev-parse', 'v1.0'])],
        ['snp', 'snapshot', f.snapshot],
      ] as const) {
        const res = await get(f.app, `/api/1/raw/swh:1:${type}:${id}/`)
        const body = Buffer.from(await res.arrayBuffer())
        const hash = createHash('sha1')
          .update(`${word} ${body.length}\0`)
          .update(body)
          .digest('hex')
        expect(hash, type).toBe(id)
      }
      expect((await get(f.app, '/api/1/raw/swh:1:rev:bad/')).status).toBe(400)
    })

    it('resolve, known (with 413 above 1000)', async () => {
      const swhid = `swh:1:cnt:${git(f.repo, ['rev-parse', 'main:README'])};origin=${f.origin};lines=2-3`
      const r = await json(await get(f.app, `/api/1/resolve/${encodeURIComponent(swhid)}/`))
      expect(r).toMatchObject({
        object_type: 'content',
        namespace: 'swh',
        scheme_version: 1,
        metadata: { origin: f.origin, lines: '2-3' },
      })
      expect(r.browse_url).toContain('/swh:1:cnt:')
      expect((await get(f.app, `/api/1/resolve/swh:1:cnt:${'0'.repeat(40)}/`)).status).toBe(404)
      expect((await get(f.app, '/api/1/resolve/swh:1:cnt:XYZ/')).status).toBe(400)
      const known = await f.app.request(`${BASE}/api/1/known/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([`swh:1:rev:${f.head}`, `swh:1:dir:${'0'.repeat(40)}`]),
      })
      expect(await json(known)).toEqual({
        [`swh:1:rev:${f.head}`]: { known: true },
        [`swh:1:dir:${'0'.repeat(40)}`]: { known: false },
      })
      const tooMany = await f.app.request(`${BASE}/api/1/known/`, {
        method: 'POST',
        body: JSON.stringify(Array.from({ length: 1001 }, () => `swh:1:rev:${f.head}`)),
      })
      expect(tooMany.status).toBe(413)
      expect(
        (await f.app.request(`${BASE}/api/1/known/`, { method: 'POST', body: '{oops' })).status,
      ).toBe(400)
      expect(
        (
          await f.app.request(`${BASE}/api/1/known/`, {
            method: 'POST',
            body: '["swh:1:ori:' + '0'.repeat(40) + '"]',
          })
        ).status,
      ).toBe(400)
    })

    it('origins, origin get, search with Link and X-Total-Count, visits with Link, latest, one visit', async () => {
      const list = await get(f.app, '/api/1/origins/?origin_count=5')
      expect(await json(list)).toHaveLength(5)
      expect(list.headers.get('link')).toMatch(/page_token=/)
      const all = (await json(await get(f.app, '/api/1/origins/?origin_count=100'))).map(
        (o: any) => o.url,
      )
      // The loaded repository's path, example.org/rich.git and the 12 paging origins.
      expect(all).toHaveLength(14)
      expect(all).not.toContain('https://example.org/paging/unvisited')
      const o = await json(await get(f.app, `/api/1/origin/${f.origin}/get/`))
      expect(o).toEqual({
        url: f.origin,
        origin_visits_url: `${BASE}/api/1/origin/${f.origin}/visits/`,
        metadata_authorities_url: `${BASE}/api/1/raw-extrinsic-metadata/origin/${f.origin}/authorities/`,
        visit_types: ['git'],
      })
      expect((await get(f.app, '/api/1/origin/https://nowhere.example/x/get/')).status).toBe(404)
      const search = await get(f.app, '/api/1/origin/search/paging/?limit=5')
      expect(search.headers.get('x-total-count')).toBe('12')
      expect(await json(search)).toHaveLength(5)
      const next = /<([^>]+)>; rel="next"/.exec(search.headers.get('link')!)![1]!
      expect(await json(await get(f.app, next.replace(BASE, '')))).toHaveLength(5)
      const withVisit = await json(
        await get(f.app, '/api/1/origin/search/rich.git/?with_visit=true'),
      )
      expect(withVisit.map((x: any) => x.url)).toEqual([f.origin])
      expect(withVisit[0]).toMatchObject({ has_visits: true, snapshot_id: f.snapshot })
      const visits = await get(f.app, `/api/1/origin/${f.origin}/visits/?per_page=2`)
      const page1 = await json(visits)
      expect(page1.map((v: any) => v.visit)).toEqual([5, 4])
      const vnext = /<([^>]+)>; rel="next"/.exec(visits.headers.get('link')!)![1]!
      expect(
        (await json(await get(f.app, vnext.replace(BASE, '')))).map((v: any) => v.visit),
      ).toEqual([3, 2])
      const latest = await json(
        await get(f.app, `/api/1/origin/${f.origin}/visit/latest/?require_snapshot=true`),
      )
      expect(latest).toMatchObject({
        visit: 5,
        status: 'partial',
        snapshot: f.snapshot,
        origin: f.origin,
      })
      expect(latest.snapshot_url).toBe(`${BASE}/api/1/snapshot/${f.snapshot}/`)
      const one = await json(await get(f.app, `/api/1/origin/${f.origin}/visit/1/`))
      expect(one).toMatchObject({ visit: 1, date: '2024-01-02T03:04:05+00:00', status: 'full' })
      // Software Heritage's links: a visit's own page links its origin, a list item itself.
      for (const v of [latest, one]) {
        expect(v.origin_url).toBe(`${BASE}/api/1/origin/${f.origin}/get/`)
        expect(v).not.toHaveProperty('origin_visit_url')
      }
      for (const v of page1) {
        expect(v.origin_visit_url).toBe(`${BASE}/api/1/origin/${f.origin}/visit/${v.visit}/`)
        expect(v).not.toHaveProperty('origin_url')
      }
      expect((await get(f.app, `/api/1/origin/${f.origin}/visit/99/`)).status).toBe(404)
      expect((await get(f.app, `/api/1/origin/${f.origin}/visit/abc/`)).status).toBe(400)
      // Clients sometimes collapse the "//" of an embedded URL.
      expect((await get(f.app, '/api/1/origin/https:/example.org/rich.git/get/')).status).toBe(200)
    })

    it('visit and status dates to the microsecond, as Python isoformat() writes them', async () => {
      const origin = 'https://micro.test/repo.git'
      const st = f.archive.storage
      await st.originAdd([{ url: origin }])
      const [v] = await st.originVisitAdd([
        { origin, date: new Date('2024-03-01T00:00:00.123Z'), dateExtraMicros: 456, type: 'git' },
      ])
      await st.originVisitStatusAdd([
        {
          origin,
          visit: v!.visit,
          date: new Date('2024-03-01T00:01:00.000Z'),
          dateExtraMicros: 789,
          type: 'git',
          status: 'full',
          snapshot: f.snapshot,
          metadata: null,
        },
      ])
      const one = await json(await get(f.app, `/api/1/origin/${origin}/visit/1/`))
      expect(one.date).toBe('2024-03-01T00:00:00.123456+00:00')
      const latest = await json(await get(f.app, `/api/1/origin/${origin}/visit/latest/`))
      expect(latest.date).toBe('2024-03-01T00:00:00.123456+00:00')
      const list = await json(await get(f.app, `/api/1/origin/${origin}/visits/`))
      expect(list.map((x: any) => x.date)).toEqual(['2024-03-01T00:00:00.123456+00:00'])
      const found = await json(await get(f.app, '/api/1/origin/search/micro.test/'))
      expect(found[0].last_visit_date).toBe('2024-03-01T00:01:00.000789+00:00')
    })

    it('extids both ways', async () => {
      const { makeExtId } = await import('../../src/model/index.js')
      const e = makeExtId({
        extidType: 'hg-nodeid',
        extid: Buffer.from('ab'.repeat(20), 'hex'),
        extidVersion: 0,
        target: { type: 'rev', id: f.head },
        payloadType: null,
        payload: null,
      })
      await f.archive.storage.extidAdd([e])
      const byExtid = await json(await get(f.app, `/api/1/extid/hg-nodeid/hex:${'ab'.repeat(20)}/`))
      expect(byExtid).toMatchObject({ extid_type: 'hg-nodeid', target: `swh:1:rev:${f.head}` })
      const byTarget = await json(await get(f.app, `/api/1/extid/target/swh:1:rev:${f.head}/`))
      expect(byTarget[0].extid).toBe('ab'.repeat(20))
      expect((await get(f.app, `/api/1/extid/hg-nodeid/hex:${'cd'.repeat(20)}/`)).status).toBe(404)
      expect((await get(f.app, '/api/1/extid/hg-nodeid/nocolon/')).status).toBe(400)
    })

    it('conventions: YAML, HTML, fields, trailing slash optional, HEAD, OPTIONS, unknown route', async () => {
      const yaml = await get(f.app, `/api/1/revision/${f.head}/`, { Accept: 'application/yaml' })
      expect(yaml.headers.get('content-type')).toContain('yaml')
      expect(await yaml.text()).toContain(`id: ${f.head}`)
      const html = await get(f.app, `/api/1/revision/${f.head}/`, { Accept: 'text/html' })
      expect(html.headers.get('content-type')).toContain('text/html')
      expect(await html.text()).toContain('<a href="http://arca.test/api/1/directory/')
      expect(await json(await get(f.app, `/api/1/revision/${f.head}/?fields=id,type`))).toEqual({
        id: f.head,
        type: 'git',
      })
      expect((await get(f.app, `/api/1/revision/${f.head}`)).status).toBe(200)
      const head = await get(f.app, `/api/1/revision/${f.head}/`, {}, 'HEAD')
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
      expect((await get(f.app, `/api/1/revision/${'0'.repeat(40)}/`, {}, 'HEAD')).status).toBe(404)
      const options = await get(f.app, '/api/1/ping/', {}, 'OPTIONS')
      expect(options.status).toBe(204)
      expect(options.headers.get('allow')).toContain('GET')
      const unknown = await get(f.app, '/api/1/nope/')
      expect(unknown.status).toBe(404)
      expect(await json(unknown)).toMatchObject({ exception: 'NotFoundExc' })
    })

    it('masked objects answer 403 with the masking details', async () => {
      const blob = git(f.repo, ['rev-parse', 'main:bin/run.sh'])
      await f.archive.backend.maskSet('req-1', 'test takedown', [`swh:1:cnt:${blob}`], 'restricted')
      const res = await get(f.app, `/api/1/content/sha1_git:${blob}/`)
      expect(res.status).toBe(403)
      expect(await json(res)).toMatchObject({
        exception: 'MaskedObjectException',
        masked: { [`swh:1:cnt:${blob}`]: [{ request: 'req-1', state: 'restricted' }] },
      })
      expect((await get(f.app, `/api/1/content/sha1_git:${blob}/raw/`)).status).toBe(403)
      await f.archive.backend.maskSet('req-1', 'lifted', [`swh:1:cnt:${blob}`], null)
      expect((await get(f.app, `/api/1/content/sha1_git:${blob}/`)).status).toBe(200)
    })

    it('replays the request sequences of swh-web-client and swh-scanner', async () => {
      // WebAPIClient.get / content / directory / revision / release / snapshot / visits /
      // last_visit / known / *_exists / content_raw / origin_search: every field they read.
      const tree = git(f.repo, ['rev-parse', 'main^{tree}'])
      const isHex = (s: unknown): boolean => typeof s === 'string' && /^[0-9a-f]{40}$/.test(s)
      for (const e of await json(await get(f.app, `/api/1/directory/${tree}/`))) {
        expect(isHex(e.dir_id) && isHex(e.target) && ['file', 'dir', 'rev'].includes(e.type)).toBe(
          true,
        )
      }
      const rev = await json(await get(f.app, `/api/1/revision/${f.head}/`))
      expect(
        isHex(rev.id) &&
          isHex(rev.directory) &&
          !Number.isNaN(Date.parse(rev.date)) &&
          !Number.isNaN(Date.parse(rev.committer_date)),
      ).toBe(true)
      for (const p of rev.parents) expect(isHex(p.id)).toBe(true)
      const rel = await json(
        await get(f.app, `/api/1/release/${git(f.repo, ['rev-parse', 'v1.0'])}/`),
      )
      expect(
        isHex(rel.id) &&
          isHex(rel.target) &&
          ['revision', 'release', 'directory', 'content', 'snapshot'].includes(rel.target_type),
      ).toBe(true)
      let url: string | null = `/api/1/snapshot/${f.snapshot}/`
      while (url) {
        const r = await get(f.app, url.replace(BASE, ''))
        for (const t of Object.values<any>((await json(r)).branches)) {
          if (t.target_type !== 'alias') expect(isHex(t.target)).toBe(true)
        }
        const link = r.headers.get('link')
        url = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null
      }
      for (const v of await json(await get(f.app, `/api/1/origin/${f.origin}/visits/`))) {
        expect(
          !Number.isNaN(Date.parse(v.date)) && (v.snapshot === null || isHex(v.snapshot)),
        ).toBe(true)
      }
      for (const path of [
        `content/sha1_git:${git(f.repo, ['rev-parse', 'main:README'])}/`,
        `directory/${tree}/`,
        `revision/${f.head}/`,
        `snapshot/${f.snapshot}/`,
        `origin/${f.origin}/get/`,
      ]) {
        expect((await get(f.app, `/api/1/${path}`, {}, 'HEAD')).status, path).toBe(200)
      }
      // The scanner asks /known/ for chunks of at most 1000 SWHIDs.
      const all = [
        `swh:1:dir:${tree}`,
        ...Array.from({ length: 999 }, (_, i) => `swh:1:cnt:${i.toString(16).padStart(40, '0')}`),
      ]
      const known = await json(
        await f.app.request(`${BASE}/api/1/known/`, {
          method: 'POST',
          body: JSON.stringify(all),
          headers: { 'Content-Type': 'application/json' },
        }),
      )
      expect(Object.keys(known)).toHaveLength(1000)
      expect(known[`swh:1:dir:${tree}`]).toEqual({ known: true })
    })
  })
}

apiSuite('SQLite', () => makeFixture())
const pg = await postgresAvailable()
if (pg) {
  apiSuite('PostgreSQL', () => onTestDatabase(makeFixture))
}
