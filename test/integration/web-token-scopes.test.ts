/**
 * Token scopes: each scope grants only its own routes (`api` the Web API with a token, `mirror`
 * the mirror feed, `admin` the administration routes), checked for every protected route and
 * every kind of caller; and revocation, by the CLI in another process or over HTTP, holds for a
 * running server from the next request on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

type Caller = 'anonymous' | 'bad' | 'revoked' | 'api' | 'mirror' | 'admin' | 'api+mirror'

interface Route {
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** Status for callers allowed in. */
  readonly ok: number
  /** Answer for each caller. */
  readonly expected: Readonly<Record<Caller, number>>
}

/** Status table: what each caller gets on each route (written by hand from the scope rules). */
const API = { anonymous: 200, bad: 401, revoked: 401, api: 200, mirror: 403, admin: 403 }
const MIRROR = { anonymous: 401, bad: 401, revoked: 401, api: 403, mirror: 200, admin: 403 }
const ADMIN = { anonymous: 401, bad: 401, revoked: 401, api: 403, mirror: 403, admin: 200 }

const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/api/1/ping/', ok: 200, expected: { ...API, 'api+mirror': 200 } },
  {
    method: 'GET',
    path: '/api/1/stat/counters/',
    ok: 200,
    expected: { ...API, 'api+mirror': 200 },
  },
  { method: 'POST', path: '/api/1/known/', ok: 200, expected: { ...API, 'api+mirror': 200 } },
  { method: 'GET', path: '/mirror/1/journal', ok: 200, expected: { ...MIRROR, 'api+mirror': 200 } },
  {
    method: 'GET',
    path: '/mirror/1/journal/origin?limit=1',
    ok: 200,
    expected: { ...MIRROR, 'api+mirror': 200 },
  },
  {
    method: 'POST',
    path: '/mirror/1/contents',
    ok: 200,
    expected: { ...MIRROR, 'api+mirror': 200 },
  },
  {
    method: 'POST',
    path: '/mirror/1/objects/content',
    ok: 200,
    expected: { ...MIRROR, 'api+mirror': 200 },
  },
  { method: 'GET', path: '/admin/1/tokens', ok: 200, expected: { ...ADMIN, 'api+mirror': 403 } },
  {
    // No such token: an admin gets the route's own 404.
    method: 'POST',
    path: '/admin/1/tokens/000000000000/revoke',
    ok: 404,
    expected: { ...ADMIN, admin: 404, 'api+mirror': 403 },
  },
]

describe('token scopes on every protected route', () => {
  let dir: string
  let archive: Archive
  let app: ReturnType<typeof createApp>
  const secrets: Partial<Record<Caller, string>> = {}
  beforeAll(async () => {
    dir = makeTemp('arca-scopes-')
    archive = await openArchive({ dataDir: dir })
    const ctx = webContext(archive, {}, { disabled: true })
    app = createApp(ctx)
    secrets.api = (await ctx.tokens.create('a', ['api'])).secret
    secrets.mirror = (await ctx.tokens.create('m', ['mirror'])).secret
    secrets.admin = (await ctx.tokens.create('ad', ['admin'])).secret
    secrets['api+mirror'] = (await ctx.tokens.create('am', ['api', 'mirror'])).secret
    const gone = await ctx.tokens.create('gone', ['api', 'mirror', 'admin'])
    await ctx.tokens.revoke(gone.id)
    secrets.revoked = gone.secret
    secrets.bad = 'arca_000000000000_not-a-token'
  }, 60_000)
  afterAll(async () => {
    await archive.close()
    removeTemp(dir)
  })

  for (const route of ROUTES)
    for (const caller of Object.keys(route.expected) as Caller[])
      it(`${route.method} ${route.path} as ${caller}: ${route.expected[caller]}`, async () => {
        const secret = secrets[caller]
        const res = await app.request(`http://arca.test${route.path}`, {
          method: route.method,
          headers: secret ? { Authorization: `Bearer ${secret}` } : {},
          ...(route.method === 'POST'
            ? { body: route.path.startsWith('/api/') ? '[]' : new Uint8Array(0) }
            : {}),
        })
        expect(res.status).toBe(route.expected[caller])
        if (res.status === 401 || res.status === 403) {
          const body = (await res.json()) as { exception: string; reason: string }
          expect(body.exception).toBe(res.status === 401 ? 'UnauthorizedExc' : 'ForbiddenExc')
          if (res.status === 403) expect(body.reason).toMatch(/needs a token with the "\w+" scope/)
        }
      })

  it('the token list never shows secrets', async () => {
    const res = await app.request('http://arca.test/admin/1/tokens', {
      headers: { Authorization: `Bearer ${secrets.admin}` },
    })
    const text = await res.text()
    for (const s of Object.values(secrets)) expect(text).not.toContain(s)
    const list = JSON.parse(text) as { name: string; scopes: string[]; revoked: string | null }[]
    expect(list.map((t) => t.name).sort()).toEqual(['a', 'ad', 'am', 'gone', 'm'])
    expect(list.find((t) => t.name === 'gone')!.revoked).not.toBeNull()
  })
})

describe('revocation reaches a running server at once', () => {
  it('arca token revoke in another process: the next request is 401', async () => {
    const dir = makeTemp('arca-revoke-')
    const created = arca(['token', 'create', '--data', dir, '--scope', 'mirror', '--json'])
    expect(created.status, created.stderr).toBe(0)
    const t = JSON.parse(created.stdout) as { id: string; secret: string }
    const serve = await startServe(['--data', dir])
    try {
      const auth = { headers: { Authorization: `Bearer ${t.secret}` } }
      expect((await fetch(`${serve.url}/mirror/1/journal`, auth)).status).toBe(200)
      const revoked = arca(['token', 'revoke', '--data', dir, t.id])
      expect(revoked.status, revoked.stderr).toBe(0)
      expect((await fetch(`${serve.url}/mirror/1/journal`, auth)).status).toBe(401)
    } finally {
      await serve.stop('SIGKILL')
      removeTemp(dir)
    }
  }, 60_000)

  it('revoked over HTTP with an admin token: the next request is 401', async () => {
    const dir = makeTemp('arca-revoke-http-')
    const mk = (scope: string) => {
      const r = arca(['token', 'create', '--data', dir, '--scope', scope, '--json'])
      expect(r.status, r.stderr).toBe(0)
      return JSON.parse(r.stdout) as { id: string; secret: string }
    }
    const admin = mk('admin')
    const user = mk('api')
    const serve = await startServe(['--data', dir])
    try {
      const auth = { headers: { Authorization: `Bearer ${user.secret}` } }
      expect((await fetch(`${serve.url}/api/1/ping/`, auth)).status).toBe(200)
      const res = await fetch(`${serve.url}/admin/1/tokens/${user.id}/revoke`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin.secret}` },
      })
      expect(res.status).toBe(200)
      expect((await fetch(`${serve.url}/api/1/ping/`, auth)).status).toBe(401)
      const list = arca(['token', 'list', '--data', dir])
      expect(list.stdout).toMatch(new RegExp(`^${user.id}\\t.*\\trevoked `, 'm'))
    } finally {
      await serve.stop('SIGKILL')
      removeTemp(dir)
    }
  }, 60_000)
})
