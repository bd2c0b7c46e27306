/**
 * The estimated total of a code search (docs/code-search.md, "How a query runs", item 4) on
 * real git repositories whose path order is not uniform: a `docs/` directory, walked first,
 * where the word is rare (or only a longer word holds it), then `src/`, where it is common.
 * Scaling the files found by the share of files walked was 40% off there (`widget`: about 864
 * files, git grep 1,447); the total, estimated from a sample of the rest, must be within 25% of
 * what `git grep -l` counts. The
 * page stays exact (git grep's first files), and with room to count to the end the total is
 * exact. On SQLite and PostgreSQL.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { git } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

/** Files per repository under docs/ and under src/. */
const DOCS = 1500
const SRC = 1000
/** Stated tolerance of an estimate against git grep's count. */
const TOLERANCE = 0.25
const FILLER = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'return', 'value', 'index', 'buffer']

/** A deterministic generator (LCG), so the trees are the same on every run. */
function rng(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

/** About 600 bytes of filler, `extra` words put on random lines, and the file's own name. */
function text(r: () => number, name: string, extra: string[]): string {
  const lines: string[] = [`// ${name}`]
  for (let i = 0; i < 20; i++) {
    const words: string[] = []
    for (let j = 0; j < 4; j++) words.push(FILLER[Math.floor(r() * FILLER.length)]!)
    lines.push(words.join(' '))
  }
  for (const w of extra) lines.splice(1 + Math.floor(r() * 20), 0, `${w} ${name};`)
  return lines.join('\n') + '\n'
}

function makeRepo(root: string, name: string, seed: number): string {
  const repo = join(root, name)
  git(root, ['init', '-q', '-b', 'main', repo])
  const r = rng(seed)
  const put = (path: string, body: string): void => {
    mkdirSync(dirname(join(repo, path)), { recursive: true })
    writeFileSync(join(repo, path), body)
  }
  for (let i = 0; i < DOCS; i++) {
    const extra: string[] = []
    if (r() < 0.02) extra.push('widget')
    if (r() < 0.12) extra.push('gadgetry')
    if (r() < 0.01) extra.push('gadget')
    put(`docs/d${String(i).padStart(4, '0')}.md`, text(r, `${name}-d${i}`, extra))
  }
  for (let i = 0; i < SRC; i++) {
    const extra: string[] = []
    if (r() < 0.7) extra.push('widget')
    if (r() < 0.25) extra.push('gadget')
    put(`src/m${i % 10}/s${String(i).padStart(4, '0')}.c`, text(r, `${name}-s${i}`, extra))
  }
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', name])
  return repo
}

/** The files `git grep -l -I` lists for `q` with `flags`, in git's (path) order. */
function gitGrepFiles(repo: string, flags: readonly string[], q: string): string[] {
  const r = spawnSync('git', ['-C', repo, 'grep', '-l', '-I', ...flags, '-e', q], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  if (r.status !== 0) throw new Error(`git grep failed: ${r.stderr}`)
  return r.stdout.split('\n').filter((l) => l !== '')
}

const QUERIES = [
  // 1,025 to 2,048 candidate texts: the walk reads every file, skipping the others.
  { q: 'widget', type: 'literal', flags: ['-F'] },
  // At most 1,024 candidates (gadgetry too): the walk takes the files naming them.
  { q: 'gadget', type: 'word', flags: ['-F', '-w'] },
] as const

function suite(
  name: string,
  storage: () => Promise<{ url?: string; drop?: () => Promise<void> } | null>,
) {
  describe(`code search total estimate against git grep -l (${name})`, () => {
    let tmp: string
    let st: { url?: string; drop?: () => Promise<void> } | null = null
    let archive: Archive
    /** Repositories by origin URL, as results are sorted. */
    const repos: { url: string; dir: string }[] = []

    beforeAll(async () => {
      st = await storage()
      if (!st) return
      tmp = makeTemp('arca-code-estimate-')
      archive = await openArchive({
        dataDir: join(tmp, 'data'),
        writer: 'loader',
        ...(st.url ? { storageUrl: st.url } : {}),
      })
      for (const [n, seed] of [
        ['one', 7],
        ['two', 11],
      ] as const) {
        const dir = makeRepo(tmp, n, seed)
        const r = await loadGit(dir, { storage: archive.storage, scratchDir: archive.tmpDir })
        expect(r.status).toBe('full')
        repos.push({ url: r.origin, dir })
      }
      repos.sort((x, y) => (x.url < y.url ? -1 : x.url > y.url ? 1 : 0))
    }, 300_000)

    afterAll(async () => {
      await archive?.close()
      await st?.drop?.()
      if (tmp) removeTemp(tmp)
    })

    it('estimates within 25% of git grep when counting stops early, the page exact', async (t) => {
      if (!st) return t.skip()
      for (const c of QUERIES) {
        const lists = repos.map((r) => ({ url: r.url, files: gitGrepFiles(r.dir, c.flags, c.q) }))
        const want = lists.reduce((n, l) => n + l.files.length, 0)
        const first = lists.flatMap((l) => l.files.map((f) => `${l.url} ${f}`)).slice(0, 20)
        const o = { type: c.type, timeLimitMs: 60_000, limit: 20 }
        const page = await archive.backend.codeSearch(c.q, { ...o, countMaxBytes: 128 * 1024 })
        expect(page.partial, c.q).toBe(false)
        expect(page.totalExact, c.q).toBe(false)
        expect(page.results.map((h) => `${h.origin} ${h.path}`)).toEqual(first)
        expect(page.total).toBeGreaterThan(20)
        const error = Math.abs(page.total - want) / want
        expect(error, `${c.q}: about ${page.total}, git grep ${want}`).toBeLessThanOrEqual(
          TOLERANCE,
        )
        const all = await archive.backend.codeSearch(c.q, { ...o, countMaxBytes: 1 << 30 })
        expect(all.totalExact, c.q).toBe(true)
        expect(all.total, c.q).toBe(want)
      }
    }, 120_000)
  })
}

suite('SQLite', () => Promise.resolve({}))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? createTestDatabase() : null))
