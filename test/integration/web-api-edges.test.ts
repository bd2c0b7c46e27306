/**
 * The Web API's edges, in process and over a real socket: auth and rate limits, trusted
 * forwarded headers, the OpenAPI document (valid, complete, served), fuzzing (no 500 for any
 * input) and streaming over TCP.
 */

import { Validator } from '@seriousme/openapi-schema-validator'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { apiRoutes } from '../../src/web/api/routes.js'
import { createApp } from '../../src/web/app.js'
import { startServer, webContext } from '../../src/web/server.js'
import { git } from '../helpers/repos.js'
import { BASE, type Fixture, get, json, makeFixture } from '../helpers/web-api-fixture.js'

describe('Web API: auth and rate limits', () => {
  let f: Fixture
  beforeAll(async () => {
    f = await makeFixture()
  }, 120_000)
  afterAll(async () => f.cleanup())

  it('limits anonymous callers per scope with X-RateLimit headers, 10x with a token, 429 past it', async () => {
    const ctx = webContext(
      f.archive,
      {},
      { exemptNetworks: [], rates: { swh_api_origin_search: { count: 3, seconds: 60 } } },
    )
    const app = createApp(ctx)
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 4; i++) {
      last = await get(app, '/api/1/origin/search/example/')
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(last!.headers.get('x-ratelimit-limit')).toBe('3')
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(Number(last!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    const throttled = await json(last!)
    expect(throttled.exception).toBe('Throttled')
    // Software Heritage's reason names the wait, the same number as Retry-After.
    const wait = /^Request was throttled\. Expected available in (\d+) seconds?\.$/.exec(
      throttled.reason,
    )
    expect(wait, throttled.reason).not.toBeNull()
    expect(wait![1]).toBe(last!.headers.get('retry-after'))
    const { secret } = await ctx.tokens.create('test', ['api'])
    const authed = await get(app, '/api/1/origin/search/example/', {
      Authorization: `Bearer ${secret}`,
    })
    expect(authed.status).toBe(200)
    expect(authed.headers.get('x-ratelimit-limit')).toBe('30')
  })

  it('exempt networks get no limits and no headers', async () => {
    const app = createApp(
      webContext(
        f.archive,
        {},
        { exemptNetworks: ['127.0.0.0/8'], rates: { swh_api: { count: 1, seconds: 60 } } },
      ),
    )
    for (let i = 0; i < 3; i++) {
      const r = await get(app, '/api/1/ping/')
      expect(r.status).toBe(200)
      expect(r.headers.get('x-ratelimit-limit')).toBeNull()
    }
  })

  it('a bad or revoked token is 401', async () => {
    const ctx = webContext(f.archive)
    const app = createApp(ctx)
    expect((await get(app, '/api/1/ping/', { Authorization: 'Bearer nope' })).status).toBe(401)
    expect((await get(app, '/api/1/ping/', { Authorization: 'Basic abc' })).status).toBe(401)
    const t = await ctx.tokens.create('gone', ['api'])
    expect((await get(app, '/api/1/ping/', { Authorization: `Bearer ${t.secret}` })).status).toBe(
      200,
    )
    await ctx.tokens.revoke(t.id)
    expect((await get(app, '/api/1/ping/', { Authorization: `Bearer ${t.secret}` })).status).toBe(
      401,
    )
  })

  it('absolute links honour forwarded headers only when trusted', async () => {
    const trusting = createApp(webContext(f.archive, { trustProxy: true }))
    const r = await json(
      await get(trusting, '/api/1/origin/search/rich/', {
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'archive.example.org',
      }),
    )
    expect(r[0].origin_visits_url).toMatch(/^https:\/\/archive\.example\.org\/api\/1\//)
    const plain = createApp(webContext(f.archive))
    const r2 = await json(
      await get(plain, '/api/1/origin/search/rich/', { 'X-Forwarded-Host': 'evil.example' }),
    )
    expect(r2[0].origin_visits_url).toMatch(/^http:\/\/arca\.test\//)
  })

  it('the OpenAPI document is valid OpenAPI 3.0, covers every route, and what it documents is served', async () => {
    const doc = await json(await get(f.app, '/api/1/openapi.json'))
    expect(doc.openapi).toBe('3.0.3')
    // Against the OpenAPI 3.0 JSON Schema, by an independent validator.
    const validator = new Validator()
    const result = await validator.validate(doc)
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.0')
    for (const r of apiRoutes())
      expect(doc.paths[r.docPath]?.[r.method.toLowerCase()], r.docPath).toBeDefined()
    // Sample values for the path parameters (the archive's own objects where there is one).
    const sample: Record<string, string> = {
      q: `sha1_git:${git(f.repo, ['rev-parse', 'main:README'])}`,
      id: f.head,
      swhid: `swh:1:rev:${f.head}`,
      pattern: 'rich',
      origin_url: f.origin,
      path: 'README',
      extid_type: 'hg-nodeid',
      format: 'hex',
      extid: 'ab'.repeat(20),
      request_id: '1',
      visit_type: 'git',
    }
    for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        // OpenAPI: every template expression of a path is a declared path parameter, and back.
        const template = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
        const declared = (op.parameters as { name: string; in: string }[])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort()
        expect(declared, `${method} ${path}`).toEqual(template)
        // The documented path, with sample values, reaches a route (not the no-route 404).
        const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => sample[name] ?? 'x')
        const res = await f.app.request(
          `${BASE}/api/1${url}`,
          method === 'post' ? { method: 'POST', body: '[]' } : { method: method.toUpperCase() },
        )
        const text = await res.text()
        expect(text, `${method} ${path} → ${url}`).not.toMatch(/No such route|No API route/)
      }
    }
  })

  it('fuzzing: no 500 for garbage paths, parameters and bodies', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'content',
        'directory',
        'revision',
        'release',
        'snapshot',
        'origin',
        'raw',
        'resolve',
        'known',
        'extid',
        'log',
        'raw',
        'get',
        'visits',
        'visit',
        'latest',
        'search',
        'sha1:',
        'sha1_git:',
        'swh:1:cnt:',
        '..',
        '%',
        '%00',
        '%ff',
        '',
      ),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[0-9a-f]{40}$/),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.dictionary(
          fc.constantFrom(
            'limit',
            'per_page',
            'last_visit',
            'branches_from',
            'branches_count',
            'target_types',
            'fields',
            'page_token',
            'origin_count',
            'filename',
            'with_visit',
            'visit_type',
            'require_snapshot',
            'extid_version',
          ),
          fc.string({ maxLength: 10 }),
          { maxKeys: 3 },
        ),
        fc.constantFrom('GET', 'POST', 'HEAD'),
        fc.oneof(fc.string({ maxLength: 40 }), fc.json()),
        async (segments, query, method, body) => {
          const path =
            '/api/1/' +
            segments.map((s) => encodeURIComponent(s).replace(/%2F/g, '/')).join('/') +
            '/'
          const qs = new URLSearchParams(query).toString()
          const res = await f.app.request(
            `${BASE}${path}${qs ? `?${qs}` : ''}`,
            method === 'POST' ? { method, body } : { method },
          )
          expect(res.status, `${method} ${path}?${qs}`).toBeLessThan(500)
        },
      ),
      { numRuns: 400, seed: 4242 },
    )
  })

  it('a real socket: the server answers over TCP, streams a raw content', async () => {
    const server = await startServer({ archive: f.archive, port: 0 })
    try {
      const r = await fetch(`${server.url}/api/1/ping/`)
      expect(await r.json()).toBe('pong')
      const blob = git(f.repo, ['rev-parse', 'main:README'])
      const raw = await fetch(`${server.url}/api/1/content/sha1_git:${blob}/raw/`)
      expect(await raw.text()).toBe('A rich repository\n')
      const search = await fetch(`${server.url}/api/1/origin/search/rich/`)
      expect((await json(search))[0].origin_visits_url.startsWith(server.url)).toBe(true)
    } finally {
      await server.close()
    }
  })
})
