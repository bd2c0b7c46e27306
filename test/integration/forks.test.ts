/**
 * The fork index on real git repositories (docs/forks.md): a clone, a fork with new commits (its
 * ahead/behind checked against `git rev-list --left-right --count`), and an unrelated repository
 * of the same name, loaded by the git loader and read through `/api/1/origin/<url>/forks/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { originSwhid } from '../../src/storage/proxies/masking.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'

function commit(repo: string, file: string, text: string): void {
  writeFileSync(join(repo, file), text)
  git(repo, ['add', '.'])
  git(repo, ['commit', '-q', '-m', `${file}: ${text.trim()}`])
}

describe('forks of real git repositories', () => {
  let root: string
  let data: string
  let archive: Archive
  const origins: Record<string, string> = {}
  let expected: { ahead: number; behind: number }
  let app: ReturnType<typeof createApp>

  beforeAll(async () => {
    root = makeTemp('arca-forks-')
    data = makeTemp('arca-forks-data-')
    const main = join(root, 'a', 'project')
    mkdirSync(join(root, 'a'))
    git(root, ['init', '-q', '-b', 'main', main])
    commit(main, 'README', 'one\n')
    commit(main, 'README', 'two\n')
    git(root, ['clone', '-q', main, join(root, 'clone')])
    git(root, ['clone', '-q', main, join(root, 'fork')])
    const fork = join(root, 'fork')
    commit(fork, 'f1', 'fork one\n')
    commit(fork, 'f2', 'fork two\n')
    commit(main, 'README', 'three\n')
    // Unrelated history under the same repository name.
    mkdirSync(join(root, 'b'))
    const other = join(root, 'b', 'project')
    git(root, ['init', '-q', '-b', 'main', other])
    commit(other, 'README', 'other\n')
    // What git says: left = only in main (fork behind), right = only in the fork (ahead).
    git(fork, ['fetch', '-q', main, 'main:upstream'])
    const [left, right] = git(fork, ['rev-list', '--left-right', '--count', 'upstream...HEAD'])
      .toString()
      .trim()
      .split(/\s+/)
      .map(Number)
    expected = { ahead: right!, behind: left! }
    const writer = await openArchive({ dataDir: data, writer: 'loader' })
    for (const [k, repo] of Object.entries({ main, clone: join(root, 'clone'), fork, other })) {
      const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
      expect(r.status).toBe('full')
      origins[k] = r.origin
    }
    await writer.close()
    archive = await openArchive({ dataDir: data })
    const ctx = webContext(archive, {}, { exemptNetworks: [] })
    app = createApp(ctx, (a) => mountBrowse(a, ctx))
  }, 120_000)

  afterAll(async () => {
    await archive?.close()
    removeTemp(root)
    removeTemp(data)
  })

  it('lists the clone and the fork with git-checked ahead/behind, not the unrelated repo', async () => {
    expect(expected).toEqual({ ahead: 2, behind: 1 })
    const res = await app.request(`${BASE}/api/1/origin/${origins['main']}/forks/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Total-Count')).toBe('2')
    const body = (await res.json()) as { url: string; ahead: number; behind: number }[]
    const byUrl = new Map(body.map((f) => [f.url, f]))
    expect([...byUrl.keys()].sort()).toEqual([origins['clone'], origins['fork']].sort())
    expect(byUrl.get(origins['fork']!)).toMatchObject(expected)
    expect(byUrl.get(origins['clone']!)).toMatchObject({ ahead: 0, behind: 1 })
    const other = await app.request(`${BASE}/api/1/origin/${origins['other']}/forks/`)
    expect(await other.json()).toEqual([])
  })

  it('the browse page says how many forks and lists them with ahead/behind and links', async () => {
    const res = await app.request(
      `${BASE}/browse/origin/forks/?origin_url=${encodeURIComponent(origins['main']!)}`,
    )
    const page = await res.text()
    expect(res.status, page.slice(0, 2000)).toBe(200)
    expect(page).toContain('2 forks')
    for (const k of ['clone', 'fork'])
      expect(page).toContain(
        `/browse/origin/directory/?origin_url=${encodeURIComponent(origins[k]!)}`,
      )
    expect(page).not.toContain(encodeURIComponent(origins['other']!))
    // the fork's row: its HEAD (from git), then ahead and behind as git counted them
    const head = git(join(root, 'fork'), ['rev-parse', 'HEAD']).toString().trim()
    const row = new RegExp(`${head.slice(0, 12)}</a></td>\\s*<td>(\\d+)</td>\\s*<td>(\\d+)</td>`)
    expect(row.exec(page)?.slice(1).map(Number)).toEqual([expected.ahead, expected.behind])
    const other = await app.request(
      `${BASE}/browse/origin/forks/?origin_url=${encodeURIComponent(origins['other']!)}`,
    )
    expect(await other.text()).toContain('0 forks')
  })

  it('pages with a Link header, and answers 404 for an unknown origin', async () => {
    const first = await app.request(`${BASE}/api/1/origin/${origins['main']}/forks/?per_page=1`)
    expect(((await first.json()) as unknown[]).length).toBe(1)
    const link = first.headers.get('Link') ?? ''
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1]
    expect(next).toBeDefined()
    const second = await app.request(next!)
    expect(((await second.json()) as unknown[]).length).toBe(1)
    expect(second.headers.get('Link')).toBeNull()
    const none = await app.request(`${BASE}/api/1/origin/https://nowhere.example/x/forks/`)
    expect(none.status).toBe(404)
  })

  it('leaves a masked fork out and refuses a masked origin (the masking layer)', async () => {
    const fork = [originSwhid(origins['fork']!)]
    await archive.backend.maskSet('req-forks', 'test takedown', fork, 'restricted')
    try {
      const res = await app.request(`${BASE}/api/1/origin/${origins['main']}/forks/`)
      const body = (await res.json()) as { url: string }[]
      expect(body.map((f) => f.url)).toEqual([origins['clone']])
      expect(res.headers.get('X-Total-Count')).toBe('1')
      const masked = await app.request(`${BASE}/api/1/origin/${origins['fork']}/forks/`)
      expect(masked.status).toBe(403)
    } finally {
      await archive.backend.maskSet('req-forks', 'lifted', fork, null)
    }
  })
})
