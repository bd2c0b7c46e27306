/**
 * Raw extrinsic metadata (docs/metadata.md) on SQLite and PostgreSQL: `emd` ids against a
 * python3 computation of Software Heritage's manifest (and swh-model's two published ids), the
 * `/api/1/raw-extrinsic-metadata/…` routes in swh-web's shapes (listing, Link paging, bytes as
 * an attachment, authorities, the origin redirect, 400/404), a masked target origin refused,
 * the journal record round trip, and the GitHub lister against a local server answering in
 * GitHub's documented shape: each repository's JSON recorded on its origin, again only when
 * it changed; and a mirror (`arca mirror`, built `dist/`) replaying the record.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { decodeValue as decodeJournal, encodeRecord } from '../../src/journal/serde.js'
import {
  ForgeMetadataRecorder,
  forgeMetadataStorage,
  GitHubLister,
  ListerHttp,
  ListerStore,
  runLister,
} from '../../src/lister/index.js'
import { decodeRecord as decodeMirror } from '../../src/mirror/decode.js'
import {
  type CoreSwhid,
  makeRawExtrinsicMetadata,
  type RawExtrinsicMetadata,
  utf8,
} from '../../src/model/index.js'
import { SqlVisitScheduler } from '../../src/scheduler/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { TokenStore } from '../../src/web/auth/tokens.js'
import { startServer, webContext } from '../../src/web/server.js'
import { ARCA_BIN } from '../helpers/cli.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'
const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex')

/** SWH's manifest rules, written again in python3 (git_objects.py's documented format). */
const PY = String.raw`
import hashlib, json, sys
def esc(b): return b.replace(b"\n", b"\n ")
out = []
for m in json.load(sys.stdin):
    h = [(b"target", m["target"]), (b"discovery_date", str(m["discovery_date"])),
         (b"authority", m["authority"]["type"] + " " + m["authority"]["url"]),
         (b"fetcher", m["fetcher"]["name"] + " " + m["fetcher"]["version"]),
         (b"format", m["format"])]
    for k in ("origin", "visit", "snapshot", "release", "revision", "path", "directory"):
        if m.get(k) is not None: h.append((k.encode(), str(m[k])))
    body = b"".join(k + b" " + esc(v.encode()) + b"\n" for k, v in h) + b"\n" + m["metadata"].encode()
    obj = b"raw_extrinsic_metadata " + str(len(body)).encode() + b"\0" + body
    out.append(hashlib.sha1(obj).hexdigest())
print(json.dumps(out))
`

const NONE = {
  origin: null,
  visit: null,
  snapshot: null,
  release: null,
  revision: null,
  path: null,
  directory: null,
}
const swhid = (type: CoreSwhid['type'], byte: string): CoreSwhid => ({
  type,
  id: byte.repeat(20),
})

// swh-model's test_identifiers.py: "minimal" and "maximal" records, published ids
const MINIMAL = {
  target: { type: 'cnt', id: '568aaf43d83b2c3df8067f3bedbb97d83260be6d' },
  discoveryDate: new Date('2021-01-25T11:27:51Z'),
  authority: { type: 'forge', url: 'https://forge.softwareheritage.org/' },
  fetcher: { name: 'swh-phabricator-metadata-fetcher', version: '0.0.1' },
  format: 'json',
  metadata: utf8('{"foo": "bar"}'),
  ...NONE,
} as const
const MAXIMAL = {
  ...MINIMAL,
  origin: 'https://forge.softwareheritage.org/source/swh-model/',
  visit: 42,
  snapshot: swhid('snp', '00'),
  release: swhid('rel', '01'),
  revision: swhid('rev', '02'),
  path: utf8('/abc/def'),
  directory: swhid('dir', '03'),
}

function pythonIds(list: readonly Omit<RawExtrinsicMetadata, 'id'>[]): string[] {
  const input = list.map((m) => ({
    target: `swh:1:${m.target.type}:${m.target.id}`,
    discovery_date: Math.floor(m.discoveryDate.getTime() / 1000),
    authority: m.authority,
    fetcher: m.fetcher,
    format: m.format,
    metadata: Buffer.from(m.metadata).toString('utf8'),
    origin: m.origin,
    visit: m.visit,
    snapshot: m.snapshot && `swh:1:${m.snapshot.type}:${m.snapshot.id}`,
    release: m.release && `swh:1:${m.release.type}:${m.release.id}`,
    revision: m.revision && `swh:1:${m.revision.type}:${m.revision.id}`,
    path: m.path && Buffer.from(m.path).toString('utf8'),
    directory: m.directory && `swh:1:${m.directory.type}:${m.directory.id}`,
  }))
  return JSON.parse(
    execFileSync('python3', ['-c', PY], { input: JSON.stringify(input) }).toString(),
  )
}

