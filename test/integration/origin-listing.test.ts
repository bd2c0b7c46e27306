/**
 * What counts as an archived origin, as Software Heritage shows it: one with a visit. A real
 * git repository naming two submodules is loaded (the loader records the submodule URLs as
 * origins, unvisited); the counters, `/api/1/origins/`, origin search and the home and search
 * pages then know one origin and one visit ("1 project", "1 visit"); the revision history page
 * answers `/browse/revision/<id>/log/`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'
const SUBS = ['https://example.org/libs/sub-one.git', 'https://example.org/libs/sub-two.git']

describe('origins are listed and counted once visited', () => {
  let root: string
  let data: string
  let archive: Archive
  let app: ReturnType<typeof createApp>
  let repo: string
  let origin: string
  const get = (path: string) => Promise.resolve(app.request(`${BASE}${path}`))

  beforeAll(async () => {
    root = makeTemp('arca-listing-')
    data = makeTemp('arca-listing-data-')
    repo = join(root, 'super')
    git(root, ['init', '-q', '-b', 'main', repo])
    writeFileSync(join(repo, 'README'), 'super project\n')
    writeFileSync(
      join(repo, '.gitmodules'),
      SUBS.map((u, i) => `[submodule "s${i}"]\n\tpath = s${i}\n\turl = ${u}\n`).join(''),
    )
    git(repo, ['add', '.'])
    git(repo, ['commit', '-q', '-m', 'first'])
    writeFileSync(join(repo, 'README'), 'super project, again\n')
    git(repo, ['commit', '-q', '-am', 'second'])
    const writer = await openArchive({ dataDir: data, writer: 'loader' })
    const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    expect(r.status).toBe('full')
    expect([...r.submodules].sort()).toEqual(SUBS)
    origin = r.origin
    await writer.close()
    archive = await openArchive({ dataDir: data })
    // The submodule URLs are stored origins (to visit later).
    expect(await archive.storage.originGet(SUBS)).toEqual(SUBS.map((url) => ({ url })))
    const ctx = webContext(archive, {}, { exemptNetworks: [] })
    app = createApp(ctx, (a) => mountBrowse(a, ctx))
  }, 120_000)

  afterAll(async () => {
    await archive?.close()
    removeTemp(root)
    removeTemp(data)
  })

  it('counters: one origin, one visit', async () => {
    const c = (await (await get('/api/1/stat/counters/')).json()) as Record<string, number>
    expect(c['origin']).toBe(1)
    expect(c['origin_visit']).toBe(1)
  })

  it('/api/1/origins/ and origin search list only the visited origin', async () => {
    const list = (await (await get('/api/1/origins/')).json()) as { url: string }[]
    expect(list.map((o) => o.url)).toEqual([origin])
    for (const pattern of ['sub-', 'example.org']) {
      const res = await get(`/api/1/origin/search/${pattern}/`)
      expect(await res.json(), pattern).toEqual([])
      expect(res.headers.get('x-total-count'), pattern).toBe('0')
    }
    const regexp = await get('/api/1/origin/search/sub-(one|two)/?use_regexp=true')
    expect(await regexp.json()).toEqual([])
    const found = await get(`/api/1/origin/search/${encodeURIComponent('super')}/`)
    expect(((await found.json()) as { url: string }[]).map((o) => o.url)).toEqual([origin])
    expect(found.headers.get('x-total-count')).toBe('1')
  })

  it('home page: "1 project", "1 visit"; search page: no submodule', async () => {
    const home = await (await get('/')).text()
    const counters = /<div class="counters"[^>]*>([\s\S]*?)<\/div>\s*<h2>/.exec(home)![1]!
    const items = [...counters.matchAll(/<div><b>([\d,]+)<\/b>([^<]+)<\/div>/g)].map(
      (m) => `${m[1]} ${m[2]!.trim()}`,
    )
    expect(items).toContain('1 project')
    expect(items).toContain('1 visit')
    expect(items).toContain('2 commits')
    const search = await (await get('/browse/search/?q=sub-')).text()
    expect(search).toMatch(/0 origins\s+found/)
    expect(search).not.toContain('sub-one')
  })

  it('/browse/revision/<id>/log/ is the history of the revision', async () => {
    const head = git(repo, ['rev-parse', 'main'])
    const first = git(repo, ['rev-parse', 'main~1'])
    for (const path of [`/browse/revision/${head}/log/`, `/browse/revision/${head}/log`]) {
      const res = await get(path)
      expect(res.status, path).toBe(200)
      const body = await res.text()
      expect(body, path).toContain('<h2>History</h2>')
      expect(body, path).toContain(`/browse/revision/${first}/`)
    }
    const page = await (await get(`/browse/revision/${head}/`)).text()
    expect(page).not.toContain('<h2>History</h2>')
  })
})
