/**
 * The package-registry listers (npm, PyPI, crates.io, Debian) in the conformance suite's
 * terms: paging, resume, incremental, errors. npm against a real Verdaccio (published to with
 * the real `npm publish`) and against a server answering CouchDB's `_changes` shape; PyPI and
 * crates.io against local servers answering their documented shapes (PEP 691's JSON simple
 * API, crates.io's `/api/v1/crates` with `meta.next_page`); Debian against a mirror tree whose
 * Sources indices are made by the real `dpkg-source` and `dpkg-scansources`. Expected origins
 * are written from the packages the tests make, in SWH's URL forms.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  CratesLister,
  DebianLister,
  type Lister,
  ListerHttp,
  ListerStore,
  NpmLister,
  PyPILister,
  runLister,
} from '../../src/lister/index.js'
import { startVerdaccio, type Verdaccio } from '../helpers/package-registries.js'
import { schedulerBackends, type SchedulerUnderTest } from '../helpers/scheduler-backends.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const backends = await schedulerBackends()
const http = new ListerHttp({
  policy: { allowNetworks: ['127.0.0.1/32'] },
  retries: 1,
  sleep: () => Promise.resolve(),
})
afterAll(() => http.close())

type Handler = (req: IncomingMessage, res: ServerResponse, u: URL) => void

async function serve(handler: Handler): Promise<{ base: string; server: Server; asked: string[] }> {
  const asked: string[] = []
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    asked.push(u.pathname + u.search)
    handler(req, res, u)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, asked }
}

const json = (res: ServerResponse, body: unknown, type = 'application/json') =>
  void res.writeHead(200, { 'content-type': type }).end(JSON.stringify(body))

async function listed(s: SchedulerUnderTest): Promise<string[]> {
  const rows = await s.db.all<{ url: string }>('SELECT url FROM listed_origin ORDER BY url')
  return rows.map((r) => r.url)
}

const run = (l: Lister, s: SchedulerUnderTest) =>
  runLister(l, { http, store: new ListerStore(s.db), visits: s.visits })

describe('npm lister against a real Verdaccio', () => {
  let dir: string
  let registry: Verdaccio
  let base: string
  const publish = (name: string, version: string) => registry.publish({ name, version })

  beforeAll(async () => {
    dir = makeTemp('arca-verdaccio-')
    registry = await startVerdaccio(dir)
    base = registry.base
    for (const name of ['alpha', 'beta', '@arca/gamma', 'delta']) publish(name, '1.0.0')
  }, 120_000)
  afterAll(() => {
    registry?.stop()
    removeTemp(dir)
  })

  it('lists every package page by page, then only sees them again; a new one is added', async () => {
    const s = await backends[0]!.setup()
    try {
      const lister = new NpmLister(base, 3)
      expect(await run(lister, s)).toEqual({ pages: 2, origins: 4, added: 4 })
      const names = ['@arca/gamma', 'alpha', 'beta', 'delta']
      expect(await listed(s)).toEqual(names.map((n) => `https://www.npmjs.com/package/${n}`))
      const rows = await s.db.all<{ visit_type: string; last_update: number | null }>(
        'SELECT visit_type, last_update FROM listed_origin',
      )
      for (const r of rows) {
        expect(r.visit_type).toBe('npm')
        expect(Number(r.last_update)).toBeGreaterThan(Date.parse('2020-01-01'))
      }
      expect((await run(lister, s)).added).toBe(0)
      publish('epsilon', '0.1.0')
      expect(await run(lister, s)).toMatchObject({ origins: 5, added: 1 })
    } finally {
      await s.teardown()
    }
  }, 60_000)
})

describe.each(backends)('registry listers on $name', (backend) => {
  let s: SchedulerUnderTest
  beforeAll(async () => {
    s = await backend.setup()
  })
  afterAll(async () => {
    await s.teardown()
  })

  it('npm: the CouchDB _changes feed, paged by seq, deleted skipped, incremental', async () => {
    let changes = [
      { seq: 1, id: 'left-pad', changes: [{ rev: '1-a' }] },
      { seq: 2, id: '_design/app', changes: [{ rev: '1-b' }] },
      { seq: 3, id: 'gone', deleted: true, changes: [{ rev: '2-c' }] },
      { seq: 4, id: '@types/node', changes: [{ rev: '1-d' }] },
      { seq: 5, id: 'react', changes: [{ rev: '1-e' }] },
    ]
    let broken = false
    const srv = await serve((_req, res, u) => {
      if (broken) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{')
      const since = Number(u.searchParams.get('since'))
      const limit = Number(u.searchParams.get('limit'))
      const results = changes.filter((c) => c.seq > since).slice(0, limit)
      json(res, { results, last_seq: results.at(-1)?.seq ?? since })
    })
    try {
      const lister = new NpmLister(`${srv.base}/_changes`, 2)
      expect(await run(lister, s)).toEqual({ pages: 3, origins: 3, added: 3 })
      expect(srv.asked).toEqual([
        '/_changes?limit=2&since=0',
        '/_changes?limit=2&since=2',
        '/_changes?limit=2&since=4',
      ])
      const npm = (await listed(s)).filter((u) => u.startsWith('https://www.npmjs.com/'))
      expect(npm).toEqual(
        ['@types/node', 'left-pad', 'react'].map((n) => `https://www.npmjs.com/package/${n}`),
      )
      // incremental: from the last page's cursor on, not from 0
      changes = [...changes, { seq: 6, id: 'vue', changes: [{ rev: '1-f' }] }]
      srv.asked.length = 0
      expect((await run(lister, s)).added).toBe(1)
      expect(srv.asked[0]).toBe('/_changes?limit=2&since=4')
      // a malformed page fails the run, its state kept for the next one
      broken = true
      changes = [...changes, { seq: 7, id: 'svelte', changes: [] }]
      await expect(run(lister, s)).rejects.toThrow(/malformed JSON/)
      const inst = await new ListerStore(s.db).get('npm', lister.url)
      expect(inst?.status).toBe('failed')
    } finally {
      await new Promise((r) => srv.server.close(r))
    }
  })

  it('PyPI: the JSON simple API (PEP 691) with its media type, incremental by serial', async () => {
    let projects = [
      { name: 'requests', '_last-serial': 10 },
      { name: 'numpy', '_last-serial': 12 },
      { name: 'arca-test', '_last-serial': 7 },
    ]
    const accepts: string[] = []
    const srv = await serve((req, res, u) => {
      accepts.push(String(req.headers['accept']))
      if (u.pathname !== '/simple/') return void res.writeHead(404).end()
      // PyPI answers HTML unless the JSON media type is asked for
      if (!String(req.headers['accept']).includes('application/vnd.pypi.simple.v1+json'))
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>')
      const serial = Math.max(...projects.map((p) => p['_last-serial']))
      json(
        res,
        { meta: { 'api-version': '1.1', '_last-serial': serial }, projects },
        'application/vnd.pypi.simple.v1+json',
      )
    })
    try {
      const lister = new PyPILister(srv.base)
      expect((await run(lister, s)).added).toBe(3)
      const mine = (await listed(s)).filter((u) => u.startsWith(srv.base))
      expect(mine).toEqual(
        ['arca-test', 'numpy', 'requests'].map((n) => `${srv.base}/project/${n}/`),
      )
      expect(accepts[0]).toBe('application/vnd.pypi.simple.v1+json')
      // incremental: only the projects changed since serial 12
      projects = [
        ...projects.map((p) => (p.name === 'requests' ? { ...p, '_last-serial': 13 } : p)),
        { name: 'flask', '_last-serial': 14 },
      ]
      expect(await run(lister, s)).toMatchObject({ origins: 2, added: 1 })
      expect(new PyPILister('https://pypi.org').origin('Django')).toBe(
        'https://pypi.org/project/Django/',
      )
    } finally {
      await new Promise((r) => srv.server.close(r))
    }
  })

  it('crates.io: /api/v1/crates by recent updates through meta.next_page, resumed, incremental', async () => {
    let crates = [
      { name: 'serde', updated_at: '2025-03-05T10:00:00.000000+00:00' },
      { name: 'tokio', updated_at: '2025-03-04T10:00:00.000000+00:00' },
      { name: 'rand', updated_at: '2025-03-03T10:00:00.000000+00:00' },
    ]
    let fault: 'none' | 'no-array' | 'second-page' = 'second-page'
    const srv = await serve((_req, res, u) => {
      if (fault === 'no-array') return json(res, { errors: [{ detail: 'oops' }] })
      if (fault === 'second-page' && u.searchParams.get('seek') === '2')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"crates": [')
      expect(u.searchParams.get('sort')).toBe('recent-updates')
      const seek = Number(u.searchParams.get('seek') ?? 0)
      const page = crates.slice(seek, seek + 2)
      const next =
        seek + 2 < crates.length ? `?per_page=2&sort=recent-updates&seek=${seek + 2}` : null
      json(res, { crates: page, meta: { total: crates.length, next_page: next, prev_page: null } })
    })
    try {
      const lister = new CratesLister(srv.base)
      // the second page is malformed (after its retry): the run fails, the first page kept
      await expect(run(lister, s)).rejects.toThrow(/malformed JSON/)
      const failed = await new ListerStore(s.db).get('crates', lister.url)
      expect(failed).toMatchObject({ status: 'failed', originsFound: 2 })
      // resumed from the second page, not from the first
      fault = 'none'
      srv.asked.length = 0
      expect(await run(lister, s)).toEqual({ pages: 2, origins: 1, added: 1 })
      expect(srv.asked).toEqual(['/api/v1/crates?per_page=2&sort=recent-updates&seek=2'])
      const mine = (await listed(s)).filter((u) => u.startsWith(srv.base))
      expect(mine).toEqual(['rand', 'serde', 'tokio'].map((n) => `${srv.base}/crates/${n}`))
      // incremental: stops at the first crate not updated since the newest seen
      crates = [{ name: 'anyhow', updated_at: '2025-03-06T10:00:00.000000+00:00' }, ...crates]
      srv.asked.length = 0
      expect(await run(lister, s)).toMatchObject({ origins: 1, added: 1 })
      expect(srv.asked).toHaveLength(1)
      fault = 'no-array'
      await expect(run(new CratesLister(`${srv.base}/other`), s)).rejects.toThrow(/no crates array/)
    } finally {
      await new Promise((r) => srv.server.close(r))
    }
  })

  it('Debian: Sources indices made by dpkg-scansources, one page per suite and component', async () => {
    const dir = makeTemp('arca-debian-')
    try {
      const mirror = join(dir, 'mirror')
      const make = (suite: string, name: string, version: string) => {
        const src = join(dir, 'src', suite, `${name}-${version}`)
        mkdirSync(join(src, 'debian', 'source'), { recursive: true })
        writeFileSync(join(src, 'debian', 'source', 'format'), '3.0 (native)\n')
        writeFileSync(
          join(src, 'debian', 'control'),
          `Source: ${name}\nMaintainer: Arca Tests <tests@arca.example>\nSection: misc\nPriority: optional\nStandards-Version: 4.6.2\n\nPackage: ${name}\nArchitecture: all\nDescription: test package\n a test package\n`,
        )
        writeFileSync(
          join(src, 'debian', 'changelog'),
          `${name} (${version}) ${suite}; urgency=medium\n\n  * Test.\n\n -- Arca Tests <tests@arca.example>  Mon, 01 Jan 2024 00:00:00 +0000\n`,
        )
        writeFileSync(join(src, 'debian', 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n', {
          mode: 0o755,
        })
        const pool = join(mirror, 'pool', 'main', suite)
        mkdirSync(pool, { recursive: true })
        execFileSync('dpkg-source', ['-b', src], { cwd: pool, stdio: 'pipe' })
      }
      make('stable', 'hello', '1.0')
      make('stable', 'coreutils', '9.1')
      make('testing', 'hello', '1.1')
      make('testing', 'zsh', '5.9')
      make('unstable', 'hello', '1.2')
      for (const suite of ['stable', 'testing', 'unstable']) {
        const out = join(mirror, 'dists', suite, 'main', 'source')
        mkdirSync(out, { recursive: true })
        const sources = execFileSync('dpkg-scansources', [`pool/main/${suite}`, '/dev/null'], {
          cwd: mirror,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        // stable has only Sources.xz (made by the real xz, as mirrors now publish), testing
        // only the plain index, unstable Sources.gz
        if (suite === 'stable')
          writeFileSync(join(out, 'Sources.xz'), execFileSync('xz', ['-c'], { input: sources }))
        else if (suite === 'unstable') writeFileSync(join(out, 'Sources.gz'), gzipSync(sources))
        else writeFileSync(join(out, 'Sources'), sources)
      }
      const srv = await serve((_req, res, u) => {
        try {
          const body = readFileSync(join(mirror, decodeURIComponent(u.pathname)))
          res.writeHead(200).end(body)
        } catch {
          res.writeHead(404).end()
        }
      })
      try {
        const lister = new DebianLister(
          `${srv.base}/?suites=stable,testing,unstable&components=main&distribution=Debian`,
        )
        expect(await run(lister, s)).toEqual({ pages: 3, origins: 5, added: 3 })
        const deb = (await listed(s)).filter((u) => u.startsWith('deb://'))
        expect(deb).toEqual(['coreutils', 'hello', 'zsh'].map((n) => `deb://Debian/packages/${n}`))
        expect(srv.asked).toEqual([
          '/dists/stable/main/source/Sources.xz',
          '/dists/testing/main/source/Sources.xz',
          '/dists/testing/main/source/Sources.gz',
          '/dists/testing/main/source/Sources',
          '/dists/unstable/main/source/Sources.xz',
          '/dists/unstable/main/source/Sources.gz',
        ])
        // a suite without any index fails the run, naming it
        await expect(
          run(new DebianLister(`${srv.base}/?suites=oldstable&components=main`), s),
        ).rejects.toThrow(/no source index for oldstable\/main/)
      } finally {
        await new Promise((r) => srv.server.close(r))
      }
    } finally {
      removeTemp(dir)
    }
  })
})
