/**
 * Code search and provenance over a tarball origin (docs/code-search.md, docs/provenance.md):
 * `arca save --type tar` (the built `dist/`) of a tarball made by the real `tar` and served by
 * python3's `http.server` on loopback; its snapshot names a release whose target is a
 * directory (no revision). `/api/1/code/search/` finds a literal of it, qualified by the
 * origin, the release as anchor and the path; `/api/1/provenance/whereis/` names the origin
 * and the release. Content ids by `git hash-object`; the release id read from the snapshot.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'

let tmp: string
let http: ChildProcess
let base: string

beforeAll(async () => {
  tmp = makeTemp('arca-tar-search-')
  const src = join(tmp, 'src', 'quux-2.1')
  mkdirSync(join(src, 'lib'), { recursive: true })
  writeFileSync(join(src, 'README'), 'quux: the tarball\n')
  writeFileSync(
    join(src, 'lib', 'zorblify.c'),
    'int zorblify_the_widget(int x) {\n  return x;\n}\n',
  )
  mkdirSync(join(tmp, 'www'))
  execFileSync('tar', [
    '-czf',
    join(tmp, 'www', 'quux-2.1.tar.gz'),
    '-C',
    join(tmp, 'src'),
    'quux-2.1',
  ])
  http = spawn(
    'python3',
    ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '-d', join(tmp, 'www')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  base = await new Promise<string>((resolve, reject) => {
    let out = ''
    http.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /port (\d+)/.exec(out)
      if (m) resolve(`http://127.0.0.1:${m[1]}`)
    })
    http.on('exit', (code) => reject(new Error(`http.server exited ${code}`)))
  })
}, 60_000)

afterAll(() => {
  http?.kill()
  if (tmp) removeTemp(tmp)
})

async function withArchive<T>(
  data: string,
  storageUrl: string | undefined,
  f: (a: Archive) => Promise<T>,
): Promise<T> {
  const archive = await openArchive({ dataDir: data, ...(storageUrl ? { storageUrl } : {}) })
  try {
    return await f(archive)
  } finally {
    await archive.close()
  }
}

function suite(name: string, db: () => Promise<{ url: string; drop: () => Promise<void> } | null>) {
  describe(`a tarball origin (snapshot → release → directory), ${name}`, () => {
    it('is searchable and has provenance after arca save --type tar', async (t) => {
      const pg = await db()
      if (pg === undefined || pg === null) {
        if (name !== 'SQLite') return t.skip()
      }
      const storageUrl = pg?.url
      const data = join(tmp, `data-${name}`)
      const url = `${base}/quux-2.1.tar.gz`
      const r = arca(
        [
          'save',
          '--data',
          data,
          ...(storageUrl ? ['--storage', storageUrl] : []),
          '--type',
          'tar',
          '--restrict-network',
          '--allow-network',
          '127.0.0.1/32',
          '--json',
          url,
        ],
        { env: { ...process.env, NO_COLOR: '1' } },
      )
      // (a slow save logs its progress as structured lines on stderr)
      expect(r.stderr).not.toMatch(/"level":"(error|warn)"/)
      expect(r.status).toBe(0)
      const saved = JSON.parse(r.stdout) as { status: string; snapshot: string }
      expect(saved.status).toBe('full')
      const cnt = execFileSync('git', [
        'hash-object',
        join(tmp, 'src', 'quux-2.1', 'lib', 'zorblify.c'),
      ])
        .toString()
        .trim()
      try {
        await withArchive(data, storageUrl, async (archive) => {
          const page = await archive.storage.snapshotGetBranches(saved.snapshot)
          const rel = page?.branches.find((b) => Buffer.from(b.name).toString() === 'releases/2.1')
          expect(rel?.target?.targetType).toBe('release')
          const release = rel!.target!.target as string
          const app = createApp(webContext(archive, {}, { disabled: true }))

          const res = await app.request(
            `${BASE}/api/1/code/search/?q=zorblify_the_widget&type=literal`,
          )
          expect(res.status).toBe(200)
          const hits = (await res.json()) as {
            origin: string
            path: string
            swhid: string
            anchor: string
          }[]
          expect(hits.map((h) => [h.origin, h.path, h.anchor])).toEqual([
            [url, 'quux-2.1/lib/zorblify.c', `swh:1:rel:${release}`],
          ])
          expect(hits[0]!.swhid).toBe(
            `swh:1:cnt:${cnt};origin=${url};visit=swh:1:snp:${saved.snapshot};anchor=swh:1:rel:${release};path=/quux-2.1/lib/zorblify.c`,
          )

          const w = await app.request(`${BASE}/api/1/provenance/whereis/swh:1:cnt:${cnt}/`)
          expect(w.status).toBe(200)
          expect(await w.json()).toBe(
            `swh:1:cnt:${cnt};origin=${url};anchor=swh:1:rel:${release};path=/quux-2.1/lib/zorblify.c`,
          )
          const origins = await app.request(`${BASE}/api/1/provenance/origins/swh:1:cnt:${cnt}/`)
          expect(origins.status).toBe(200)
          expect(JSON.stringify(await origins.json())).toContain(url)
          const releases = await app.request(`${BASE}/api/1/provenance/releases/swh:1:cnt:${cnt}/`)
          expect(releases.status).toBe(200)
          expect(JSON.stringify(await releases.json())).toContain(release)
        })
      } finally {
        await pg?.drop()
      }
    }, 120_000)
  })
}

suite('SQLite', () => Promise.resolve(null))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? createTestDatabase() : null))
