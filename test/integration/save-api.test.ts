/**
 * Save Code Now over HTTP, against a real `arca serve` on SQLite and on PostgreSQL: the JSON
 * shapes and vocabulary of Software Heritage's `/api/1/origin/save/`, prefix lists and
 * moderation through the admin routes and the CLI, duplicates, the statuses as the load task is
 * moved through the real queue (claim, complete, fail), throttling (429), the request
 * swh-web-client's `origin_save` makes, and the `/save/` page's form and status endpoint.
 * Expected strings are SWH's (swh-web `save_code_now/`), written out by hand.
 */
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openTaskQueue, type SqlTaskQueue } from '../../src/scheduler/index.js'
import { arca } from '../helpers/cli.js'
import { call, type ServeProcess, startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const PY_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/
const FIELDS = [
  'from_webhook',
  'id',
  'loading_task_id',
  'note',
  'origin_url',
  'progress',
  'request_url',
  'save_request_date',
  'save_request_status',
  'save_task_status',
  'snapshot_swhid',
  'visit_date',
  'visit_status',
  'visit_type',
  'webhook_origin',
]
const REJECTED =
  'The "save code now" request has been rejected because the provided origin url is not allowed to be archived.'

type Json = Record<string, unknown>

const savePath = (type: string, url: string): string => `/api/1/origin/save/${type}/url/${url}/`

const pgAvailable = await postgresAvailable()

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe.runIf(backend === 'SQLite' || pgAvailable)(`Save Code Now API on ${backend}`, () => {
    let dir: string
    let drop: (() => Promise<void>) | null = null
    let args: string[]
    let server: ServeProcess
    let queue: SqlTaskQueue
    let admin: string
    let apiToken: string

    beforeAll(async () => {
      dir = makeTemp('arca-save-api-')
      let storage = `sqlite:${join(dir, 'graph.sqlite')}`
      if (backend === 'PostgreSQL') {
        const db = await createTestDatabase()
        storage = db.url
        drop = db.drop
      }
      args = ['--data', dir, '--storage', storage]
      const made = arca(['token', 'create', '--scope', 'admin', ...args])
      expect(made.status, made.stderr).toBe(0)
      admin = made.stdout.trim()
      apiToken = arca(['token', 'create', '--scope', 'api', ...args]).stdout.trim()
      // rates counted (not exempt), but high enough for the suite; the throttling suite below
      // checks the limits. The test is the worker (it claims, completes and fails the tasks):
      // none in the server, which would race it for them.
      server = await startServe([
        ...args,
        '--no-worker',
        '--exempt',
        'none',
        '--rate',
        'swh_save_origin_post=1000/h',
        '--rate',
        'swh_save_origin=1000/h',
      ])
      queue = await openTaskQueue(storage)
    })
    afterAll(async () => {
      await queue?.close()
      await server?.stop()
      await drop?.()
      removeTemp(dir)
    })

    /** Claims task `id` (handing back any other claimed on the way). */
    async function claimTask(id: number) {
      const claimed = await queue.claim('test-worker', { leaseMs: 60_000, limit: 100 })
      const mine = claimed.find((t) => t.id === id)
      for (const t of claimed) if (t !== mine) await queue.release(t.lease)
      expect(mine, `task ${id} claimed`).toBeDefined()
      return mine!
    }

    it('a request without a matching prefix is pending, in SWH shape', async () => {
      const url = 'https://forge.example.org/team/pending-1'
      const a = await call(server, 'POST', savePath('git', url))
      expect(a.status).toBe(200)
      expect(a.headers.get('cache-control')).toBe(
        'max-age=0, no-cache, no-store, must-revalidate, private',
      )
      const r = a.body as Json
      expect(Object.keys(r).sort()).toEqual(FIELDS)
      expect(r).toMatchObject({
        origin_url: url,
        visit_type: 'git',
        save_request_status: 'pending',
        save_task_status: 'not created',
        visit_status: null,
        visit_date: null,
        loading_task_id: -1,
        note: '',
        from_webhook: false,
        webhook_origin: '',
        snapshot_swhid: null,
        progress: null,
      })
      expect(r['save_request_date']).toMatch(PY_ISO)
      expect(r['request_url']).toBe(`${server.url}/api/1/origin/save/${String(r['id'])}/`)
      const byId = await call(server, 'GET', `/api/1/origin/save/${String(r['id'])}/`)
      expect(byId.body).toEqual(r)
      const byOrigin = await call(server, 'GET', savePath('git', url))
      expect(byOrigin.body).toEqual([r])
    })

    it('400 for an unknown visit type (naming the loadable ones) or an invalid URL; 404s', async () => {
      const bad = await call(server, 'POST', savePath('nope', 'https://github.com/a/b'))
      expect(bad.status).toBe(400)
      expect(bad.body).toMatchObject({ exception: 'BadInputExc' })
      expect((bad.body as Json)['reason']).toMatch(
        // visit type names as Software Heritage's (`tarball-directory` has a hyphen)
        /^Visit of type nope cannot be saved! Allowed types are the following: ([\w-]+, )*git(, [\w-]+)*$/,
      )
      const url = await call(server, 'POST', savePath('git', 'ftp:/'))
      expect([url.status, (url.body as Json)['exception']]).toEqual([400, 'BadInputExc'])
      const pw = await call(server, 'POST', savePath('git', 'https://u:hunter2@github.com/a/b'))
      expect(pw.status).toBe(400)
      expect((pw.body as Json)['reason']).toMatch(/contains a password/)
      expect(JSON.stringify((pw.body as Json)['reason'])).not.toContain('hunter2')
      const none = await call(server, 'GET', savePath('git', 'https://github.com/never/asked'))
      expect(none.status).toBe(404)
      expect((none.body as Json)['reason']).toBe(
        'No save requests found for visit of type git on origin with url https://github.com/never/asked.',
      )
      const noId = await call(server, 'GET', '/api/1/origin/save/987654/')
      expect([noId.status, (noId.body as Json)['reason']]).toEqual([
        404,
        'No save request found for id 987654.',
      ])
    })

    it('prefix lists, managed with an admin token, accept and reject', async () => {
      const add = (list: string, prefix: string) =>
        call(server, 'POST', `/admin/1/save/prefixes/${list}`, { token: admin, body: { prefix } })
      expect((await call(server, 'GET', '/admin/1/save/prefixes/authorized')).status).toBe(401)
      expect(
        (await call(server, 'GET', '/admin/1/save/prefixes/authorized', { token: apiToken }))
          .status,
      ).toBe(403)
      expect((await add('authorized', 'https://github.com/')).status).toBe(200)
      expect((await add('unauthorized', 'https://github.com/blocked/')).status).toBe(200)
      const lists = await call(server, 'GET', '/admin/1/save/prefixes/authorized', {
        token: admin,
      })
      expect(lists.body).toContain('https://github.com/')

      const ok = await call(server, 'POST', savePath('git', 'https://github.com/ok/one'))
      const r = ok.body as Json
      expect([ok.status, r['save_request_status'], r['save_task_status']]).toEqual([
        200,
        'accepted',
        'scheduled',
      ])
      const [task] = await queue.get([r['loading_task_id'] as number])
      expect(task).toMatchObject({
        kind: 'load-git',
        origin: 'https://github.com/ok/one',
        args: { url: 'https://github.com/ok/one' },
        priority: 100,
      })

      const no = await call(server, 'POST', savePath('git', 'https://github.com/blocked/x'))
      expect(no.status).toBe(403)
      expect(no.body).toEqual({ exception: 'ForbiddenExc', reason: REJECTED })
      const kept = await call(server, 'GET', savePath('git', 'https://github.com/blocked/x'))
      expect((kept.body as Json[]).map((x) => x['save_request_status'])).toEqual(['rejected'])

      const removed = await call(server, 'POST', '/admin/1/save/prefixes/unauthorized/remove', {
        token: admin,
        body: { prefix: 'https://github.com/blocked/' },
      })
      expect(removed.status).toBe(200)
    })

    it('duplicates reuse the scheduled request; a running one gets a new request', async () => {
      const url = 'https://github.com/dup/repo'
      const a = (await call(server, 'POST', savePath('git', url))).body as Json
      const b = (await call(server, 'POST', savePath('git', url), { token: apiToken })).body as Json
      expect([b['id'], b['loading_task_id']]).toEqual([a['id'], a['loading_task_id']])
      expect(await queue.list({ origin: url })).toHaveLength(1)
      const t = await claimTask(a['loading_task_id'] as number)
      const c = (await call(server, 'POST', savePath('git', url))).body as Json
      expect(c['id']).not.toBe(a['id'])
      expect(c['save_task_status']).toBe('scheduled')
      await queue.complete(t.lease, { visit: 1, status: 'full', snapshot: null })
    })

    it('statuses follow the task: scheduled, running, succeeded; failed when dead', async () => {
      const url = 'https://github.com/moves/repo'
      const r = (await call(server, 'POST', savePath('git', url))).body as Json
      const id = String(r['id'])
      const get = async () => (await call(server, 'GET', `/api/1/origin/save/${id}/`)).body as Json
      expect((await get())['save_task_status']).toBe('scheduled')
      const t = await claimTask(r['loading_task_id'] as number)
      expect((await get())['save_task_status']).toBe('running')
      const snapshot = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
      await queue.complete(t.lease, {
        visit: 3,
        status: 'partial',
        snapshot,
        date: '2026-03-04T05:06:07.089Z',
        eventful: true,
        message: 'loaded',
      })
      expect(await get()).toMatchObject({
        save_task_status: 'succeeded',
        visit_status: 'partial',
        visit_date: '2026-03-04T05:06:07.089000+00:00',
        snapshot_swhid: `swh:1:snp:${snapshot}`,
        snapshot_url: `${server.url}/api/1/snapshot/${snapshot}/`,
      })

      const f = (await call(server, 'POST', savePath('git', 'https://github.com/moves/broken')))
        .body as Json
      const ft = await claimTask(f['loading_task_id'] as number)
      await queue.fail(ft.lease, 'fatal: repository not found', { retry: false })
      const failed = (await call(server, 'GET', `/api/1/origin/save/${String(f['id'])}/`))
        .body as Json
      expect([failed['save_task_status'], failed['visit_status']]).toEqual(['failed', 'failed'])
    })

    it('moderation: list pending, accept, reject with a reason (API and CLI)', async () => {
      const p1 = (await call(server, 'POST', savePath('git', 'https://hg.example.org/one')))
        .body as Json
      const p2 = (await call(server, 'POST', savePath('git', 'https://git.example.org/two')))
        .body as Json
      expect((await call(server, 'GET', '/admin/1/save/requests?status=pending')).status).toBe(401)
      const pending = await call(server, 'GET', '/admin/1/save/requests?status=pending', {
        token: admin,
      })
      const ids = (pending.body as Json[]).map((x) => x['id'])
      expect(ids).toContain(p1['id'])
      expect(ids).toContain(p2['id'])

      const noReason = await call(
        server,
        'POST',
        `/admin/1/save/requests/${String(p2['id'])}/reject`,
        {
          token: admin,
          body: {},
        },
      )
      expect(noReason.status).toBe(400)
      const rej = await call(server, 'POST', `/admin/1/save/requests/${String(p2['id'])}/reject`, {
        token: admin,
        body: { reason: 'not a source code repository' },
      })
      expect(rej.body).toMatchObject({
        save_request_status: 'rejected',
        note: 'not a source code repository',
      })

      const cli = arca(['save-request', 'accept', String(p1['id']), '--json', ...args])
      expect(cli.status, cli.stderr).toBe(0)
      expect(JSON.parse(cli.stdout)).toMatchObject({
        save_request_status: 'accepted',
        save_task_status: 'scheduled',
      })
      const seen = (await call(server, 'GET', `/api/1/origin/save/${String(p1['id'])}/`))
        .body as Json
      expect([seen['save_request_status'], seen['save_task_status']]).toEqual([
        'accepted',
        'scheduled',
      ])
      const listed = arca(['save-request', 'list', '--status', 'rejected', '--json', ...args])
      expect(listed.status, listed.stderr).toBe(0)
      const rows = listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Json)
      expect(rows.map((x) => x['id'])).toContain(p2['id'])
      const again = arca(['save-request', 'reject', String(p2['id']), '--reason', 'x', ...args])
      expect(again.status).toBe(2)
      expect(again.stderr).toMatch(/is rejected, not pending/)
    })

    it("replays swh-web-client's origin_save: POST {api_url}/origin/save/{type}/url/{origin}/", async () => {
      // the client joins api_url and the query with "/", posts no body, raises for >= 400, then
      // parses the JSON and the three X-RateLimit-* headers as integers
      const apiUrl = `${server.url}/api/1`
      const origin = 'https://github.com/client/replay'
      const res = await fetch([apiUrl, `origin/save/git/url/${origin}/`].join('/'), {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiToken}`, 'User-Agent': 'python-requests/2.32' },
      })
      expect(res.status).toBeLessThan(400)
      const sor = (await res.json()) as Json
      expect(sor['origin_url']).toBe(origin)
      expect(['accepted', 'pending']).toContain(sor['save_request_status'])
      for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'])
        expect(Number.isInteger(Number(res.headers.get(h))), h).toBe(true)
      // an HTTP client squashing "//" in the path, and the query-parameter form
      const squashed = await call(
        server,
        'POST',
        '/api/1/origin/save/git/url/https:/github.com/sq/x/',
      )
      expect((squashed.body as Json)['origin_url']).toBe('https://github.com/sq/x')
      const q = await call(
        server,
        'POST',
        `/api/1/origin/save/?visit_type=git&origin_url=${encodeURIComponent('https://github.com/q/x?ref=a b')}`,
      )
      expect([q.status, (q.body as Json)['origin_url']]).toEqual([400, undefined])
      const q2 = await call(
        server,
        'POST',
        `/api/1/origin/save/?visit_type=git&origin_url=${encodeURIComponent('https://github.com/q/x?ref=a')}`,
      )
      expect((q2.body as Json)['origin_url']).toBe('https://github.com/q/x?ref=a')
    })

    it('the /save/ page: the form makes a request; statuses come from /save/status/', async () => {
      const pageRes = await call(server, 'GET', '/save/')
      expect(pageRes.status).toBe(200)
      expect(pageRes.body).toContain('<form method="post" action="/save/"')
      const posted = await call(server, 'POST', '/save/', {
        form: { visit_type: 'git', origin_url: 'https://<b>x</b>/repo' },
      })
      expect(posted.status).toBe(400)
      expect(posted.body).toContain('is not valid!')
      expect(posted.body).not.toContain('<b>x</b>')
      const ok = await call(server, 'POST', '/save/', {
        form: { visit_type: 'git', origin_url: 'https://github.com/form/repo' },
      })
      expect(ok.status).toBe(303)
      const location = ok.headers.get('location')!
      const id = /request=(\d+)/.exec(location)![1]!
      const listing = (await call(server, 'GET', location)).body as string
      expect(listing).toContain(`data-save-id="${id}"`)
      expect(listing).toContain('https://github.com/form/repo')
      // an origin URL is data: shown escaped
      const xss = await call(server, 'POST', '/save/', {
        form: { visit_type: 'git', origin_url: 'https://github.com/form/<script>x</script>' },
      })
      expect(xss.status).toBe(303)
      const shown = (await call(server, 'GET', '/save/')).body as string
      expect(shown).toContain('&lt;script&gt;x&lt;/script&gt;')
      expect(shown).not.toContain('<script>x</script>')
      const status = await call(server, 'GET', `/save/status/?ids=${id}`)
      expect(status.body).toMatchObject([
        { id: Number(id), save_task_status: 'scheduled', live: true },
      ])
    })

    it('OpenAPI documents the save routes with their scopes', async () => {
      const doc = (await call(server, 'GET', '/api/1/openapi.json')).body as {
        paths: Record<string, Record<string, { 'x-rate-limit-scope': string }>>
      }
      const p = doc.paths['/origin/save/{visit_type}/url/{origin_url}/']!
      expect(p['get']!['x-rate-limit-scope']).toBe('swh_save_origin')
      expect(p['post']!['x-rate-limit-scope']).toBe('swh_save_origin_post')
      expect(doc.paths['/origin/save/{request_id}/']).toBeDefined()
    })
  })
}

describe('Save Code Now throttling', () => {
  let dir: string
  let server: ServeProcess
  beforeAll(async () => {
    dir = makeTemp('arca-save-throttle-')
    server = await startServe([
      '--data',
      dir,
      '--exempt',
      'none',
      '--rate',
      'swh_save_origin_post=2/h',
      '--rate',
      'swh_save_origin=3/h',
    ])
  })
  afterAll(async () => {
    await server?.stop()
    removeTemp(dir)
  })

  it('the swh_save_origin scopes answer 429 past their rate, and nothing is recorded', async () => {
    const url = (n: number) => `https://github.com/throttle/${n}`
    for (const n of [1, 2])
      expect((await call(server, 'POST', savePath('git', url(n)))).status).toBe(200)
    const third = await call(server, 'POST', savePath('git', url(3)))
    expect(third.status).toBe(429)
    expect((third.body as Json)['exception']).toBe('Throttled')
    expect((third.body as Json)['reason']).toMatch(
      /^Request was throttled\. Expected available in \d+ seconds?\.$/,
    )
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    // reads have their own count
    for (const n of [1, 2])
      expect((await call(server, 'GET', savePath('git', url(n)))).status).toBe(200)
    expect((await call(server, 'GET', savePath('git', url(3)))).status).toBe(404)
    expect((await call(server, 'GET', savePath('git', url(1)))).status).toBe(429)
    // a forge whose secret the operator did not configure takes no webhook
    const hook = await call(server, 'POST', '/api/1/origin/save/webhook/github/', {
      body: { repository: { html_url: 'https://github.com/throttle/hook' } },
    })
    expect([hook.status, (hook.body as Json)['reason']]).toEqual([
      403,
      'GitHub webhooks are not enabled on this server (no secret)',
    ])
    const list = arca(['save-request', 'list', '--json', '--data', dir])
    expect(list.stdout.trim().split('\n')).toHaveLength(2)
  })
})
