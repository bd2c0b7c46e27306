/**
 * The routes below `/api/1/origin/<url>/`, one per resource as Software Heritage documents them
 * (`get/`, `visits/`, `visit/latest/`, `visit/<n>/`): a wrong method on one of them is 405 with
 * `Allow`, a path that is none of them is 404 under every method (`origin/save/…` is Save Code
 * Now's, see save-api.test.ts: 503 on an app made without it), `visit/latest/` counts against its own rate-limit scope
 * (`swh_api_origin_visit_latest`), and the OpenAPI document names each route. Found by running
 * Software Heritage's Python web client against a node: its `origin_save` got a 405 whose
 * `Allow: GET` pointed to a GET that is 404.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'

describe('origin routes', () => {
  let root: string
  let data: string
  let archive: Archive
  let origin: string
  let app: ReturnType<typeof createApp>
  const call = (path: string, method = 'GET') =>
    Promise.resolve(app.request(`${BASE}${path}`, { method }))

  beforeAll(async () => {
    root = makeTemp('arca-origin-routes-')
    data = makeTemp('arca-origin-routes-data-')
    const repo = join(root, 'project')
    git(root, ['init', '-q', '-b', 'main', repo])
    writeFileSync(join(repo, 'README'), 'one\n')
    git(repo, ['add', '.'])
    git(repo, ['commit', '-q', '-m', 'first'])
    const writer = await openArchive({ dataDir: data, writer: 'loader' })
    const first = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    writeFileSync(join(repo, 'README'), 'two\n')
    git(repo, ['commit', '-q', '-am', 'second'])
    const second = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    expect([first.status, second.status]).toEqual(['full', 'full'])
    origin = first.origin
    await writer.close()
    archive = await openArchive({ dataDir: data })
    app = createApp(webContext(archive, {}, { exemptNetworks: [] }))
  }, 120_000)

  afterAll(async () => {
    await archive?.close()
    removeTemp(root)
    removeTemp(data)
  })

  const routes = () => [
    `/api/1/origin/${origin}/get/`,
    `/api/1/origin/${origin}/visits/`,
    `/api/1/origin/${origin}/visit/latest/`,
    `/api/1/origin/${origin}/visit/2/`,
    `/api/1/origin/${origin}/forks/`,
  ]

  it('each route answers GET (with or without the trailing slash) and is 405 to POST', async () => {
    for (const path of routes()) {
      for (const p of [path, path.slice(0, -1)]) {
        expect((await call(p)).status, p).toBe(200)
        const post = await call(p, 'POST')
        expect(post.status, p).toBe(405)
        expect(post.headers.get('allow'), p).toBe('GET, HEAD, OPTIONS')
      }
    }
    const visit = (await (await call(`/api/1/origin/${origin}/visit/2/`)).json()) as {
      visit: number
      origin: string
    }
    expect([visit.visit, visit.origin]).toEqual([2, origin])
  })

  it('a path below /origin/ that is no route is 404 under every method (no Allow)', async () => {
    for (const path of [`/api/1/origin/${origin}/`, `/api/1/origin/${origin}/no-such-thing/`]) {
      for (const method of ['GET', 'POST', 'PUT']) {
        const res = await call(path, method)
        expect(res.status, `${method} ${path}`).toBe(404)
        expect(res.headers.get('allow'), `${method} ${path}`).toBeNull()
        expect(((await res.json()) as { exception: string }).exception).toBe('NotFoundExc')
      }
    }
  })

  it('origin/save/… is Save Code Now: 503 on an app made without it, 405 for other methods', async () => {
    const path = '/api/1/origin/save/git/url/https://example.org/x.git/'
    for (const method of ['GET', 'POST']) {
      const res = await call(path, method)
      expect(res.status, method).toBe(503)
      expect(((await res.json()) as { reason: string }).reason).toBe(
        'Save Code Now is not enabled on this server',
      )
    }
    const put = await call(path, 'PUT')
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toContain('POST')
  })

  it('visit/latest/ counts against swh_api_origin_visit_latest, the others against swh_api', async () => {
    const limited = createApp(
      webContext(
        archive,
        {},
        {
          exemptNetworks: [],
          rates: {
            swh_api: { count: 50, seconds: 60 },
            swh_api_origin_visit_latest: { count: 70, seconds: 60 },
          },
        },
      ),
    )
    const limitOf = async (path: string) =>
      (await limited.request(`${BASE}${path}`)).headers.get('x-ratelimit-limit')
    const [get, visits, latest, one] = routes()
    expect(await limitOf(latest!)).toBe('70')
    for (const p of [get!, visits!, one!]) expect(await limitOf(p), p).toBe('50')
  })

  it('the OpenAPI document has one path per origin route', async () => {
    const doc = (await (await call('/api/1/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>
    }
    const expected = {
      '/origin/{origin_url}/get/': ['origin_url'],
      '/origin/{origin_url}/forks/': ['origin_url', 'per_page', 'page_token'],
      '/origin/{origin_url}/visits/': ['origin_url', 'per_page', 'last_visit'],
      '/origin/{origin_url}/visit/latest/': ['origin_url', 'visit_type', 'require_snapshot'],
      '/origin/{origin_url}/visit/{visit_id}/': ['origin_url', 'visit_id'],
    }
    const found = Object.fromEntries(
      Object.entries(doc.paths)
        .filter(([p]) => /^(\/api\/1)?\/origin\/\{origin_url\}\//.test(p))
        .map(([p, op]) => [
          p.replace(/^\/api\/1/, ''),
          (op.get?.parameters ?? []).map((x) => x.name),
        ]),
    )
    expect(found).toEqual(expected)
  })
})
