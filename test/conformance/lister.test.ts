/**
 * One suite for every lister, run on each against a local server (node:http on 127.0.0.1)
 * answering in the forge API's documented shapes (test/conformance/lister-forges.ts), errors
 * included, on each scheduler backend; and the same properties (paging, resume, listing after a
 * complete run, errors) for the web front-ends against the real cgit, gitweb and hgweb started
 * on loopback, faults injected by a proxy in front of them (test/conformance/lister-frontends.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ListerHttp, ListerStore, runLister } from '../../src/lister/index.js'
import type { GitServer } from '../helpers/git-servers.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'
import { requireService } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { type Forge, forges } from './lister-forges.js'
import { type FaultProxy, frontends, startProxy, type WebFault } from './lister-frontends.js'

const TOTAL = 250 // repositories on the forge: pages of 100, 100, 50 (or of 50)

/** A fault the server answers a request with instead of the page. */
type Fault =
  | 'status500'
  | 'retry-after'
  | 'malformed'
  | 'unauthorized'
  | 'notfound'
  | 'truncated'
  | 'rate-limited'

interface ForgeServer {
  base: string
  total: number
  /** Offsets asked, in order. */
  asked: number[]
  /** Faults for the next requests whose offset is the key. */
  faults: Map<number, Fault[]>
  server: Server
}

const json = (res: ServerResponse, status: number, body: unknown, h: Record<string, string> = {}) =>
  void res.writeHead(status, { 'content-type': 'application/json', ...h }).end(JSON.stringify(body))

