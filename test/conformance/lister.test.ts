/**
 * One suite for every lister, run on each against a local server (node:http on 127.0.0.1)
 * answering in the forge API's documented shapes, on each scheduler backend.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  GitHubLister,
  GitLabLister,
  type Lister,
  ListerHttp,
  ListerStore,
  runLister,
} from '../../src/lister/index.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'

const TOTAL = 250 // repositories on the forge: pages of 100, 100, 50
const PAGE = 100

/** A fault the server answers a request with instead of the page. */
type Fault = 'status500' | 'retry-after' | 'malformed'

interface Forge {
  readonly name: string
  /** The cursor a request asks from (the id after which the page starts). */
  cursor(url: URL): number
  /** One repository in the API's shape. */
  item(id: number): unknown
  /** The URL a page's `Link: rel="next"` names. */
  next(base: string, last: number): string
  make(base: string): Lister
  /** The origin URL a lister lists for repository `id`. */
  origin(base: string, id: number): string
}

const forges: Forge[] = [
  {
    name: 'github',
    cursor: (u) => Number(u.searchParams.get('since') ?? 0),
    item: (id) => ({
      id,
      node_id: `R_${id}`,
      name: `r${id}`,
      full_name: `o/r${id}`,
      html_url: `https://github.example/o/r${id}`,
      fork: id % 10 === 0,
      url: `https://api.github.example/repos/o/r${id}`,
    }),
    next: (base, last) => `${base}/repositories?since=${last}`,
    make: (base) => new GitHubLister(base),
    origin: (_b, id) => `https://github.example/o/r${id}`,
  },
  {
    name: 'gitlab',
    cursor: (u) => Number(u.searchParams.get('id_after') ?? 0),
    item: (id) => ({
      id,
      path_with_namespace: `g/p${id}`,
      http_url_to_repo: `https://gitlab.example/g/p${id}.git`,
      web_url: `https://gitlab.example/g/p${id}`,
      last_activity_at: '2024-03-01T10:00:00.000Z',
      ...(id % 10 === 0
        ? { forked_from_project: { id: 1, http_url_to_repo: 'https://gitlab.example/g/p1.git' } }
        : {}),
    }),
    next: (base, last) =>
      `${base}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&id_after=${last}`,
    make: (base) => new GitLabLister(base),
    origin: (_b, id) => `https://gitlab.example/g/p${id}.git`,
  },
]

interface ForgeServer {
  base: string
  total: number
  /** Cursors asked, in order. */
  asked: number[]
  /** Faults for the next requests whose cursor is the key. */
  faults: Map<number, Fault[]>
  server: Server
}

async function serve(forge: Forge): Promise<ForgeServer> {
  const s: ForgeServer = { base: '', total: TOTAL, asked: [], faults: new Map(), server: null! }
  s.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', s.base)
    const from = forge.cursor(u)
    s.asked.push(from)
    const fault = s.faults.get(from)?.shift()
    if (fault === 'status500') return void res.writeHead(500).end('oops')
    if (fault === 'retry-after')
      return void res.writeHead(429, { 'retry-after': '2' }).end('{"message":"slow down"}')
    if (fault === 'malformed')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id": 1,')
    const ids: number[] = []
    for (let id = from + 1; id <= s.total && ids.length < PAGE; id++) ids.push(id)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const last = ids[ids.length - 1]
    if (last !== undefined && last < s.total)
      headers['link'] = `<${forge.next(s.base, last)}>; rel="next"`
    res.writeHead(200, headers).end(JSON.stringify(ids.map((id) => forge.item(id))))
  })
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r))
  s.base = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`
  return s
}

const backends = await schedulerBackends()

describe.each(forges)('lister $name', (forge) => {
  let srv: ForgeServer
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
        srv.faults.set(100, ['malformed', 'malformed', 'malformed'])
        await expect(runLister(lister, { http, store, visits: sched.visits })).rejects.toThrow(
          /malformed JSON/,
        )
        let inst = await store.get(lister.type, lister.url)
        expect(inst?.status).toBe('failed')
        expect(inst?.state).toEqual({ lastSeenId: 100 })
        expect(inst?.originsFound).toBe(100)
        expect(srv.asked).toEqual([0, 0, 100, 100, 100])

        // resumed: asks from 100 on (a 429 with Retry-After: 2 on the way), not from 0
        srv.asked = []
        waits.length = 0
        srv.faults.set(200, ['retry-after'])
        const second = await runLister(lister, { http, store, visits: sched.visits })
        expect(second).toEqual({ pages: 2, origins: 150, added: 150 })
        expect(srv.asked).toEqual([100, 200, 200])
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
        expect(Number(ten?.is_fork)).toBe(1)
        const eleven = listed.find((r) => r.url === forge.origin(srv.base, 11))
        expect(eleven?.is_fork === null || Number(eleven?.is_fork) === 0).toBe(true)

        // incremental: 20 new repositories; only the pages after the last id seen are asked
        srv.total = TOTAL + 20
        srv.asked = []
        const third = await runLister(lister, { http, store, visits: sched.visits })
        expect(srv.asked).toEqual([200])
        expect(third.added).toBe(20)
        expect((await store.get(lister.type, lister.url))?.originsFound).toBe(TOTAL + 20)
      } finally {
        await sched.teardown()
      }
    })
  })
})