describe('emd ids', () => {
  it('match swh-model published ids and a python3 computation of the manifest', () => {
    expect(makeRawExtrinsicMetadata(MINIMAL).id).toBe('5c13f20ba336e44549baf3d7b9305b027ec9f43d')
    expect(makeRawExtrinsicMetadata(MAXIMAL).id).toBe('f96966e1093d15236a31fde07e47d5b1c9428049')
    const odd: Omit<RawExtrinsicMetadata, 'id'>[] = [
      MINIMAL,
      MAXIMAL,
      // an origin target, a newline in the URL and bytes, a sub-second date (rounded down)
      {
        ...MINIMAL,
        target: { type: 'ori', id: sha1('https://github.com/a/b') },
        discoveryDate: new Date('2024-02-29T23:59:59.999Z'),
        authority: { type: 'forge', url: 'https://api.github.com/x\ny' },
        metadata: utf8('{"a":\n"é"}'),
      },
      { ...MAXIMAL, path: utf8('/with\nnewline/é'), origin: 'https://h/o\np' },
    ]
    expect(odd.map((m) => makeRawExtrinsicMetadata(m).id)).toEqual(pythonIds(odd))
  })

  it('round-trip through the journal record and the mirror check', () => {
    const m = makeRawExtrinsicMetadata(MAXIMAL)
    const rec = encodeRecord('raw_extrinsic_metadata', m)
    const back = decodeJournal('raw_extrinsic_metadata', rec.value)
    expect(back).toEqual(m)
    const d = decodeMirror('raw_extrinsic_metadata', 0, rec.value)
    expect(d.key).toBe(`swh:1:emd:${m.id}`)
    expect(d.waitsFor).toEqual(['swh:1:cnt:568aaf43d83b2c3df8067f3bedbb97d83260be6d'])
    const forged = encodeRecord('raw_extrinsic_metadata', { ...m, format: 'other' })
    expect(() => decodeMirror('raw_extrinsic_metadata', 1, forged.value)).toThrow()
  })
})

const pgOk = await postgresAvailable()

