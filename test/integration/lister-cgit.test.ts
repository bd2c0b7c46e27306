/**
 * The cgit lister against the real cgit (Debian's package) run by lighttpd on loopback, over
 * bare repositories made with git: every repository listed across cgit's pages, with the clone
 * URL its summary page advertises (or one made from a configured base) and the last update
 * cgit shows (each repository's `info/web/last-modified`, written here), and a stopped listing
 * resumed from its saved page. Faults (a 5xx, a truncated page) are injected by a proxy in front
 * of the real cgit: retried, and a page truncated every time fails the run with its state kept.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { CgitLister, ListerHttp, ListerStore, runLister } from '../../src/lister/index.js'
import type { GitServer } from '../helpers/git-servers.js'
import { git } from '../helpers/repos.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'
import { requireService } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { CGIT_CGI, haveCgi, startCgit } from '../helpers/web-frontends.js'

const CLONE = 'https://git.example.org/pub'
/** Repository path under the scan path → the date its agefile says. */
const REPOS: Record<string, string> = {
  'alpha.git': '2021-01-02 03:04:05 +0000',
  'beta.git': '2022-06-30 23:59:59 +0200',
  'gamma.git': '2023-03-04 05:06:07 -0130',
  'tools/delta.git': '2024-12-31 00:00:00 +0000',
  'tools/epsilon.git': '2025-07-14 12:00:00 +0000',
}
/** The same dates in ms, worked by hand. */
const WHEN: Record<string, number> = {
  'alpha.git': Date.UTC(2021, 0, 2, 3, 4, 5),
  'beta.git': Date.UTC(2022, 5, 30, 21, 59, 59),
  'gamma.git': Date.UTC(2023, 2, 4, 6, 36, 7),
  'tools/delta.git': Date.UTC(2024, 11, 31),
  'tools/epsilon.git': Date.UTC(2025, 6, 14, 12),
}

const ok = await requireService('cgit and lighttpd', () => Promise.resolve(haveCgi(CGIT_CGI)))
const sqlite = (await schedulerBackends()).find((b) => b.name === 'sqlite')!

