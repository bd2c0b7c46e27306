/**
 * The incremental fork index on a generated family of real git repositories (docs/forks.md):
 * a project, a clone, a fork with new commits, an unrelated repository of the same name, and a
 * clone whose history is rewritten and force-pushed. Expected fork sets come from git (the root
 * commits `git rev-list --max-parents=0 --all` lists in each repository), ahead/behind from
 * `git rev-list --count A..B`, and the revisions walked by a re-visit from `git rev-list --count
 * old..new` (the index must walk only what is new). Then `arca forks reindex` rebuilds an index
 * emptied as in an archive made before it. On SQLite and PostgreSQL.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeRevision, makeSnapshot, utf8 } from '../../src/index.js'
import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'
const NAMES = ['main', 'clone', 'fork', 'other', 'rewrite'] as const
type Name = (typeof NAMES)[number]

function commit(repo: string, file: string, text: string): void {
  writeFileSync(join(repo, file), text)
  git(repo, ['add', '.'])
  git(repo, ['commit', '-q', '-m', `${file}: ${text.trim()}`])
}

const head = (repo: string): string => git(repo, ['rev-parse', 'HEAD']).trim()
const roots = (repo: string): Set<string> =>
  new Set(git(repo, ['rev-list', '--max-parents=0', '--all']).trim().split(/\s+/))

interface StorageUnderTest {
  url?: string
  drop?: () => Promise<void>
}

function suite(name: string, storage: () => Promise<StorageUnderTest | null>) {
  describe(`fork families of real git repositories (${name})`, () => {
    let tmp: string
    let data: string
    let st: StorageUnderTest | null = null
    let writer: Archive
    const repo = {} as Record<Name, string>
    const origin = {} as Record<Name, string>
    /** Revisions walked by each load, as the storage counted them. */
    const walked: Record<string, number> = {}
    let hub: string

    const load = async (n: Name, label: string): Promise<void> => {
      const before = writer.backend.forkIndexStats().walked
      const r = await loadGit(repo[n], { storage: writer.storage, scratchDir: writer.tmpDir })
      expect(r.status).toBe('full')
      origin[n] = r.origin
      walked[label] = writer.backend.forkIndexStats().walked - before
    }

    /** Heads of every repository fetched into one repository, for git's counts. */
    const count = (range: string): number => {
      for (const n of NAMES) git(hub, ['fetch', '-q', '-f', repo[n], `HEAD:refs/x/${n}`])
      return Number(git(hub, ['rev-list', '--count', range]).trim())
    }

    const forksOf = async (a: Archive, n: Name) => {
      const ctx = webContext(a, {}, { exemptNetworks: [] })
      const app = createApp(ctx)
      const res = await app.request(`${BASE}/api/1/origin/${origin[n]}/forks/`)
      expect(res.status).toBe(200)
      return (await res.json()) as { url: string; ahead: number; behind: number }[]
    }

    /** The origins git says share a root with `n`. */
    const expectedForks = (n: Name): string[] =>
      NAMES.filter((m) => m !== n && [...roots(repo[m])].some((r) => roots(repo[n]).has(r)))
        .map((m) => origin[m])
        .sort()

    beforeAll(async () => {
      st = await storage()
      if (!st) return
      tmp = makeTemp('arca-fork-family-')
      data = makeTemp('arca-fork-family-data-')
      hub = join(tmp, 'hub')
      git(tmp, ['init', '-q', '--bare', hub])
      mkdirSync(join(tmp, 'a'))
      mkdirSync(join(tmp, 'b'))
      repo.main = join(tmp, 'a', 'project')
      git(tmp, ['init', '-q', '-b', 'main', repo.main])
      for (let i = 1; i <= 5; i++) commit(repo.main, 'README', `main ${i}\n`)
      repo.clone = join(tmp, 'clone')
      repo.fork = join(tmp, 'fork')
      repo.rewrite = join(tmp, 'rewrite')
      for (const n of ['clone', 'fork', 'rewrite'] as const) {
        git(tmp, ['clone', '-q', repo.main, repo[n]])
        git(repo[n], ['remote', 'remove', 'origin'])
      }
      for (let i = 1; i <= 3; i++) commit(repo.fork, `f${i}`, `fork ${i}\n`)
      repo.other = join(tmp, 'b', 'project')
      git(tmp, ['init', '-q', '-b', 'main', repo.other])
      commit(repo.other, 'README', 'unrelated\n')
      writer = await openArchive({
        dataDir: data,
        writer: 'loader',
        ...(st.url ? { storageUrl: st.url } : {}),
      })
      for (const n of NAMES) await load(n, n)
    }, 180_000)

    afterAll(async () => {
      await writer?.close()
      await st?.drop?.()
      if (tmp) removeTemp(tmp)
      if (data) removeTemp(data)
    })

    it('lists clones and forks as git sees them, with git-counted ahead/behind', async (t) => {
      if (!st) return t.skip()
      const got = await forksOf(writer, 'main')
      expect(got.map((f) => f.url).sort()).toEqual(expectedForks('main'))
      expect(expectedForks('main').length).toBe(3) // clone, fork, rewrite (before its rewrite)
      for (const f of got) {
        const n = NAMES.find((m) => origin[m] === f.url)!
        expect({ url: f.url, ahead: f.ahead, behind: f.behind }).toEqual({
          url: f.url,
          ahead: count(`refs/x/main..refs/x/${n}`),
          behind: count(`refs/x/${n}..refs/x/main`),
        })
      }
      expect(await forksOf(writer, 'other')).toEqual([])
      // The first visit of a fork walks only its own commits: main's head has its roots.
      expect(walked['fork']).toBe(count('refs/x/main..refs/x/fork'))
      expect(walked['clone']).toBe(0)
    })

    it('a re-visit with one new commit walks that commit only', async (t) => {
      if (!st) return t.skip()
      const old = head(repo.main)
      commit(repo.main, 'README', 'main 6\n')
      await load('main', 'main again')
      expect(walked['main again']).toBe(
        Number(git(repo.main, ['rev-list', '--count', `${old}..HEAD`]).trim()),
      )
      expect(walked['main again']).toBe(1)
      const fork = (await forksOf(writer, 'main')).find((f) => f.url === origin.fork)
      expect(fork).toMatchObject({
        ahead: count('refs/x/main..refs/x/fork'),
        behind: count('refs/x/fork..refs/x/main'),
      })
      expect(fork?.behind).toBe(1)
    })

    it('a rewritten, force-pushed history drops its old roots', async (t) => {
      if (!st) return t.skip()
      git(repo.rewrite, ['checkout', '-q', '--orphan', 'fresh'])
      commit(repo.rewrite, 'README', 'rewritten from scratch\n')
      git(repo.rewrite, ['branch', '-q', '-D', 'main'])
      git(repo.rewrite, ['branch', '-q', '-m', 'main'])
      await load('rewrite', 'rewrite again')
      expect(expectedForks('main')).toEqual([origin.clone, origin.fork].sort())
      expect((await forksOf(writer, 'main')).map((f) => f.url).sort()).toEqual(
        expectedForks('main'),
      )
      expect(await forksOf(writer, 'rewrite')).toEqual([])
    })

    it('a fork from the middle of a long history stops at the marks (every 256th walked)', async (t) => {
      if (!st) return t.skip()
      const s = writer.backend
      const rev = (msg: string, parents: string[]) =>
        makeRevision({
          directory: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
          parents,
          author: null,
          committer: null,
          date: null,
          committerDate: null,
          message: utf8(msg),
        })
      // r1 (root) … r600, a chain; a fork adds one revision on r300.
      const chain = [rev(`${name} r1`, [])]
      for (let i = 2; i <= 600; i++) chain.push(rev(`${name} r${i}`, [chain[i - 2]!.id]))
      const tip = rev(`${name} fork tip`, [chain[299]!.id])
      await s.revisionAdd([...chain, tip])
      const visit = async (url: string, headId: string): Promise<number> => {
        const snap = makeSnapshot([
          { name: utf8('refs/heads/main'), target: { targetType: 'revision', target: headId } },
        ])
        await s.snapshotAdd([snap])
        await s.originAdd([{ url }])
        const [v] = await s.originVisitAdd([{ origin: url, date: new Date(), type: 'git' }])
        const before = s.forkIndexStats().walked
        await s.originVisitStatusAdd([{ ...v!, status: 'full', snapshot: snap.id, metadata: null }])
        return s.forkIndexStats().walked - before
      }
      expect(await visit(`https://example.org/${name}/long`, chain[599]!.id)).toBe(600)
      // Walked from r600 breadth first, the 256th and 512th are r345 and r89: the fork walks
      // its tip and r300 … r90 (211), and stops at r89.
      expect(await visit(`https://example.org/${name}/long-fork`, tip.id)).toBe(212)
      const forks = await s.originForks(`https://example.org/${name}/long`)
      expect(forks?.results.map((f) => f.url)).toEqual([`https://example.org/${name}/long-fork`])
    })

    it('arca forks reindex fills an index emptied as before it existed', async (t) => {
      if (!st) return t.skip()
      await writer.close()
      const db = (await openArchive({ dataDir: data, ...(st.url ? { storageUrl: st.url } : {}) }))
        .backend
      for (const table of ['origin_root', 'fork_root_mark', 'origin_fork_snapshot'])
        await db.db.run(`DELETE FROM ${table}`)
      await db.close()
      const args = ['forks', 'reindex', '--json', '--data', data]
      if (st.url) args.push('--storage', st.url)
      const first = arca(args)
      expect(first.status, first.stderr).toBe(0)
      expect(JSON.parse(first.stdout)).toMatchObject({ checked: 7, origins: 7 })
      const again = arca(args)
      expect(JSON.parse(again.stdout)).toMatchObject({ checked: 7, origins: 0, walked: 0 })
      // Forced: every origin again, but every head has its roots now: nothing walked.
      const forced = arca([...args, '--force'])
      expect(JSON.parse(forced.stdout)).toMatchObject({ checked: 7, origins: 7, walked: 0 })
      writer = await openArchive({ dataDir: data, ...(st.url ? { storageUrl: st.url } : {}) })
      expect((await forksOf(writer, 'main')).map((f) => f.url).sort()).toEqual(
        expectedForks('main'),
      )
      expect((await forksOf(writer, 'fork')).map((f) => f.url).sort()).toEqual(
        expectedForks('fork'),
      )
    }, 120_000)
  })
}

suite('SQLite', () => Promise.resolve({}))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? createTestDatabase() : null))
