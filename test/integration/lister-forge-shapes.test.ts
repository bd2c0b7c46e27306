/**
 * What the conformance suite does not reach: per-forge details of the API listers against a
 * local server that answers one scripted JSON answer per request (in the forge's documented
 * shape) and records each request (method, path, headers, body). SourceHut's GraphQL request,
 * its errors as HTTP 200, an unknown user, private repositories; Bitbucket's private and hg
 * repositories and userinfo in clone links; Gitea's `ok: false`; the token sent as the forge
 * expects, and never in an error.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  BitbucketLister,
  GiteaLister,
  ListerHttp,
  makeLister,
  SourceHutLister,
} from '../../src/lister/index.js'

interface Seen {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

describe('API listers: forge-specific shapes', () => {
  const seen: Seen[] = []
  const answers: { status?: number; body: unknown }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const a = answers.shift() ?? { status: 500, body: { message: 'no answer scripted' } }
      res
        .writeHead(a.status ?? 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(a.body))
    })
  })
  let base = ''
  const TOKEN = 'sekret-token-1234'
  const http = (token = false) =>
    new ListerHttp({
      policy: { allowNetworks: ['127.0.0.1/32'] },
      retries: 0,
      ...(token ? { token: TOKEN, authScheme: 'Bearer' as const } : {}),
    })
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((r) => server.close(r))
  })

  it('SourceHut: a GraphQL POST naming the user and the cursor, public repositories only', async () => {
    const c = http(true)
    try {
      seen.length = 0
      answers.push({
        body: {
          data: {
            user: {
              repositories: {
                cursor: 'opaque==',
                results: [
                  {
                    name: 'a',
                    updated: '2024-01-02T03:04:05Z',
                    visibility: 'PUBLIC',
                    owner: { canonicalName: '~bob' },
                  },
                  {
                    name: 'b',
                    updated: '2024-01-02T03:04:05Z',
                    visibility: 'PRIVATE',
                    owner: { canonicalName: '~bob' },
                  },
                  {
                    name: 'c',
                    updated: '2024-01-02T03:04:05Z',
                    visibility: 'UNLISTED',
                    owner: { canonicalName: '~bob' },
                  },
                ],
              },
            },
          },
        },
      })
      const l = new SourceHutLister(`${base}/~bob`)
      const p = await l.page({ cursor: 'prev' }, c)
      expect(p.origins).toEqual([
        { url: `${base}/~bob/a`, visitType: 'git', lastUpdate: Date.UTC(2024, 0, 2, 3, 4, 5) },
      ])
      expect(p.next).toEqual({ cursor: 'opaque==' })
      expect(seen[0]!.method).toBe('POST')
      expect(seen[0]!.path).toBe('/query')
      expect(seen[0]!.headers['authorization']).toBe(`Bearer ${TOKEN}`)
      expect(seen[0]!.headers['content-type']).toBe('application/json')
      const q = JSON.parse(seen[0]!.body) as { query: string; variables: unknown }
      expect(q.variables).toEqual({ username: 'bob', cursor: 'prev' })
      expect(q.query).toMatch(/user\(username: \$username\)/)
      expect(q.query).toMatch(/repositories\(cursor: \$cursor\)/)
      // a later run starts from the beginning: the cursor is opaque
      expect(l.resumeAfterComplete({ cursor: 'opaque==' })).toEqual({ cursor: null })
    } finally {
      c.close()
    }
  })

  it("SourceHut: GraphQL errors (HTTP 200) and an unknown user fail with the forge's words", async () => {
    const c = http(true)
    try {
      const l = new SourceHutLister(`${base}/~bob`)
      answers.push({ body: { errors: [{ message: 'Access denied: invalid token' }], data: null } })
      await expect(l.page(l.initialState(), c)).rejects.toThrow(/GraphQL error: Access denied/)
      answers.push({ body: { data: { user: null } } })
      await expect(l.page(l.initialState(), c)).rejects.toThrow(/no user "bob"/)
      answers.push({
        status: 401,
        body: { errors: [{ message: 'Authorization header is required' }] },
      })
      const e = (await l.page(l.initialState(), c).then(
        () => new Error('no failure'),
        (x: unknown) => x,
      )) as Error
      expect(e.message).toMatch(/HTTP 401: Authorization header is required/)
      expect(e.message).not.toContain(TOKEN)
    } finally {
      c.close()
    }
  })

  it("SourceHut: a URL that is not a user's page is refused, naming the shape", () => {
    expect(() => new SourceHutLister('https://git.sr.ht/')).toThrow(/not a user's page/)
    expect(() => new SourceHutLister('https://git.sr.ht/~bob/repo')).toThrow(/not a user's page/)
    expect(() => makeLister('sourcehut', 'not a url')).toThrow(/not a URL/)
    expect(() => makeLister('nosuch', 'https://x.example')).toThrow(/not a lister type/)
  })

  it('Bitbucket: private skipped, hg kept, userinfo dropped, scm checked', async () => {
    const c = http()
    try {
      seen.length = 0
      const repo = (name: string, scm: string, priv = false) => ({
        type: 'repository',
        full_name: `ws/${name}`,
        scm,
        is_private: priv,
        created_on: '2021-05-06T07:08:09.000000+00:00',
        updated_on: '2022-05-06T07:08:09.123456+00:00',
        links: {
          clone: [
            { name: 'ssh', href: `git@bitbucket.example:ws/${name}.git` },
            { name: 'https', href: `https://alice@bitbucket.example/ws/${name}` },
          ],
        },
      })
      answers.push({
        body: {
          pagelen: 100,
          values: [repo('secret', 'git', true), repo('merc', 'hg')],
          next: `${base}/2.0/repositories?pagelen=100&after=2021-05-06T07%3A08%3A09.000000%2B00%3A00`,
        },
      })
      const l = new BitbucketLister(base)
      const p = await l.page(l.initialState(), c)
      expect(p.origins).toEqual([
        {
          url: 'https://bitbucket.example/ws/merc',
          visitType: 'hg',
          lastUpdate: Date.parse('2022-05-06T07:08:09.123Z'),
        },
      ])
      expect(p.next).toEqual({ after: '2021-05-06T07:08:09.000000+00:00' })
      const asked = new URL(seen[0]!.path, base)
      expect(asked.pathname).toBe('/2.0/repositories')
      expect(asked.searchParams.get('after')).toBe('1970-01-01T00:00:00+00:00')
      expect(asked.searchParams.get('fields')).toContain('values.links.clone')
      answers.push({ body: { values: [repo('x', 'svn')] } })
      await expect(l.page(l.initialState(), c)).rejects.toThrow(/"scm" is not git or hg/)
      answers.push({ body: { values: [] } })
      expect((await l.page(l.initialState(), c)).next).toBeNull()
    } finally {
      c.close()
    }
  })

  it('Gitea: ok=false and an answer without data fail the page; the request asks by id', async () => {
    const c = http()
    try {
      seen.length = 0
      const l = new GiteaLister(base)
      answers.push({ body: { ok: false, data: [], message: 'search failed' } })
      await expect(l.page({ page: 3 }, c)).rejects.toThrow(/ok=false: search failed/)
      const asked = new URL(seen[0]!.path, base)
      expect(asked.pathname).toBe('/api/v1/repos/search')
      expect(Object.fromEntries(asked.searchParams)).toEqual({
        sort: 'id',
        order: 'asc',
        limit: '50',
        page: '3',
      })
      answers.push({ body: [{ id: 1 }] })
      await expect(l.page({ page: 1 }, c)).rejects.toThrow(/no "data" array/)
      answers.push({ body: { ok: true, data: [{ id: 1, fork: false }] } })
      await expect(l.page({ page: 1 }, c)).rejects.toThrow(/without a string "clone_url"/)
      // a run after a complete one starts a page before the last one
      expect(l.resumeAfterComplete({ page: 7 })).toEqual({ page: 6 })
      expect(l.resumeAfterComplete({ page: 1 })).toEqual({ page: 1 })
    } finally {
      c.close()
    }
  })
})