/** A GitHub-shaped `/repositories?since=` server over `repos` (two per page). */
function githubServer(repos: Record<string, unknown>[]) {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const since = Number(u.searchParams.get('since') ?? 0)
    const page = repos.filter((r) => (r['id'] as number) > since).slice(0, 2)
    const last = page[page.length - 1]
    const more =
      last !== undefined && repos.some((r) => (r['id'] as number) > (last['id'] as number))
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (more)
      headers['link'] =
        `<http://${req.headers.host}/repositories?since=${last['id'] as number}>; rel="next"`
    res.writeHead(200, headers).end(JSON.stringify(page))
  })
  return server
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !pgOk)(`raw extrinsic metadata (${backend})`, () => {
    let data: string
    let archive: Archive
    let app: ReturnType<typeof createApp>
    let drop: (() => Promise<void>) | undefined
    const ORIGIN = 'https://github.com/octo/hello'
    const ORI = `swh:1:ori:${sha1(ORIGIN)}`
    const authority = { type: 'forge', url: 'https://api.github.com' } as const
    const get = async (path: string) => {
      const res = await app.request(`${BASE}/api/1/${path}`)
      const text = await res.text()
      let body: unknown = null
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
      return { status: res.status, headers: res.headers, body: body as never, path }
    }

    beforeAll(async () => {
      data = makeTemp('arca-emd-')
      let storageUrl: string | undefined
      if (backend === 'postgres') {
        const db = await createTestDatabase()
        storageUrl = db.url
        drop = db.drop
      }
      archive = await openArchive({ dataDir: data, ...(storageUrl ? { storageUrl } : {}) })
      app = createApp(webContext(archive, {}, { disabled: true }))
    })
    afterAll(async () => {
      await archive?.close()
      await drop?.()
      removeTemp(data)
    })

    it('stores records and needs their authority and fetcher first', async () => {
      const s = forgeMetadataStorage(archive)
      const m = makeRawExtrinsicMetadata(MAXIMAL)
      await expect(s.rawExtrinsicMetadataAdd([m])).rejects.toThrow(/Unknown metadata authority/)
      await s.metadataAuthorityAdd([MINIMAL.authority, MINIMAL.authority])
      await s.metadataFetcherAdd([MINIMAL.fetcher])
      expect(await s.rawExtrinsicMetadataAdd([m, m])).toEqual({ 'raw_extrinsic_metadata:add': 1 })
      expect(await s.rawExtrinsicMetadataAdd([m])).toEqual({ 'raw_extrinsic_metadata:add': 0 })
      expect(await s.rawExtrinsicMetadataGetByIds([m.id])).toEqual([m])
      // journaled: the record is in the raw_extrinsic_metadata topic
      const end = await archive.journal.endOffset('raw_extrinsic_metadata')
      expect(end).toBeGreaterThanOrEqual(1)
      const forged = { ...m, format: 'forged' }
      await expect(s.rawExtrinsicMetadataAdd([forged])).rejects.toThrow()
    })

    it('the lister records each repository JSON on its origin, again only when it changed', async () => {
      const repos = [1, 2, 3].map((id) => ({
        id,
        name: `r${id}`,
        html_url: id === 1 ? ORIGIN : `https://github.com/octo/r${id}`,
        fork: id === 3,
        description: `repo ${id}`,
      }))
      const server = githubServer(repos)
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const visits = new SqlVisitScheduler(archive.backend.db)
      await visits.open()
      const store = new ListerStore(archive.backend.db)
      const http = new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] }, retries: 0 })
      const storage = forgeMetadataStorage(archive)
      const count = async () =>
        (
          await storage.rawExtrinsicMetadataGet(
            { type: 'ori', id: sha1(ORIGIN) },
            { type: 'forge', url },
          )
        ).results
      let t = Date.parse('2025-03-01T10:00:00.250Z')
      const run = () =>
        runLister(new GitHubLister(url), {
          http,
          store,
          visits,
          metadata: new ForgeMetadataRecorder(storage, { type: 'github', url }, () => t),
        })
      try {
        expect((await run()).origins).toBe(3)
        const first = await count()
        expect(first).toHaveLength(1)
        expect(JSON.parse(Buffer.from(first[0]!.metadata).toString('utf8'))).toEqual(repos[0])
        expect(first[0]!.format).toBe('application/vnd.github.v3+json')
        expect(first[0]!.fetcher).toEqual({ name: 'arca.lister.github', version: '0.1.0' })
        expect(first[0]!.discoveryDate.toISOString()).toBe('2025-03-01T10:00:00.000Z')
        // a complete listing is incremental: start it again from scratch, nothing changed
        await store.save({ ...(await store.get('github', url))!, status: 'registered' })
        t += 60_000
        await run()
        expect(await count()).toHaveLength(1)
        repos[0]!.description = 'changed'
        await store.save({ ...(await store.get('github', url))!, status: 'registered' })
        t += 60_000
        await run()
        const after = await count()
        expect(after).toHaveLength(2)
        expect(JSON.parse(Buffer.from(after[1]!.metadata).toString('utf8')).description).toBe(
          'changed',
        )
        // served: the origin's authorities, then its records
        const auth = await get(`raw-extrinsic-metadata/swhid/${ORI}/authorities/`)
        expect(auth.status).toBe(200)
        expect(auth.body).toEqual([
          {
            type: 'forge',
            url,
            metadata_list_url: `${BASE}/api/1/raw-extrinsic-metadata/swhid/${ORI}/?authority=${encodeURIComponent(`forge ${url}`)}`,
          },
        ])
        const list = await get(
          `raw-extrinsic-metadata/swhid/${ORI}/?authority=${encodeURIComponent(`forge ${url}`)}`,
        )
        expect(list.status).toBe(200)
        const items = list.body as Record<string, unknown>[]
        expect(items).toHaveLength(2)
        // an origin target is not shown (not a core SWHID), as swh-web does
        expect(items[0]).not.toHaveProperty('target')
        // named by the target's SWHID while the origin is only listed, by its URL once archived
        expect(items[1]!['metadata_url']).toContain(`filename=${encodeURIComponent(ORI)}_metadata`)
        await archive.backend.originAdd([{ url: ORIGIN }])
        const named = (await get(list.path)).body as Record<string, unknown>[]
        const dl = await app.request(named[1]!['metadata_url'] as string)
        expect(dl.headers.get('content-disposition')).toBe(
          'attachment; filename="https_github_com_octo_hello_metadata"',
        )
        expect(JSON.parse(await dl.text()).description).toBe('changed')
      } finally {
        http.close()
        await new Promise((r) => server.close(r))
      }
    })

    it('lists in swh-web shapes with Link paging, bytes as an attachment', async () => {
      const s = forgeMetadataStorage(archive)
      await s.metadataAuthorityAdd([authority])
      const fetcher = { name: 'arca.test', version: '1' }
      await s.metadataFetcherAdd([fetcher])
      const target = { type: 'dir', id: 'a2faa28028657859c16ff506924212b33f0e1307' } as const
      const records = [0, 1, 2, 3, 4].map((i) =>
        makeRawExtrinsicMetadata({
          ...NONE,
          target,
          discoveryDate: new Date(Date.UTC(2022, 0, 1 + (i % 3))),
          authority,
          fetcher,
          format: 'json',
          metadata: utf8(JSON.stringify({ i })),
          origin: 'https://github.com/octo/dir',
          ...(i === 0 ? { path: utf8('/src'), visit: 3 } : {}),
        }),
      )
      await s.rawExtrinsicMetadataAdd(records)
      const dir = `swh:1:dir:${target.id}`
      const q = `authority=${encodeURIComponent('forge https://api.github.com')}`
      const seen: Record<string, unknown>[] = []
      let next: string | null = `${BASE}/api/1/raw-extrinsic-metadata/swhid/${dir}/?${q}&limit=2`
      let pages = 0
      while (next) {
        const res: Response = await app.request(next)
        expect(res.status).toBe(200)
        seen.push(...((await res.json()) as Record<string, unknown>[]))
        const link = res.headers.get('link')
        next = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null
        pages++
      }
      expect(pages).toBe(3)
      expect(seen).toHaveLength(5)
      const expected = [...records].sort(
        (a, b) => a.discoveryDate.getTime() - b.discoveryDate.getTime() || (a.id < b.id ? -1 : 1),
      )
      expect(seen.map((x) => x['metadata_url'])).toEqual(
        expected.map(
          (m) =>
            `${BASE}/api/1/raw-extrinsic-metadata/get/${m.id}/?filename=${encodeURIComponent(`${dir}_metadata`)}`,
        ),
      )
      const zero = seen.find((x) => x['path'] === '/src')!
      expect(Object.keys(zero)).toEqual([
        'target',
        'discovery_date',
        'authority',
        'fetcher',
        'format',
        'origin',
        'visit',
        'path',
        'metadata_url',
      ])
      expect(zero['target']).toBe(dir)
      expect(zero['discovery_date']).toBe('2022-01-01T00:00:00+00:00')
      expect(zero['authority']).toEqual({ type: 'forge', url: 'https://api.github.com' })
      expect(zero['fetcher']).toEqual(fetcher)
      // after=: strictly later discoveries
      const later = await get(`raw-extrinsic-metadata/swhid/${dir}/?${q}&after=2022-01-02T00:00:00`)
      expect((later.body as unknown[]).length).toBe(1)
      const raw = await app.request(zero['metadata_url'] as string)
      expect(raw.status).toBe(200)
      expect(raw.headers.get('content-type')).toBe('application/octet-stream')
      expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="${dir}_metadata"`)
      expect(await raw.text()).toBe('{"i":0}')
      const bad = await app.request(
        `${BASE}/api/1/raw-extrinsic-metadata/get/${records[0]!.id}/?filename=a%20b`,
      )
      expect(bad.headers.get('content-disposition')).toBe('attachment')
    })

    it('answers 400 and 404 as swh-web does', async () => {
      const dir = 'swh:1:dir:a2faa28028657859c16ff506924212b33f0e1307'
      for (const q of [
        '',
        'authority=forge',
        'authority=foo%20http://example.org',
        'authority=forge%20http://example.org&after=yesterday',
        'authority=forge%20http://example.org&limit=abc',
      ]) {
        const r = await get(`raw-extrinsic-metadata/swhid/${dir}/?${q}`)
        expect(r.status, q).toBe(400)
        expect((r.body as { exception: string }).exception).toBe('BadInputExc')
      }
      expect(
        (await get(`raw-extrinsic-metadata/swhid/swh:1:xyz:00/?authority=forge%20x`)).status,
      ).toBe(400)
      const ok = await get(
        `raw-extrinsic-metadata/swhid/${dir}/?authority=forge%20http://example.org`,
      )
      expect(ok.status).toBe(200)
      expect(ok.body).toEqual([])
      const none = await get(`raw-extrinsic-metadata/get/${'0'.repeat(40)}/`)
      expect(none.status).toBe(404)
      expect((none.body as { exception: string }).exception).toBe('NotFoundExc')
    })

    it('redirects an origin authorities URL to its swh:1:ori: SWHID', async () => {
      const res = await app.request(
        `${BASE}/api/1/raw-extrinsic-metadata/origin/${ORIGIN}/authorities/`,
      )
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBe(
        `${BASE}/api/1/raw-extrinsic-metadata/swhid/${ORI}/authorities/`,
      )
    })

    it('refuses the metadata of a masked origin (403), and serves it again once lifted', async () => {
      const listUrl = `raw-extrinsic-metadata/swhid/${ORI}/authorities/`
      const before = await get(listUrl)
      expect((before.body as unknown[]).length).toBe(1)
      const { url } = (before.body as { url: string }[])[0]!
      const list = `raw-extrinsic-metadata/swhid/${ORI}/?authority=${encodeURIComponent(`forge ${url}`)}`
      const items = (await get(list)).body as { metadata_url: string }[]
      await archive.backend.maskSet('emd-1', 'takedown', [ORI], 'restricted')
      try {
        for (const path of [listUrl, list]) {
          const r = await get(path)
          expect(r.status, path).toBe(403)
        }
        const raw = await app.request(items[0]!.metadata_url)
        expect(raw.status).toBe(403)
        expect(await raw.text()).not.toContain('octo')
      } finally {
        await archive.backend.maskSet('emd-1', 'lifted', [ORI], null)
      }
      expect((await get(list)).status).toBe(200)
    })
  })
}