async function serve(forge: Forge): Promise<ForgeServer> {
  const page = forge.pageSize ?? 100
  const s: ForgeServer = { base: '', total: TOTAL, asked: [], faults: new Map(), server: null! }
  s.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', s.base)
      const from = forge.cursor(u, Buffer.concat(chunks).toString('utf8') || '{}')
      s.asked.push(from)
      const fault = s.faults.get(from)?.shift()
      if (fault === 'status500') return json(res, 500, forge.error(500))
      if (fault === 'unauthorized') return json(res, 401, forge.error(401))
      if (fault === 'notfound') return json(res, 404, forge.error(404))
      if (fault === 'retry-after')
        return json(res, 429, { message: 'slow down' }, { 'retry-after': '2' })
      if (fault === 'rate-limited') {
        const a = forge.rateLimited()
        return json(res, a.status ?? 429, a.body, a.headers)
      }
      if (fault === 'malformed')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id": 1,')
      const ids: number[] = []
      for (let id = from + 1; id <= s.total && ids.length < page; id++) ids.push(id)
      const last = ids[ids.length - 1]
      const a = forge.answer(
        s.base,
        ids.map((id) => forge.item(id)),
        last !== undefined && last < s.total ? last : null,
      )
      const text = JSON.stringify(a.body)
      if (fault === 'truncated') {
        // the connection drops in the middle of the page
        res.writeHead(200, { ...a.headers, 'content-length': String(Buffer.byteLength(text)) })
        res.write(text.slice(0, text.length >> 1))
        return void setImmediate(() => res.destroy())
      }
      res.writeHead(a.status ?? 200, a.headers).end(text)
    })
  })
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r))
  s.base = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`
  return s
}

/** The offsets of the pages from `start` to the end of `total` repositories. */
const offsets = (start: number, total: number, page: number): number[] => {
  const r: number[] = []
  for (let o = start; o === start || o < total; o += page) r.push(o)
  return r
}

const backends = await schedulerBackends()

describe.each(forges)('lister $name', (forge) => {
  let srv: ForgeServer
  const P = forge.pageSize ?? 100
  const waits: number[] = []
  const http = new ListerHttp({
    policy: { allowNetworks: ['127.0.0.1/32'] },
    retries: 2,
    sleep: (ms) => {
      waits.push(ms)
      return Promise.resolve()
    },
  })
  beforeAll(async () => {
    srv = await serve(forge)
  })
  afterAll(async () => {
    http.close()
    await new Promise((r) => srv.server.close(r))
  })

  describe.each(backends)('on $name', (backend) => {
    it('lists every page, resumes after a failure, re-lists incrementally, retries', async () => {
      const sched = await backend.setup()
      try {
        const store = new ListerStore(sched.db)
        const lister = forge.make(srv.base)
        srv.total = TOTAL
        srv.asked = []
        waits.length = 0
        // a 5xx on the first page is retried; the second page is malformed every time: failure
        srv.faults.set(0, ['status500'])
        srv.faults.set(P, ['malformed', 'malformed', 'malformed'])
        await expect(runLister(lister, { http, store, visits: sched.visits })).rejects.toThrow(
          /malformed JSON/,
        )
        let inst = await store.get(lister.type, lister.url)
        expect(inst?.status).toBe('failed')
        expect(inst?.state).toEqual(forge.state(P))
        expect(inst?.originsFound).toBe(P)
        expect(srv.asked).toEqual([0, 0, P, P, P])

        // resumed: asks from P on (a 429 with Retry-After: 2 on the way), not from 0
        srv.asked = []
        waits.length = 0
        srv.faults.set(2 * P, ['retry-after'])
        const second = await runLister(lister, { http, store, visits: sched.visits })
        const rest = offsets(P, TOTAL, P)
        expect(second).toEqual({ pages: rest.length, origins: TOTAL - P, added: TOTAL - P })
        expect(srv.asked).toEqual([P, 2 * P, ...rest.slice(1)])
        expect(waits).toContain(2000)
        inst = await store.get(lister.type, lister.url)
        expect(inst?.status).toBe('complete')
        expect(inst?.originsFound).toBe(TOTAL)

        const listed = await sched.db.all<{
          url: string
          is_fork: number | null
          f: string | null
        }>(`SELECT url, is_fork, forked_from_url AS f FROM listed_origin ORDER BY url`)
        expect(listed).toHaveLength(TOTAL)
        const ten = listed.find((r) => r.url === forge.origin(srv.base, 10))
        const eleven = listed.find((r) => r.url === forge.origin(srv.base, 11))
        expect(ten).toBeDefined()
        expect(eleven).toBeDefined()
        if (forge.forkedFrom === null) expect(ten?.is_fork).toBeNull()
        else expect(Number(ten?.is_fork)).toBe(1)
        if (typeof forge.forkedFrom === 'string') expect(ten?.f).toBe(forge.forkedFrom)
        expect(eleven?.is_fork === null || Number(eleven?.is_fork) === 0).toBe(true)

        // incremental: 20 new repositories; only the pages from the last one are asked
        // (from the start where the forge's paging does not allow that)
        srv.total = TOTAL + 20
        srv.asked = []
        const lastPage = rest[rest.length - 1]!
        const third = await runLister(lister, { http, store, visits: sched.visits })
        expect(srv.asked).toEqual(offsets(forge.relistFrom(lastPage), TOTAL + 20, P))
        expect(third.added).toBe(20)
        expect((await store.get(lister.type, lister.url))?.originsFound).toBe(TOTAL + 20)
      } finally {
        await sched.teardown()
      }
    })

    it("fails at once on 401 and 404 with the forge's message, retries 5xx, cuts, rate limits", async () => {
      const sched = await backend.setup()
      try {
        const store = new ListerStore(sched.db)
        const lister = forge.make(srv.base)
        const run = () => runLister(lister, { http, store, visits: sched.visits })
        srv.total = TOTAL
        const failsWith = async (faults: Fault[], re: RegExp, asked: number[]) => {
          srv.asked = []
          srv.faults.set(0, faults)
          await expect(run()).rejects.toThrow(re)
          expect(srv.asked).toEqual(asked)
          const inst = await store.get(lister.type, lister.url)
          expect(inst?.status).toBe('failed')
          expect(inst?.lastError).toMatch(re)
          expect(inst?.originsFound).toBe(0)
        }
        const said = (status: number): string => JSON.stringify(forge.error(status))
        // not retried, the forge's own words in the error
        await failsWith(['unauthorized'], /HTTP 401: /, [0])
        expect(said(401)).toContain(/HTTP 401: (.*)/.exec((await store.list())[0]!.lastError!)![1])
        await failsWith(['notfound'], /HTTP 404/, [0])
        // 5xx every time: retried (2 retries), then the run fails, never "complete"
        await failsWith(['status500', 'status500', 'status500'], /HTTP 500/, [0, 0, 0])

        // a page cut in the middle is retried; a rate limit is waited for as the forge says
        srv.asked = []
        waits.length = 0
        srv.faults.set(0, ['truncated', 'rate-limited'])
        const r = await run()
        expect(r.origins).toBe(TOTAL)
        expect(srv.asked.slice(0, 3)).toEqual([0, 0, 0])
        const limited = forge.rateLimited()
        const retryAfter = limited.headers?.['retry-after']
        if (retryAfter !== undefined) expect(waits).toContain(Number(retryAfter) * 1000)
        else expect(waits.some((w) => w > 0 && w <= 3000)).toBe(true)
        expect((await store.get(lister.type, lister.url))?.status).toBe('complete')
      } finally {
        await sched.teardown()
      }
    })
  })
})

const web = await requireService('cgit, gitweb and lighttpd', () =>
  Promise.resolve(frontends.every((f) => f.programs())),
)

describe.runIf(web).each(frontends)('lister $name (the real server)', (fe) => {
  let dir: string
  let srv: GitServer
  let proxy: FaultProxy
  let index: string
  const http = new ListerHttp({
    policy: { allowNetworks: ['127.0.0.1/32'] },
    retries: 2,
    sleep: () => Promise.resolve(),
  })
  const total = fe.perPage.reduce((a, b) => a + b, 0)
  beforeAll(async () => {
    dir = makeTemp('arca-lister-web-')
    srv = await fe.start(dir)
    const u = new URL(srv.url)
    proxy = await startProxy(u.origin, fe.malformed)
    index = `${proxy.origin}${u.pathname}`
  })
  afterAll(async () => {
    http.close()
    await proxy?.close()
    await srv?.stop()
    if (dir) removeTemp(dir)
  })
  const times = (path: string): number => proxy.asked.filter((p) => p === path).length
  const reset = (faults: [string, WebFault[]][] = []) => {
    proxy.asked.length = 0
    proxy.faults.clear()
    for (const [path, f] of faults) proxy.faults.set(path, f)
  }

  describe.each(backends)('on $name', (backend) => {
    it('lists every page, resumes after a failure, lists again after a complete run', async () => {
      const sched = await backend.setup()
      try {
        const store = new ListerStore(sched.db)
        // a new lister each run, as a new process would make
        const run = () => runLister(fe.make(index), { http, store, visits: sched.visits })
        const { type, url } = fe.make(index)
        // a 5xx on the first page is retried; the second page is malformed (every time)
        reset([
          [fe.pages[0]!, ['5xx']],
          [fe.pages[1]!, ['malformed', 'malformed', 'malformed']],
        ])
        await expect(run()).rejects.toThrow(fe.malformed.error)
        let inst = await store.get(type, url)
        expect(inst?.status).toBe('failed')
        expect(inst?.lastError).toMatch(fe.malformed.error)
        expect(inst?.state).toEqual(fe.state(index, 1))
        expect(inst?.originsFound).toBe(fe.perPage[0])
        expect(times(fe.pages[0]!)).toBe(2)
        expect(times(fe.pages[1]!)).toBe(fe.malformedRetried ? 3 : 1)

        // resumed at the second page (cut short once on the way: retried); nothing of the
        // first page asked again
        reset([[fe.pages[1]!, ['truncated']]])
        const second = await run()
        const rest = total - fe.perPage[0]!
        expect(second).toEqual({ pages: fe.pages.length - 1, origins: rest, added: rest })
        for (const p of fe.firstOnly) expect(proxy.asked).not.toContain(p)
        expect(times(fe.pages[1]!)).toBe(2)
        for (const p of fe.pages.slice(2)) expect(times(p)).toBe(1)
        inst = await store.get(type, url)
        expect(inst?.status).toBe('complete')
        expect(inst?.originsFound).toBe(total)
        const listed = async () =>
          (
            await sched.db.all<{ url: string; t: string; u: number }>(
              `SELECT url, visit_type AS t, last_update AS u FROM listed_origin ORDER BY url`,
            )
          ).map((r): [string, number] => [r.url, Number(r.u)])
        expect(await listed()).toEqual(fe.expected(index))

        // these front-ends cannot say what changed: a later run lists from the first page
        // again, and adds only the repository that is new
        const added = fe.addRepo(dir, index)
        try {
          reset()
          const third = await run()
          expect(proxy.asked[0]).toBe(fe.pages[0])
          expect(third).toEqual({ pages: fe.pagesAfterAdd, origins: total + 1, added: 1 })
          expect(await listed()).toEqual([...fe.expected(index), added].sort())
          expect((await store.get(type, url))?.originsFound).toBe(total + 1)
        } finally {
          fe.removeRepo(dir)
        }
      } finally {
        await sched.teardown()
      }
    })

    it('reports a 5xx, a page cut short every time and a 404; never a complete listing', async () => {
      const sched = await backend.setup()
      try {
        const store = new ListerStore(sched.db)
        const lister = fe.make(index)
        const failsWith = async (faults: WebFault[], re: RegExp, asked: number) => {
          reset([[fe.pages[0]!, faults]])
          await expect(
            runLister(fe.make(index), { http, store, visits: sched.visits }),
          ).rejects.toThrow(re)
          expect(times(fe.pages[0]!)).toBe(asked)
          const inst = await store.get(lister.type, lister.url)
          expect(inst?.status).toBe('failed')
          expect(inst?.lastError).toMatch(re)
          expect(inst?.state).toEqual(lister.initialState())
          expect(inst?.originsFound).toBe(0)
        }
        await failsWith(['5xx', '5xx', '5xx'], /HTTP 503/, 3) // retried twice, then reported
        await failsWith(['truncated', 'truncated', 'truncated'], fe.truncated, 3)
        await failsWith(['notfound'], /HTTP 404/, 1) // not retried
        expect(await sched.db.all(`SELECT url FROM listed_origin`)).toEqual([])
      } finally {
        await sched.teardown()
      }
    })
  })
})