describe.runIf(ok)('cgit lister (real cgit)', () => {
  let dir: string
  let cgit: GitServer
  const http = new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] }, retries: 1 })

  beforeAll(async () => {
    dir = makeTemp('arca-cgit-')
    const repos = join(dir, 'repos')
    for (const [path, date] of Object.entries(REPOS)) {
      const bare = join(repos, path)
      mkdirSync(bare, { recursive: true })
      git(bare, ['init', '-q', '--bare'])
      const work = join(dir, 'work', path)
      mkdirSync(work, { recursive: true })
      git(work, ['init', '-q', '-b', 'master'])
      writeFileSync(join(work, 'README'), `${path}\n`)
      git(work, ['add', 'README'])
      git(work, ['commit', '-q', '-m', `first commit of ${path}`])
      git(work, ['push', '-q', bare, 'master'])
      mkdirSync(join(bare, 'info', 'web'), { recursive: true })
      writeFileSync(join(bare, 'info', 'web', 'last-modified'), `${date}\n`)
    }
    cgit = await startCgit(dir, repos, { perPage: 2, cloneBase: CLONE })
  })
  afterAll(async () => {
    http.close()
    await cgit?.stop()
    if (dir) removeTemp(dir)
  })

  it('lists every repository across the pages, with clone URLs and last updates', async () => {
    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      const lister = new CgitLister(cgit.url)
      const r = await runLister(lister, { http, store, visits: sched.visits })
      expect(r).toEqual({ pages: 3, origins: 5, added: 5 })
      const rows = await sched.db.all<{ url: string; t: string; u: number; l: string }>(
        `SELECT url, visit_type AS t, last_update AS u, lister AS l FROM listed_origin
         ORDER BY url`,
      )
      expect(rows.map((x) => [x.url, x.t, Number(x.u)])).toEqual(
        Object.keys(REPOS)
          .sort()
          .map((p) => [`${CLONE}/${p}`, 'git', WHEN[p]]),
      )
      expect(new Set(rows.map((x) => x.l))).toEqual(new Set([`cgit:${cgit.url}`]))
      const inst = await store.get('cgit', cgit.url)
      expect(inst?.status).toBe('complete')
      expect(inst?.originsFound).toBe(5)

      // cgit has no "changed since": a later run lists everything again, adding nothing
      const again = await runLister(lister, { http, store, visits: sched.visits })
      expect(again).toEqual({ pages: 3, origins: 5, added: 0 })
    } finally {
      await sched.teardown()
    }
  })

  it('resumes a stopped listing from its saved page', async () => {
    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      const lister = new CgitLister(cgit.url)
      const first = await lister.page(lister.initialState(), http)
      expect(first.origins.map((o) => o.url)).toEqual([`${CLONE}/alpha.git`, `${CLONE}/beta.git`])
      expect(first.next).toEqual({ page: `${cgit.url}?ofs=2` })
      // a run killed after its first page left this state behind
      await store.save({
        type: 'cgit',
        url: lister.url,
        state: first.next!,
        completeState: null,
        status: 'running',
        lastRun: 0,
        lastError: null,
        originsFound: 2,
      })
      const r = await runLister(lister, { http, store, visits: sched.visits })
      expect(r).toEqual({ pages: 2, origins: 3, added: 3 })
      const urls = await sched.db.all<{ url: string }>(`SELECT url FROM listed_origin ORDER BY url`)
      expect(urls.map((u) => u.url)).toEqual([
        `${CLONE}/gamma.git`,
        `${CLONE}/tools/delta.git`,
        `${CLONE}/tools/epsilon.git`,
      ])
      expect((await store.get('cgit', lister.url))?.originsFound).toBe(5)
    } finally {
      await sched.teardown()
    }
  })

  it('makes clone URLs from a configured base without reading summary pages', async () => {
    const lister = new CgitLister(cgit.url, { baseGitUrl: 'git://mirror.example.org/git/' })
    const p = await lister.page(lister.initialState(), http)
    expect(p.origins.map((o) => o.url)).toEqual([
      'git://mirror.example.org/git/alpha.git',
      'git://mirror.example.org/git/beta.git',
    ])
  })

  it('retries a 5xx and a truncated page; a page truncated every time fails the run', async () => {
    // a proxy in front of the real cgit: faults for the next requests of a path
    const faults = new Map<string, ('500' | 'truncate')[]>()
    const asked: string[] = []
    const proxy: Server = createServer((req, res) => {
      const path = req.url ?? '/'
      asked.push(path)
      const fault = faults.get(path)?.shift()
      if (fault === '500') return void res.writeHead(502).end('bad gateway')
      void fetch(new URL(path, cgit.url)).then(async (r) => {
        const body = await r.text()
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/html' })
        res.end(fault === 'truncate' ? body.slice(0, Math.floor(body.length / 2)) : body)
      })
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/cgit/`
    const sleeps: number[] = []
    const retrying = new ListerHttp({
      policy: { allowNetworks: ['127.0.0.1/32'] },
      retries: 2,
      sleep: (ms) => {
        sleeps.push(ms)
        return Promise.resolve()
      },
    })
    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      const lister = new CgitLister(base, { baseGitUrl: CLONE })
      faults.set('/cgit/', ['500', 'truncate'])
      faults.set('/cgit/?ofs=2', ['truncate', 'truncate', 'truncate'])
      await expect(
        runLister(lister, { http: retrying, store, visits: sched.visits }),
      ).rejects.toThrow(/truncated/)
      expect(asked).toEqual([
        '/cgit/',
        '/cgit/',
        '/cgit/',
        '/cgit/?ofs=2',
        '/cgit/?ofs=2',
        '/cgit/?ofs=2',
      ])
      expect(sleeps).toHaveLength(4) // one backoff per retry, none after the last attempt
      const inst = await store.get('cgit', lister.url)
      expect(inst?.status).toBe('failed')
      expect(inst?.state).toEqual({ page: `${base}?ofs=2` })
      expect(inst?.originsFound).toBe(2)
      // the next run resumes at the failed page and completes
      asked.length = 0
      const r = await runLister(lister, { http: retrying, store, visits: sched.visits })
      expect(r).toEqual({ pages: 2, origins: 3, added: 3 })
      expect(asked).toEqual(['/cgit/?ofs=2', '/cgit/?ofs=4'])
    } finally {
      retrying.close()
      await sched.teardown()
      await new Promise((r) => proxy.close(r))
    }
  })

  it('fails, naming the page, on a page that is not a cgit index', async () => {
    const lister = new CgitLister(cgit.url.replace(/\/cgit\/$/, '/cgit/alpha.git/'))
    await expect(lister.page(lister.initialState(), http)).rejects.toThrow(
      /not a cgit repository index/,
    )
  })
})
