/**
 * The Save Code Now conformance suite: the request store, and the service's decisions,
 * duplicates, moderation and statuses as its load task moves through the real queue (claimed,
 * completed, failed with the queue's own calls). One suite, run on SQLite and on PostgreSQL.
 * Expected values are Software Heritage's rules (swh-web `save_code_now/origin_save.py`) and
 * vocabulary, written out here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { isArcaError } from '../../../src/errors.js'
import {
  SaveCodeNow,
  SaveRequestStore,
  SqlTaskQueue,
  type TaskQueue,
} from '../../../src/scheduler/index.js'
import type { SqlDatabase } from '../../../src/storage/index.js'

/** A fresh database for one test. */
export interface SaveDatabase {
  readonly db: SqlDatabase
  teardown(): Promise<void>
}

/** How a backend's spec gives the suite a database. */
export interface SaveSuiteContext {
  setup(): Promise<SaveDatabase>
}

async function rejects(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e, 'expected an error').not.toBeNull()
  expect(isArcaError(e, code as 'invalid_input'), String(e)).toBe(true)
  expect((e as Error).message).toMatch(text)
}

const URL_A = 'https://github.com/example/a'
const LEASE = { leaseMs: 60_000 }

/** Runs the suite on one backend. */
export function saveConformanceTests(name: string, ctx: SaveSuiteContext): void {
  describe(`Save Code Now on ${name}`, () => {
    let env: SaveDatabase
    let store: SaveRequestStore
    let queue: TaskQueue
    let refused: Map<string, string>
    let scn: SaveCodeNow

    beforeEach(async () => {
      env = await ctx.setup()
      store = new SaveRequestStore(env.db)
      await store.open()
      const q = new SqlTaskQueue(env.db, { ownsDatabase: false })
      await q.open()
      queue = q
      refused = new Map()
      scn = new SaveCodeNow({
        store,
        queue,
        visitTypes: ['hg', 'git', 'svn'],
        checkUrl: (url) => Promise.resolve(refused.get(url) ?? null),
      })
    })
    afterEach(async () => {
      await env.teardown()
    })

    describe('store', () => {
      it('adds, reads back, lists newest first, pages and filters by status', async () => {
        const a = await store.add({ visitType: 'git', originUrl: URL_A, status: 'pending' })
        const b = await store.add({
          visitType: 'git',
          originUrl: URL_A,
          status: 'rejected',
          note: 'no',
          requester: 'token:abc',
        })
        const c = await store.add({ visitType: 'hg', originUrl: URL_A, status: 'pending' })
        expect(a.id).toBeLessThan(b.id)
        expect(await store.get(b.id)).toEqual({
          id: b.id,
          visitType: 'git',
          originUrl: URL_A,
          requestDate: b.requestDate,
          status: 'rejected',
          note: 'no',
          taskId: null,
          visitDate: null,
          visitStatus: null,
          snapshot: null,
          requesters: ['token:abc'],
          webhookOrigin: '',
        })
        expect(await store.get(9999)).toBeNull()
        expect((await store.byOrigin('git', URL_A)).map((r) => r.id)).toEqual([b.id, a.id])
        expect((await store.list()).map((r) => r.id)).toEqual([c.id, b.id, a.id])
        expect((await store.list({ status: 'pending' })).map((r) => r.id)).toEqual([c.id, a.id])
        expect((await store.list({ beforeId: c.id, limit: 1 })).map((r) => r.id)).toEqual([b.id])
      })

      it('updates conditionally on the status, and keeps each requester once', async () => {
        const a = await store.add({ visitType: 'git', originUrl: URL_A, status: 'pending' })
        expect(await store.update(a.id, { status: 'accepted', taskId: 7 }, 'rejected')).toBe(false)
        expect(await store.update(a.id, { status: 'accepted', taskId: 7 }, 'pending')).toBe(true)
        expect(await store.update(a.id, { status: 'rejected' }, 'pending')).toBe(false)
        await store.addRequester(a.id, 'anonymous')
        await store.addRequester(a.id, 'token:x')
        await store.addRequester(a.id, 'anonymous')
        const got = (await store.get(a.id))!
        expect([got.status, got.taskId, got.requesters]).toEqual([
          'accepted',
          7,
          ['anonymous', 'token:x'],
        ])
      })

      it('keeps prefix lists apart, each prefix once', async () => {
        expect(await store.addPrefix('authorized', 'https://github.com/')).toBe(true)
        expect(await store.addPrefix('authorized', 'https://github.com/')).toBe(false)
        expect(await store.addPrefix('unauthorized', 'https://evil.example/')).toBe(true)
        expect(await store.addPrefix('authorized', 'https://gitlab.com/')).toBe(true)
        expect(await store.prefixes('authorized')).toEqual([
          'https://github.com/',
          'https://gitlab.com/',
        ])
        expect(await store.removePrefix('authorized', 'https://github.com/')).toBe(true)
        expect(await store.removePrefix('authorized', 'https://github.com/')).toBe(false)
        expect(await store.prefixes('authorized')).toEqual(['https://gitlab.com/'])
        expect(await store.prefixes('unauthorized')).toEqual(['https://evil.example/'])
        await rejects(
          store.prefixes('other' as 'authorized'),
          'invalid_input',
          /Unknown URL prefix list "other"/,
        )
      })
    })

    describe('decisions', () => {
      it('without a prefix, a request waits for moderation (no task)', async () => {
        const i = await scn.submit({ visitType: 'git', originUrl: URL_A })
        expect([i.request.status, i.taskStatus, i.request.taskId]).toEqual([
          'pending',
          'not created',
          null,
        ])
        expect(await queue.list()).toEqual([])
      })

      it('under an authorized prefix, it is accepted and its load task enqueued', async () => {
        await store.addPrefix('authorized', 'https://github.com/')
        const i = await scn.submit({ visitType: 'git', originUrl: URL_A, requester: 'token:t1' })
        expect([i.request.status, i.taskStatus]).toEqual(['accepted', 'scheduled'])
        const [task] = await queue.get([i.request.taskId!])
        expect(task).toMatchObject({
          kind: 'load-git',
          origin: URL_A,
          args: { url: URL_A },
          priority: 100,
          state: 'queued',
        })
        expect(i.request.requesters).toEqual(['token:t1'])
      })

      it('under an unauthorized prefix, it is recorded rejected and refused (403)', async () => {
        await store.addPrefix('authorized', 'https://github.com/')
        await store.addPrefix('unauthorized', 'https://github.com/example/')
        await rejects(
          scn.submit({ visitType: 'git', originUrl: URL_A }),
          'forbidden',
          /has been rejected because the provided origin url is not allowed to be archived/,
        )
        const [r] = await store.byOrigin('git', URL_A)
        expect(r?.status).toBe('rejected')
        expect(r?.note).not.toBe('')
        expect(await queue.list()).toEqual([])
      })

      it('a URL the safety check refuses is rejected with its reason as the note', async () => {
        const url = 'http://10.0.0.1/repo.git'
        refused.set(url, 'the address 10.0.0.1 is private')
        await store.addPrefix('authorized', 'http://')
        await rejects(
          scn.submit({ visitType: 'git', originUrl: url }),
          'forbidden',
          /10\.0\.0\.1 is private/,
        )
        const [r] = await store.byOrigin('git', url)
        expect([r?.status, r?.note]).toEqual(['rejected', 'the address 10.0.0.1 is private'])
      })

      it('an unknown visit type is a 400 naming the loadable ones', async () => {
        await rejects(
          scn.submit({ visitType: 'tarball', originUrl: URL_A }),
          'invalid_input',
          /^Visit of type tarball cannot be saved! Allowed types are the following: git, hg, svn$/,
        )
      })

      it('URLs: SWH schemes and hosts pass; others, and passwords, are a 400', async () => {
        for (const good of [
          'https://github.com/a/b',
          'http://localhost:8080/x',
          'git://127.0.0.1/r.git',
          'svn://svn.example.org/repo',
          'pserver://anonymous@cvs.example.org/cvsroot/mod',
          'https://anonymous:anonymous@hg.example.org/r',
          'https://[::1]:8000/r',
        ])
          await scn.submit({ visitType: 'git', originUrl: good })
        for (const bad of [
          'file:///etc/passwd',
          'https://nohost/x',
          'github.com/a/b',
          'https://github.com/a b',
          'https://exa_mple.com/x',
          'javascript:alert(1)',
        ])
          await rejects(
            scn.submit({ visitType: 'git', originUrl: bad }),
            'invalid_input',
            /is not valid!$/,
          )
        await rejects(
          scn.submit({ visitType: 'git', originUrl: 'https://me:s3cret@github.com/a/b' }),
          'invalid_input',
          /contains a password/,
        )
        expect(JSON.stringify(await store.list())).not.toContain('s3cret')
      })
    })

    describe('duplicates', () => {
      it('a pending request is joined, not repeated', async () => {
        const a = await scn.submit({ visitType: 'git', originUrl: URL_A, requester: 'token:1' })
        const b = await scn.submit({ visitType: 'git', originUrl: URL_A, requester: 'token:2' })
        expect(b.request.id).toBe(a.request.id)
        expect(b.request.requesters).toEqual(['token:1', 'token:2'])
        // another visit type is another request
        const c = await scn.submit({ visitType: 'hg', originUrl: URL_A })
        expect(c.request.id).not.toBe(a.request.id)
      })

      it('an accepted request whose task has not run is reused; a running one is not', async () => {
        await store.addPrefix('authorized', 'https://github.com/')
        const a = await scn.submit({ visitType: 'git', originUrl: URL_A })
        const b = await scn.submit({ visitType: 'git', originUrl: URL_A })
        expect([b.request.id, b.request.taskId]).toEqual([a.request.id, a.request.taskId])
        expect(await queue.list()).toHaveLength(1)
        const [claimed] = await queue.claim('w', LEASE)
        expect(claimed?.id).toBe(a.request.taskId)
        const c = await scn.submit({ visitType: 'git', originUrl: URL_A })
        expect(c.request.id).toBeGreaterThan(a.request.id)
        expect(c.request.taskId).not.toBe(a.request.taskId)
        expect(c.taskStatus).toBe('scheduled')
        expect((await scn.get(a.request.id)).taskStatus).toBe('running')
      })

      it('concurrent requests for one origin make one request and one task', async () => {
        await store.addPrefix('authorized', 'https://github.com/')
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            scn.submit({ visitType: 'git', originUrl: URL_A, requester: `token:${i}` }),
          ),
        )
        expect(new Set(answers.map((a) => a.request.id)).size).toBe(1)
        expect(await queue.list()).toHaveLength(1)
        expect((await store.get(answers[0]!.request.id))!.requesters).toHaveLength(8)
      })

      it('a pending request is accepted by a request made once its prefix is authorized', async () => {
        const a = await scn.submit({ visitType: 'git', originUrl: URL_A })
        await store.addPrefix('authorized', 'https://github.com/')
        const b = await scn.submit({ visitType: 'git', originUrl: URL_A })
        expect(b.request.id).toBe(a.request.id)
        expect([b.request.status, b.taskStatus]).toEqual(['accepted', 'scheduled'])
      })
    })

    describe('statuses as the task moves', () => {
      beforeEach(async () => {
        await store.addPrefix('authorized', 'https://github.com/')
      })

      it('scheduled → running → succeeded, the visit copied back and kept after a purge', async () => {
        const { request } = await scn.submit({ visitType: 'git', originUrl: URL_A })
        expect((await scn.get(request.id)).taskStatus).toBe('scheduled')
        const [t] = await queue.claim('w', LEASE)
        const running = await scn.get(request.id)
        expect([running.taskStatus, running.visitStatus, running.visitDate]).toEqual([
          'running',
          null,
          null,
        ])
        const snapshot = '1a8893e6a86f444e8be8e7bda6cb34fb1735a00e'
        await queue.complete(t!.lease, {
          visit: 1,
          status: 'full',
          snapshot,
          date: '2026-01-02T03:04:05.678Z',
          eventful: true,
          message: 'ok',
        })
        const done = await scn.get(request.id)
        expect([done.taskStatus, done.visitStatus, done.visitDate, done.snapshot]).toEqual([
          'succeeded',
          'full',
          '2026-01-02T03:04:05.678Z',
          snapshot,
        ])
        await queue.purgeDone(Date.now() + 1000)
        expect(await queue.get([request.taskId!])).toEqual([null])
        const later = await scn.get(request.id)
        expect([later.taskStatus, later.visitStatus, later.snapshot]).toEqual([
          'succeeded',
          'full',
          snapshot,
        ])
      })

      it('a load that finds nothing is a failed save', async () => {
        const { request } = await scn.submit({ visitType: 'git', originUrl: URL_A })
        const [t] = await queue.claim('w', LEASE)
        await queue.complete(t!.lease, { visit: 1, status: 'not_found', snapshot: null })
        const i = await scn.get(request.id)
        expect([i.taskStatus, i.visitStatus]).toEqual(['failed', 'not_found'])
      })

      it('a failed attempt is scheduled again; a dead task is failed with its error', async () => {
        const { request } = await scn.submit({ visitType: 'git', originUrl: URL_A })
        const [t1] = await queue.claim('w', LEASE)
        expect(await queue.fail(t1!.lease, 'remote hung up')).toBe('retry')
        const retrying = await scn.get(request.id)
        expect([retrying.taskStatus, retrying.lastError]).toEqual(['scheduled', 'remote hung up'])
        // the retry is due after its backoff: claim it from a queue whose clock is past that
        const later = new SqlTaskQueue(env.db, {
          ownsDatabase: false,
          clock: () => Date.now() + 24 * 3600_000,
        })
        const [t2] = await later.claim('w', LEASE)
        expect(t2?.id).toBe(request.taskId)
        expect(await later.fail(t2!.lease, 'repository not found', { retry: false })).toBe('dead')
        const dead = await scn.get(request.id)
        expect([dead.taskStatus, dead.visitStatus, dead.lastError]).toEqual([
          'failed',
          'failed',
          'repository not found',
        ])
        // a new request after a failure gets a new task
        const again = await scn.submit({ visitType: 'git', originUrl: URL_A })
        expect(again.request.id).not.toBe(request.id)
        expect(again.taskStatus).toBe('scheduled')
      })
    })

    describe('moderation', () => {
      it('accepting a pending request authorizes its URL and enqueues its task', async () => {
        const { request } = await scn.submit({ visitType: 'hg', originUrl: URL_A })
        const i = await scn.accept(request.id, 'looks fine')
        expect([i.request.status, i.taskStatus, i.request.note]).toEqual([
          'accepted',
          'scheduled',
          'looks fine',
        ])
        expect((await queue.get([i.request.taskId!]))[0]?.kind).toBe('load-hg')
        expect(await store.prefixes('authorized')).toEqual([URL_A])
        await rejects(scn.accept(request.id), 'invalid_input', /is accepted, not pending/)
        await rejects(scn.reject(request.id, 'x'), 'invalid_input', /is accepted, not pending/)
        await rejects(scn.accept(4242), 'not_found', /No save request found for id 4242\./)
      })

      it('rejecting keeps the reason; accepting a refused URL rejects it', async () => {
        const a = await scn.submit({ visitType: 'git', originUrl: URL_A })
        const r = await scn.reject(a.request.id, 'not source code')
        expect([r.request.status, r.request.note, r.taskStatus]).toEqual([
          'rejected',
          'not source code',
          'not created',
        ])
        const url = 'https://internal.example.org/r'
        const b = await scn.submit({ visitType: 'git', originUrl: url })
        refused.set(url, 'resolves to a private address')
        const c = await scn.accept(b.request.id)
        expect([c.request.status, c.request.note]).toEqual([
          'rejected',
          'resolves to a private address',
        ])
        expect(await queue.list()).toEqual([])
      })

      it('a new prefix decides the pending requests it covers', async () => {
        const a = await scn.submit({ visitType: 'git', originUrl: 'https://github.com/x/1' })
        const b = await scn.submit({ visitType: 'git', originUrl: 'https://gitlab.com/y/2' })
        const c = await scn.submit({ visitType: 'git', originUrl: 'https://github.com/x/3' })
        expect(await scn.addPrefix('authorized', 'https://github.com/')).toEqual([
          a.request.id,
          c.request.id,
        ])
        expect(await scn.addPrefix('unauthorized', 'https://gitlab.com/')).toEqual([b.request.id])
        const statuses = (await scn.list()).map((i) => [i.request.id, i.request.status])
        expect(statuses).toEqual([
          [c.request.id, 'accepted'],
          [b.request.id, 'rejected'],
          [a.request.id, 'accepted'],
        ])
        expect(await queue.list()).toHaveLength(2)
      })
    })
  })
}
