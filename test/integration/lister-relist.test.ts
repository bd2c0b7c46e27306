/**
 * Listings kept fresh: the worker's re-listing job enqueues one `list-forge` task for a lister
 * instance whose last run is older than the interval (never a second while one is pending,
 * never for a recent one), and the real worker runs it incrementally against a local server
 * answering in GitLab's documented shapes (keyset pages, `Link: rel="next"`). The expected
 * origins are the repositories the test's server holds.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  LIST_FORGE_TASK,
  ListerHttp,
  ListerStore,
  listForgeHandler,
  makeLister,
  relistJob,
  runLister,
} from '../../src/lister/index.js'
import { Worker } from '../../src/scheduler/index.js'
import { forges } from '../conformance/lister-forges.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'

const gitlab = forges.find((f) => f.name === 'gitlab')!
const DAY = 24 * 3600 * 1000
const POLICY = { allowNetworks: ['127.0.0.1/32'] }

let server: Server
let base: string
let total = 0
/** `id_after` of every request the server answered. */
const asked: number[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const from = gitlab.cursor(url, '')
    asked.push(from)
    const ids: number[] = []
    for (let id = from + 1; id <= total && ids.length < 100; id++) ids.push(id)
    const last = ids[ids.length - 1]
    const a = gitlab.answer(
      base,
      ids.map((id) => gitlab.item(id)),
      last !== undefined && last < total ? last : null,
    )
    res.writeHead(a.status ?? 200, a.headers).end(JSON.stringify(a.body))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((r) => server.close(r))
})

const backends = await schedulerBackends()

describe.each(backends)('re-listing on $name', (backend) => {
  it('enqueues a due instance once, and the worker lists only what is new', async () => {
    const sched = await backend.setup()
    const http = new ListerHttp({ policy: POLICY })
    try {
      const store = new ListerStore(sched.db)
      total = 150
      await runLister(makeLister('gitlab', base), { http, store, visits: sched.visits })
      const listed = await store.get('gitlab', base)
      expect(listed).toMatchObject({ status: 'complete', originsFound: 150 })
      // another instance, listed a day later than this one: not due when this one is
      await store.save({ ...listed!, url: `${base}/recent`, lastRun: listed!.lastRun! + DAY })

      let clock = listed!.lastRun! + DAY / 2
      const job = relistJob({
        db: sched.db,
        queue: sched.queue,
        holder: 'test',
        everyMs: 1000,
        now: () => clock,
      })
      const pending = async () =>
        (await sched.queue.list({ kind: LIST_FORGE_TASK })).filter((t) => t.state === 'queued')
      await job.run()
      expect(await pending()).toEqual([]) // half a day: not due yet
      clock = listed!.lastRun! + DAY + 1
      await job.run()
      const tasks = await pending()
      expect(tasks.map((t) => t.args)).toEqual([{ type: 'gitlab', url: base }])
      expect(tasks[0]!.priority).toBe(0)
      clock += 1000
      await job.run()
      expect(await pending()).toHaveLength(1) // one pending task is enough
      clock += 100 // within the job's period: another process ran it
      await job.run()
      expect(await pending()).toHaveLength(1)

      // two repositories appeared since; the worker runs the task
      total = 152
      asked.length = 0
      const worker = new Worker({
        queue: sched.queue,
        name: 'relist-test',
        handlers: {
          [LIST_FORGE_TASK]: listForgeHandler({
            db: sched.db,
            makeLister,
            http: () => new ListerHttp({ policy: POLICY }),
          }),
        },
        idleMaxMs: 50,
      })
      worker.start()
      let state = 'queued'
      for (let i = 0; i < 300 && state !== 'done' && state !== 'dead'; i++) {
        await new Promise((r) => setTimeout(r, 100))
        state = (await sched.queue.get([tasks[0]!.id]))[0]!.state
      }
      await worker.stop()
      expect(state).toBe('done')
      // incremental: one request, from where the last page of the first listing started
      // (`id_after=100`, pages of 100), not from the start
      expect(asked).toEqual([100])
      const after = await store.get('gitlab', base)
      expect(after!.status).toBe('complete')
      const urls = await sched.db.all<{ url: string }>(
        "SELECT url FROM listed_origin WHERE url LIKE 'https://gitlab.example/g/p15%' ORDER BY url",
      )
      expect(urls.map((r) => r.url)).toEqual(
        [15, 150, 151, 152].map((id) => `https://gitlab.example/g/p${id}.git`),
      )
    } finally {
      http.close()
      await sched.teardown()
    }
  }, 60_000)
})
