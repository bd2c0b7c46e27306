/**
 * Add Forge Now end to end, against a real `arca serve` on SQLite and PostgreSQL: the routes
 * of Software Heritage's `/api/1/add-forge/request/…` with its authentication rules (creating
 * needs a token, updating a moderator's token), field sets (public and moderator), statuses
 * and history, duplicates (409), URL and type validation; then an acceptance runs the
 * first listing (the real `list-forge` handler on a task claimed from the queue) against a
 * local GitLab-shaped server, and the listed origins are scheduled for their first visits.
 * The `/add-forge/` page's form too. Expected values are written out by hand from SWH's
 * `add_forge_now/api_views.py` and `models.py`.
 */
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  forgeLoadedHook,
  LIST_FORGE_TASK,
  ListerHttp,
  listForgeHandler,
  makeLister,
} from '../../src/lister/index.js'
import { openScheduler, PRIORITY, type Scheduler } from '../../src/scheduler/index.js'
import {
  gitlab,
  type Json,
  MODERATOR_FIELDS,
  PUBLIC_FIELDS,
  SUBMITTER_EMAIL,
} from '../helpers/add-forge-now.js'
import { arca } from '../helpers/cli.js'
import { call, type ServeProcess, startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const pgAvailable = await postgresAvailable()

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe.runIf(backend === 'SQLite' || pgAvailable)(`Add Forge Now on ${backend}`, () => {
    let dir: string
    let drop: (() => Promise<void>) | null = null
    let storage: string
    let server: ServeProcess
    let sched: Scheduler
    let user: string
    let moderator: string
    const forge = gitlab()
    let forgeUrl = ''

    beforeAll(async () => {
      dir = makeTemp('arca-afn-')
      storage = `sqlite:${join(dir, 'graph.sqlite')}`
      if (backend === 'PostgreSQL') {
        const db = await createTestDatabase()
        storage = db.url
        drop = db.drop
      }
      const args = ['--data', dir, '--storage', storage]
      user = arca(['token', 'create', '--scope', 'api', '--name', 'alice', ...args]).stdout.trim()
      const mod = arca([
        'token',
        'create',
        '--scope',
        'api',
        '--scope',
        'admin',
        '--name',
        'mod',
        ...args,
      ])
      expect(mod.status, mod.stderr).toBe(0)
      moderator = mod.stdout.trim()
      await new Promise<void>((r) => forge.server.listen(0, '127.0.0.1', r))
      forgeUrl = `http://127.0.0.1:${(forge.server.address() as AddressInfo).port}`
      server = await startServe([...args, '--no-worker', '--allow-network', '127.0.0.1/32'])
      sched = await openScheduler(storage)
    })
    afterAll(async () => {
      await sched?.close()
      await server?.stop()
      await new Promise((r) => forge.server.close(r))
      await drop?.()
      removeTemp(dir)
    })

    const statusOf = async (id: number): Promise<unknown> => {
      const got = await call(server, 'GET', `/api/1/add-forge/request/${id}/get/`)
      return (got.body as { request: Json }).request['status']
    }
    const create = (body: Json, token?: string) =>
      call(server, 'POST', '/api/1/add-forge/request/create/', {
        body,
        ...(token ? { token } : {}),
      })
    const valid = (url: string): Json => ({
      forge_type: 'gitlab',
      forge_url: url,
      forge_contact_email: 'admin@forge.example.org',
      forge_contact_name: 'Forge Admin',
      forge_contact_comment: 'on the forge home page',
      submitter_email: SUBMITTER_EMAIL,
    })

    it('refuses anonymous callers, bad fields, refused addresses and duplicates', async () => {
      const anon = await create(valid('https://anon.example.org'))
      expect(anon.status).toBe(403)
      expect((anon.body as Json)['reason']).toBe(
        'You must be authenticated to create a new add-forge request',
      )
      const type = await create({ ...valid('https://t.example.org'), forge_type: 'svn' }, user)
      expect(type.status).toBe(400)
      expect((type.body as Json)['reason']).toMatch(/forge_type: "svn" is not a known forge type/)
      const scheme = await create(valid('ftp://ftp.example.org/pub'), user)
      expect(scheme.status).toBe(400)
      const password = await create(valid('https://u:secret@forge.example.org'), user)
      expect(password.status).toBe(400)
      expect((password.body as Json)['reason']).toMatch(/contains a password/)
      const metadata = await create(valid('http://169.254.169.254/latest'), user)
      expect(metadata.status).toBe(403)
      const missing = await create(
        { forge_type: 'gitlab', forge_url: 'https://m.example.org' },
        user,
      )
      expect(missing.status).toBe(400)
      expect((missing.body as Json)['reason']).toMatch(
        /forge_contact_email: this field is required/,
      )
      const submitter = await create(
        { ...valid('https://se.example.org'), submitter_email: 'alice at example' },
        user,
      )
      expect(submitter.status).toBe(400)
      expect((submitter.body as Json)['reason']).toBe(
        'submitter_email: "alice at example" is not an email address',
      )
      const email = await create(
        { ...valid('https://e.example.org'), forge_contact_email: 'not-an-email' },
        user,
      )
      expect(email.status).toBe(400)

      const first = await create(valid('https://Dup.Example.org/'), user)
      expect(first.status).toBe(201)
      const id = (first.body as Json)['id'] as number
      // the same forge, written differently
      const again = await create(valid('https://dup.example.org'), user)
      expect(again.status).toBe(409)
      expect((again.body as Json)['reason']).toBe(`Request for forge already exists (id ${id})`)
    })

    it('creates, lists and gets requests with the public or the moderator field set', async () => {
      const made = await create(valid(forgeUrl), user)
      expect(made.status).toBe(201)
      const r = made.body as Json
      expect(Object.keys(r).sort()).toEqual(MODERATOR_FIELDS)
      expect(r).toMatchObject({
        status: 'PENDING',
        forge_type: 'gitlab',
        forge_url: forgeUrl,
        forge_domain: forgeUrl.slice('http://'.length),
        submitter_name: 'alice',
        submitter_email: SUBMITTER_EMAIL,
        last_moderator: 'None',
        lister_task_id: null,
      })
      const id = r['id'] as number

      const anon = await call(server, 'GET', '/api/1/add-forge/request/list/?per_page=1')
      expect(anon.status).toBe(200)
      const rows = anon.body as Json[]
      expect(rows).toHaveLength(1)
      expect(Object.keys(rows[0]!).sort()).toEqual(PUBLIC_FIELDS)
      expect(rows[0]!['id']).toBe(id) // newest first
      expect(anon.headers.get('link')).toMatch(
        /\/add-forge\/request\/list\/\?per_page=1&page=2>; rel="next"/,
      )
      const mod = await call(server, 'GET', '/api/1/add-forge/request/list/', {
        token: moderator,
      })
      expect(Object.keys((mod.body as Json[])[0]!).sort()).toEqual(MODERATOR_FIELDS)
      expect((mod.body as Json[])[0]!['submitter_email']).toBe(SUBMITTER_EMAIL)
      // a plain user's token is no moderator's: the public fields, without the email
      const asUser = await call(server, 'GET', '/api/1/add-forge/request/list/', { token: user })
      expect(JSON.stringify(asUser.body)).not.toContain(SUBMITTER_EMAIL)
      expect(JSON.stringify(anon.body)).not.toContain(SUBMITTER_EMAIL)
      const mine = await call(
        server,
        'GET',
        '/api/1/add-forge/request/list/?user_requests_only=1',
        {
          token: moderator,
        },
      )
      expect(mine.body).toEqual([])

      const got = await call(server, 'GET', `/api/1/add-forge/request/${id}/get/`)
      expect(got.status).toBe(200)
      const g = got.body as { request: Json; history: Json[] }
      expect(Object.keys(g.request).sort()).toEqual(PUBLIC_FIELDS)
      expect(JSON.stringify(g)).not.toContain(SUBMITTER_EMAIL)
      expect(g.history).toHaveLength(1)
      expect(Object.keys(g.history[0]!).sort()).toEqual(['actor_role', 'date', 'id', 'new_status'])
      expect(g.history[0]).toMatchObject({ new_status: 'PENDING', actor_role: 'SUBMITTER' })
      const full = await call(server, 'GET', `/api/1/add-forge/request/${id}/get/`, {
        token: moderator,
      })
      expect((full.body as { history: Json[] }).history[0]).toMatchObject({
        actor: 'alice',
        text: '',
        message_source_url: null,
      })
      const none = await call(server, 'GET', '/api/1/add-forge/request/99999/get/')
      expect(none.status).toBe(400)
      expect((none.body as Json)['reason']).toBe('Request id does not exist')
    })

    it('lets only moderators update; accepting lists the forge and schedules its origins', async () => {
      const list = await call(server, 'GET', '/api/1/add-forge/request/list/', { token: moderator })
      const req = (list.body as Json[]).find((r) => r['forge_url'] === forgeUrl)!
      const id = req['id'] as number
      const path = `/api/1/add-forge/request/${id}/update/`

      const anon = await call(server, 'POST', path, { body: { new_status: 'ACCEPTED' } })
      expect(anon.status).toBe(403)
      expect((anon.body as Json)['reason']).toBe(
        'You must be authenticated to update a new add-forge request',
      )
      const notMod = await call(server, 'POST', path, {
        token: user,
        body: { new_status: 'ACCEPTED' },
      })
      expect(notMod.status).toBe(403)
      expect((notMod.body as Json)['reason']).toBe('You are not a moderator')
      const jump = await call(server, 'POST', path, {
        token: moderator,
        body: { new_status: 'FIRST_LISTING_DONE' },
      })
      expect(jump.status).toBe(400)
      expect((jump.body as Json)['reason']).toBe(
        'New request status FIRST_LISTING_DONE cannot be reached from current status PENDING',
      )
      // a comment and a status move, form-encoded as SWH's moderation page posts them
      const wait = await call(server, 'POST', path, {
        token: moderator,
        form: { text: 'Contacting the admin', new_status: 'WAITING_FOR_FEEDBACK' },
      })
      expect(wait.status).toBe(200)
      expect(wait.body).toMatchObject({ status: 'WAITING_FOR_FEEDBACK', last_moderator: 'mod' })

      const accepted = await call(server, 'POST', path, {
        token: moderator,
        body: { text: 'The admin agrees', new_status: 'ACCEPTED' },
      })
      expect(accepted.status).toBe(200)
      const a = accepted.body as Json
      expect(a['status']).toBe('SCHEDULED')
      const taskId = a['lister_task_id'] as number
      expect(typeof taskId).toBe('number')
      const [task] = await sched.queue.get([taskId])
      expect(task).toMatchObject({
        kind: LIST_FORGE_TASK,
        state: 'queued',
        priority: PRIORITY.saveRequest,
        origin: forgeUrl,
        args: { type: 'gitlab', url: forgeUrl, requestId: id },
      })
      const inst = await sched.db.all<{ status: string }>(
        'SELECT status FROM lister_instance WHERE type = ? AND url = ?',
        ['gitlab', forgeUrl],
      )
      expect(inst).toEqual([{ status: 'registered' }])

      // a worker runs it: the real handler on the claimed task
      const claimed = await sched.queue.claim('test', {
        kinds: [LIST_FORGE_TASK],
        leaseMs: 60_000,
        limit: 10,
      })
      expect(claimed.map((t) => t.id)).toEqual([taskId])
      const handler = listForgeHandler({
        db: sched.db,
        makeLister,
        http: () => new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] } }),
      })
      const result = await handler(claimed[0]!, {
        signal: new AbortController().signal,
        progress: () => undefined,
      })
      expect(result).toEqual({ pages: 2, origins: 3, added: 3 })
      await sched.queue.complete(claimed[0]!.lease, result)
      expect(forge.asked[0]).toMatch(/^\/api\/v4\/projects\?pagination=keyset.*id_after=0/)

      const after = await call(server, 'GET', `/api/1/add-forge/request/${id}/get/`, {
        token: moderator,
      })
      const h = after.body as { request: Json; history: Json[] }
      expect(h.request['status']).toBe('FIRST_LISTING_DONE')
      expect(h.history.map((e) => e['new_status'])).toEqual([
        'PENDING',
        'WAITING_FOR_FEEDBACK',
        'ACCEPTED',
        'SCHEDULED',
        'FIRST_LISTING_DONE',
      ])
      expect(h.history[4]!['text']).toBe('First listing done: 3 origin(s) in 2 page(s), 3 new')

      const listed = await sched.db.all<{ url: string; lister: string; visit_type: string }>(
        'SELECT url, lister, visit_type FROM listed_origin ORDER BY url',
      )
      expect(listed).toEqual(
        [1, 2, 3].map((n) => ({
          url: `https://gitlab.afn.example/g/p${n}.git`,
          lister: `gitlab:${forgeUrl}`,
          visit_type: 'git',
        })),
      )
      const scheduled = await sched.visits.scheduleDue(100)
      expect(scheduled.firstVisits).toBe(3)
      const loads = await sched.queue.get(scheduled.taskIds)
      expect(loads.map((t) => [t?.kind, t?.origin, t?.priority]).sort()).toEqual(
        [1, 2, 3].map((n) => [
          'load-git',
          `https://gitlab.afn.example/g/p${n}.git`,
          PRIORITY.firstVisit,
        ]),
      )
      // accepted once: a second acceptance is no move from FIRST_LISTING_DONE
      const twice = await call(server, 'POST', path, {
        token: moderator,
        body: { new_status: 'ACCEPTED' },
      })
      expect(twice.status).toBe(400)

      // the first archived origin: a worker's load of p2 ends `full` (a failed one does not count)
      const hook = forgeLoadedHook(sched.db)
      const p2 = `https://gitlab.afn.example/g/p2.git`
      const loadClaims = await sched.queue.claim('test', {
        kinds: ['load-git'],
        leaseMs: 60_000,
        limit: 10,
      })
      const failedLoad = loadClaims.find((t) => t.origin !== p2)!
      await hook(failedLoad, {
        state: 'failed',
        outcome: 'retry',
        error: 'no such host',
        result: null,
      })
      expect(await statusOf(id)).toBe('FIRST_LISTING_DONE')
      const load = loadClaims.find((t) => t.origin === p2)!
      const visit = {
        visit: 1,
        status: 'full',
        snapshot: '1'.repeat(40),
        date: new Date().toISOString(),
        eventful: true,
        message: null,
      }
      await sched.queue.complete(load.lease, visit)
      await hook(load, { state: 'done', result: visit })
      expect(await statusOf(id)).toBe('FIRST_ORIGIN_LOADED')
      for (const t of loadClaims) if (t !== load) await sched.queue.release(t.lease)
    })

    it('the /add-forge/ page lists requests and takes a request with a token', async () => {
      const page = await call(server, 'GET', '/add-forge/')
      expect(page.status).toBe(200)
      expect(String(page.body)).toContain(forgeUrl)
      expect(String(page.body)).toContain('name="submitter_email"')
      // the page lists requests for everyone: never their submitters' emails
      expect(String(page.body)).not.toContain(SUBMITTER_EMAIL)
      const noToken = await call(server, 'POST', '/add-forge/', {
        form: {
          ...(valid('https://page.example.org') as Record<string, string>),
          token: 'arca_x_y',
        },
      })
      expect(noToken.status).toBe(403)
      expect(String(noToken.body)).toContain('You must be authenticated')
      expect(String(noToken.body)).not.toContain('arca_x_y')
      const ok = await call(server, 'POST', '/add-forge/', {
        form: { ...(valid('https://page.example.org') as Record<string, string>), token: user },
      })
      expect(ok.status).toBe(303)
      const id = /request=(\d+)/.exec(ok.headers.get('location') ?? '')?.[1]
      expect(id).toBeDefined()
      const got = await call(server, 'GET', `/api/1/add-forge/request/${id}/get/`, {
        token: moderator,
      })
      expect((got.body as { request: Json }).request).toMatchObject({
        forge_url: 'https://page.example.org',
        submitter_name: 'alice',
        submitter_email: SUBMITTER_EMAIL,
        status: 'PENDING',
      })
      const after = await call(server, 'GET', '/add-forge/')
      expect(String(after.body)).toContain('https://page.example.org')
      expect(String(after.body)).not.toContain(SUBMITTER_EMAIL)
    })
  })
}
