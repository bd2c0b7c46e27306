/**
 * `/api/1/origin/metadata-search/` (docs/citation.md, "Metadata search") on SQLite (FTS5) and
 * PostgreSQL (tsvector): git repositories made with git, holding a CITATION.cff + package.json,
 * a codemeta.json, or nothing, loaded by the git loader and indexed as `arca metadata index`
 * does, then searched by words taken from the files written below (any order, case and accents
 * ignored), with `limit`, a masked origin left out, and 400 without `fulltext`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { indexOriginMetadata } from '../../src/metadata/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { originSwhid } from '../../src/storage/proxies/masking.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'

const CFF = `cff-version: 1.2.0
message: Cite me.
title: Zebrafish Tracker
version: 1.0.0
keywords: [zebrafish, café]
authors:
  - given-names: Jürgen
    family-names: Müller
`
const CODEMETA = JSON.stringify({
  '@context': 'https://w3id.org/codemeta/3.0',
  name: 'Kraków Zebrafish Atlas',
  description: 'Maps of fish.',
  author: [{ '@type': 'Person', givenName: 'Łucja', familyName: 'Wójcik' }],
})

interface Hit {
  url: string
  visit_types: string[]
  metadata: { from_directory: string; mappings: string[]; metadata: Record<string, unknown> }
}

const pgOk = await postgresAvailable()

for (const backend of ['sqlite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !pgOk)(`metadata search (${backend})`, () => {
    let root: string
    let data: string
    let archive: Archive
    let app: ReturnType<typeof createApp>
    let drop: (() => Promise<void>) | undefined
    const origins: Record<string, string> = {}
    const trees: Record<string, string> = {}
    const search = async (q: string) => {
      const res = await app.request(`${BASE}/api/1/origin/metadata-search/?${q}`)
      return { status: res.status, body: (await res.json()) as Hit[] }
    }

    beforeAll(async () => {
      root = makeTemp('arca-mdsearch-')
      data = makeTemp('arca-mdsearch-data-')
      let storageUrl: string | undefined
      if (backend === 'postgres') {
        const db = await createTestDatabase()
        storageUrl = db.url
        drop = db.drop
      }
      const make = (name: string, files: Record<string, string>) => {
        const repo = join(root, name)
        git(root, ['init', '-q', '-b', 'main', repo])
        for (const [f, t] of Object.entries(files)) writeFileSync(join(repo, f), t)
        git(repo, ['add', '.'])
        git(repo, ['commit', '-q', '-m', name])
        trees[name] = git(repo, ['rev-parse', 'HEAD^{tree}'])
        return repo
      }
      const repos = {
        tracker: make('tracker', {
          'CITATION.cff': CFF,
          'package.json': JSON.stringify({
            name: 'zf-tracker',
            description: 'An npmword tracker.',
          }),
        }),
        atlas: make('atlas', { 'codemeta.json': CODEMETA }),
        plain: make('plain', { README: 'zebrafish\n' }),
      }
      const init = { dataDir: data, ...(storageUrl ? { storageUrl } : {}) }
      const writer = await openArchive({ ...init, writer: 'loader' })
      for (const [k, repo] of Object.entries(repos)) {
        const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
        expect(r.status).toBe('full')
        origins[k] = r.origin
        await writer.storage.flush()
        const outcome = await indexOriginMetadata(
          { storage: writer.backend, objstorage: writer.objstorage },
          r.origin,
        )
        expect(outcome).toBe(k === 'plain' ? 'no-metadata' : 'indexed')
      }
      await writer.close()
      archive = await openArchive(init)
      app = createApp(webContext(archive, {}, { disabled: true }))
    }, 120_000)

    afterAll(async () => {
      await archive?.close()
      await drop?.()
      removeTemp(root)
      removeTemp(data)
    })

    it('finds origins by words of their metadata, any case, accents or order', async () => {
      for (const q of ['Müller', 'muller', 'MÜLLER', 'café tracker', 'tracker zebrafish']) {
        const { status, body } = await search(`fulltext=${encodeURIComponent(q)}`)
        expect(status, q).toBe(200)
        expect(
          body.map((h) => h.url),
          q,
        ).toEqual([origins['tracker']])
      }
      const { body } = await search('fulltext=krakow')
      expect(body).toHaveLength(1)
      const hit = body[0]!
      expect(hit.url).toBe(origins['atlas'])
      expect(hit.visit_types).toEqual(['git'])
      expect(hit.metadata.from_directory).toBe(trees['atlas'])
      expect(hit.metadata.mappings).toEqual(['codemeta'])
      expect(hit.metadata.metadata['name']).toBe('Kraków Zebrafish Atlas')
      const tracker = (await search('fulltext=npmword')).body
      expect(tracker.map((h) => h.url)).toEqual([origins['tracker']])
      expect(tracker[0]!.metadata.mappings).toEqual(['cff', 'npm'])
      expect(tracker[0]!.metadata.metadata['name']).toBe('Zebrafish Tracker')
    })

    it('every word must match; limit bounds the results; no metadata, no hit', async () => {
      const both = (await search('fulltext=zebrafish')).body.map((h) => h.url).sort()
      expect(both).toEqual([origins['tracker'], origins['atlas']].sort())
      expect((await search('fulltext=zebrafish&limit=1')).body).toHaveLength(1)
      expect((await search('fulltext=zebrafish%20nowhere')).body).toEqual([])
      expect((await search('fulltext=plain')).body).toEqual([])
      expect((await search('fulltext=%22%27*%20OR')).status).toBe(200)
      expect((await search('fulltext=')).status).toBe(400)
      expect((await search('')).status).toBe(400)
    })

    it('a masked origin is left out', async () => {
      const swhid = originSwhid(origins['atlas']!)
      await archive.backend.maskSet('md-1', 'takedown', [swhid], 'restricted')
      expect((await search('fulltext=zebrafish')).body.map((h) => h.url)).toEqual([
        origins['tracker'],
      ])
      await archive.backend.maskSet('md-1', 'lifted', [swhid], null)
      expect((await search('fulltext=zebrafish')).body).toHaveLength(2)
    })
  })
}

describe('metadata search through the CLI', () => {
  let root: string
  let data: string
  beforeAll(() => {
    root = makeTemp('arca-mdsearch-cli-')
    data = makeTemp('arca-mdsearch-cli-data-')
  })
  afterAll(() => {
    removeTemp(root)
    removeTemp(data)
  })

  it('`arca save` indexes what it loaded; `arca metadata index` rebuilds the index', async () => {
    const repo = join(root, 'tracker')
    git(root, ['init', '-q', '-b', 'main', repo])
    writeFileSync(join(repo, 'CITATION.cff'), CFF)
    git(repo, ['add', '.'])
    git(repo, ['commit', '-q', '-m', 'cff'])
    const saved = arca(['save', '--data', data, repo])
    expect(saved.status, saved.stderr).toBe(0)
    const find = async () => {
      const archive = await openArchive({ dataDir: data })
      try {
        const app = createApp(webContext(archive, {}, { disabled: true }))
        const res = await app.request(`${BASE}/api/1/origin/metadata-search/?fulltext=muller`)
        return ((await res.json()) as Hit[]).map((h) => h.metadata.metadata['name'])
      } finally {
        await archive.close()
      }
    }
    expect(await find()).toEqual(['Zebrafish Tracker'])
    const plain = join(root, 'plain')
    git(root, ['init', '-q', '-b', 'main', plain])
    writeFileSync(join(plain, 'README'), 'x\n')
    git(plain, ['add', '.'])
    git(plain, ['commit', '-q', '-m', 'plain'])
    expect(arca(['save', '--data', data, plain]).status).toBe(0)
    const r = arca(['metadata', 'index', '--data', data, '--json'])
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ indexed: 1, 'no-metadata': 1, 'no-snapshot': 0 })
    expect(await find()).toEqual(['Zebrafish Tracker'])
  })
})