describe('raw extrinsic metadata reaches a mirror (arca mirror over the feed)', () => {
  it('replays the record with its authority and fetcher', async () => {
    const up = makeTemp('arca-emd-up-')
    const down = makeTemp('arca-emd-down-')
    const archive = await openArchive({ dataDir: up })
    const token = (await new TokenStore(archive.backend.db).create('mirror', ['mirror'])).secret
    const server = await startServer({ archive, port: 0, rateLimits: { disabled: true } })
    try {
      const s = forgeMetadataStorage(archive)
      const m = makeRawExtrinsicMetadata({
        ...MINIMAL,
        target: { type: 'ori', id: sha1('https://github.com/octo/mirrored') },
      })
      await s.metadataAuthorityAdd([m.authority])
      await s.metadataFetcherAdd([m.fetcher])
      await s.rawExtrinsicMetadataAdd([m])
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
        const p = spawn(
          process.execPath,
          [
            ARCA_BIN,
            'mirror',
            '--data',
            down,
            '--upstream',
            server.url,
            '--token',
            token,
            '--once',
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        )
        const err: Buffer[] = []
        p.stderr.on('data', (b: Buffer) => err.push(b))
        p.on('error', reject)
        p.on('close', (status) => resolve({ status, stderr: Buffer.concat(err).toString() }))
      })
      expect(r.status, r.stderr).toBe(0)
      const mirror = await openArchive({ dataDir: down })
      try {
        expect(await mirror.storage.rawExtrinsicMetadataGetByIds([m.id])).toEqual([m])
        expect(await mirror.storage.rawExtrinsicMetadataGetAuthorities(m.target)).toEqual([
          m.authority,
        ])
      } finally {
        await mirror.close()
      }
    } finally {
      await server.close()
      await archive.close()
      removeTemp(up)
      removeTemp(down)
    }
  }, 60_000)
})
