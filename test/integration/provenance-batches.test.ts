/**
 * The provenance index over histories longer than one transaction's batch of revisions, whose
 * lookups are read ahead for the whole batch (docs/provenance.md): subtrees that come back,
 * move deeper and shallower between consecutive revisions, equal committer dates, dates going
 * backwards, and a second repository holding the same trees under older commits loaded after
 * the first (first occurrences replaced and descended into). Every blob's and tree's first
 * occurrence is checked against `git log --all` + `git ls-tree -r -t` of the repositories, made
 * with `git fast-import` here; then again after a forced reindex.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/index.js'
import {
  expectedFirst,
  expectFirstsFromGit,
  type GitTruth,
  gitTruth,
} from '../helpers/git-history.js'
import { onTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

/** The files of tree `i` of a deterministic sequence (path -> content). */
function treeAt(i: number): Map<string, string> {
  const files = new Map<string, string>()
  const lib = (at: string, j: number): void => {
    for (let f = 0; f < 5; f++)
      files.set(`${at}lib/f${f}`, `lib ${f} v${Math.floor((j + f) / 5)}\n`)
  }
  lib('', i)
  // The next revision's lib/ ahead of time: four levels down, or two the revision after.
  if (i % 7 === 0) lib('deep/a/b/', i + 1)
  if (i % 7 === 1) lib('z/', i + 1)
  // src/ comes and goes (its older versions come back), its contents shared between names.
  if (i % 11 < 8) for (let m = 0; m < (i % 11) + 2; m++) files.set(`src/m${m}.c`, `m${m % 4}\n`)
  files.set('README', `readme ${Math.floor(i / 40)}\n`)
  return files
}

/** Makes a repository at `dir` of commits over trees `trees`, at committer dates `dates` (s). */
function makeRepo(dir: string, trees: readonly number[], dates: readonly number[]): void {
  execFileSync('git', ['init', '-q', '-b', 'main', dir])
  let stream = ''
  const data = (s: string): string => `data ${Buffer.byteLength(s)}\n${s}\n`
  trees.forEach((t, n) => {
    stream += `commit refs/heads/main\nmark :${n + 1}\n`
    stream += `committer T <t@example.org> ${dates[n]} +0000\n${data(`tree ${t}`)}`
    if (n > 0) stream += `from :${n}\n`
    stream += 'deleteall\n'
    for (const [path, body] of treeAt(t)) stream += `M 100644 inline ${path}\n${data(body)}`
  })
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream })
}

interface Fixture {
  archive: Archive
  origins: string[]
  truth: GitTruth
  cleanup: () => Promise<void>
}

const BASE = 1_700_000_000

async function makeFixture(storageUrl?: string): Promise<Fixture> {
  const root = makeTemp('arca-provb-')
  const data = makeTemp('arca-provb-data-')
  const late = join(root, 'late')
  const early = join(root, 'early')
  // 230 revisions (more than one batch of 200): now and then two at the same second, or one
  // dated back before its parent.
  const lateTrees = Array.from({ length: 230 }, (_, i) => i)
  makeRepo(
    late,
    lateTrees,
    lateTrees.map((i) => BASE + i * 100 - (i % 9 === 0 ? 250 : 0) - (i % 13 === 1 ? 100 : 0)),
  )
  // Loaded second, yet older: every third tree of the first, and trees of its own after them.
  const earlyTrees = [...lateTrees.filter((i) => i % 3 === 0), 300, 301, 302]
  makeRepo(
    early,
    earlyTrees,
    earlyTrees.map((_, n) => BASE - 50_000 + n * 100 - (n % 5 === 2 ? 150 : 0)),
  )
  const archive = await openArchive({
    dataDir: data,
    ...(storageUrl ? { storageUrl } : {}),
    writer: 'loader',
  })
  const origins: string[] = []
  for (const repo of [late, early]) {
    const r = await loadGit(repo, { storage: archive.storage, scratchDir: archive.tmpDir })
    expect(r.status).toBe('full')
    origins.push(r.origin)
  }
  await archive.storage.flush()
  return {
    archive,
    origins,
    truth: gitTruth([late, early]),
    cleanup: async () => {
      await archive.close()
      removeTemp(root)
      removeTemp(data)
    },
  }
}

function checkAgainstGit(f: Fixture): Promise<void> {
  const backend = f.archive.backend
  return expectFirstsFromGit(f.truth, (x) => backend.provenanceFirst(x), f.origins, [0, 1])
}

function suite(label: string, setup: () => Promise<Fixture | null>): void {
  describe(`provenance over several batches (${label})`, () => {
    let f: Fixture
    beforeAll(async () => {
      const fx = await setup()
      if (fx) f = fx
    }, 300_000)
    afterAll(async () => f?.cleanup())

    it('matches git for every blob and tree, the older repository loaded second', async () => {
      const occ = [...f.truth.objects.values()]
      // What the histories are meant to exercise: first occurrences in the repository loaded
      // second, of objects the first holds too; trees first met deeper than where the next
      // commits hold them; objects first met at several paths of one commit.
      const moved = occ.filter((o) => {
        const holders = f.truth.repos.get(expectedFirst(o.occ).commit)!
        return holders.has(1) && o.occ.some((x) => f.truth.repos.get(x.commit)!.has(0))
      })
      expect(moved.length).toBeGreaterThan(20)
      for (const at of ['deep/a/b/lib', 'z/lib'])
        expect(occ.some((o) => o.type === 'tree' && expectedFirst(o.occ).path === at)).toBe(true)
      expect(
        occ.some((o) => {
          const first = expectedFirst(o.occ)
          return o.occ.filter((x) => x.commit === first.commit).length > 1
        }),
      ).toBe(true)
      expect(f.truth.repos.size).toBe(230 + 77 + 3)
      await checkAgainstGit(f)
    }, 120_000)

    it('a forced reindex rebuilds the same first occurrences', async () => {
      const r = await f.archive.backend.provenanceReindex({ force: true })
      expect(r.revisions).toBe(230 + 77 + 3)
      await checkAgainstGit(f)
    }, 120_000)
  })
}

suite('SQLite', () => makeFixture())
if (await postgresAvailable()) {
  suite('PostgreSQL', () => onTestDatabase(makeFixture))
}
