/**
 * Code search (docs/code-search.md) on real git repositories archived by the git loader: every
 * answer is checked against `git grep -n` on the same trees (-F literal, -w word, -E and -P
 * regular expressions, -i), the filters against git's pathspecs, each line-range SWHID against
 * git's line numbers, blob ids (`git rev-parse HEAD:path`) and head commit; then a re-visit
 * after commits, the time limit, takedowns, the API route and the page, and a rebuild by
 * `arca code-search reindex`. On SQLite and PostgreSQL.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { parseQualifiedSwhid } from '../../src/model/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import type { CodeSearchOptions, CodeSearchStorage } from '../../src/storage/index.js'
import { maskedView } from '../../src/storage/index.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const BASE = 'http://arca.test'
const VOCAB = [
  'foo',
  'foobar',
  'Foo',
  'FOO',
  'foo42bar',
  'foo_bar',
  'bar_baz',
  'x1',
  'x1y',
  'return x;',
  'colour',
  'color',
  'COLOR',
  'alpha_one',
  'gamma_two',
  'beta',
  'import os',
  'TODO:',
  '"hello"',
  'x(',
  'café',
  'naïve',
  'abc12',
  'ab',
  '{ }',
  '  ',
  'ret4rn',
  'foo9',
  'the end',
]

/** A deterministic generator (LCG), so the trees are the same on every run. */
function rng(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

function randomText(r: () => number, lines: number): string {
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    const n = Math.floor(r() * 4)
    const words: string[] = []
    for (let j = 0; j < n; j++) words.push(VOCAB[Math.floor(r() * VOCAB.length)]!)
    out.push(words.join(r() < 0.5 ? ' ' : ''))
  }
  return out.join('\n') + (r() < 0.8 ? '\n' : '')
}

function write(repo: string, path: string, body: string | Buffer): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true })
  writeFileSync(join(repo, path), body)
}

function commitAll(repo: string, msg: string): void {
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', msg])
}

/** `path:line` of every line `git grep -n -I` reports with `flags` (and pathspecs). */
function gitGrep(repo: string, flags: string[], q: string, pathspec: string[] = []): Set<string> {
  const r = spawnSync(
    'git',
    ['-C', repo, 'grep', '-n', '-I', '--null', ...flags, '-e', q, '--', ...pathspec],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  )
  if (r.status === 1) return new Set()
  if (r.status !== 0) throw new Error(`git grep failed: ${r.stderr}`)
  const out = new Set<string>()
  for (const rec of r.stdout.split('\n')) {
    if (rec === '') continue
    const [path, line] = rec.split('\0')
    out.add(`${path}:${line}`)
  }
  return out
}

interface Case {
  readonly q: string
  readonly type: 'literal' | 'word' | 'regexp'
  readonly flags: string[]
  readonly ignoreCase?: boolean
}

const CASES: Case[] = [
  { q: 'foobar', type: 'literal', flags: ['-F'] },
  { q: 'foo', type: 'literal', flags: ['-F'] },
  { q: 'return x;', type: 'literal', flags: ['-F'] },
  { q: 'café', type: 'literal', flags: ['-F'] },
  { q: 'x(', type: 'literal', flags: ['-F'] },
  { q: '"hello"', type: 'literal', flags: ['-F'] },
  { q: 'ab', type: 'literal', flags: ['-F'] },
  { q: 'TODO:', type: 'literal', flags: ['-F'] },
  { q: 'FOO', type: 'literal', flags: ['-F', '-i'], ignoreCase: true },
  { q: 'foo', type: 'word', flags: ['-F', '-w'] },
  { q: 'bar_baz', type: 'word', flags: ['-F', '-w'] },
  { q: 'x1', type: 'word', flags: ['-F', '-w'] },
  { q: 'foo[0-9]+bar', type: 'regexp', flags: ['-E'] },
  { q: '^import ', type: 'regexp', flags: ['-E'] },
  { q: 'colou?r', type: 'regexp', flags: ['-E'] },
  { q: 'Colou?r', type: 'regexp', flags: ['-E', '-i'], ignoreCase: true },
  { q: '(alpha|gamma)_[a-z]+', type: 'regexp', flags: ['-E'] },
  { q: 'ret.rn', type: 'regexp', flags: ['-E'] },
  { q: '[a-z]{3}[0-9]{2}', type: 'regexp', flags: ['-E'] },
  { q: 'the end$', type: 'regexp', flags: ['-E'] },
  { q: '\\bfoo\\d+\\b', type: 'regexp', flags: ['-P'] },
  { q: '(?:foo|beta)\\s*x1', type: 'regexp', flags: ['-P'] },
  // Anchored by a run of characters and classes (code-anchor.ts) rather than a literal.
  { q: 'ret[0-9]rn', type: 'regexp', flags: ['-E'] },
  { q: 'foo[0-9]{2}bar', type: 'regexp', flags: ['-E'] },
  { q: '[a-z]_[a-z]{3}', type: 'regexp', flags: ['-E'] },
  { q: 'x[0-9][a-z]+', type: 'regexp', flags: ['-E'] },
  { q: 'o\\d+b', type: 'regexp', flags: ['-P'] },
  { q: '[^a-z ]{4}', type: 'regexp', flags: ['-E'] },
  { q: 'na.ve', type: 'regexp', flags: ['-E'] },
  { q: '[ -]end$', type: 'regexp', flags: ['-E'] },
  { q: '\\{ \\}', type: 'regexp', flags: ['-E'] },
  // Ignoring case with punctuation and spaces (PostgreSQL: looked up with `~*` quoted).
  { q: 'RETURN X;', type: 'literal', flags: ['-F', '-i'], ignoreCase: true },
  { q: '"Hello"', type: 'literal', flags: ['-F', '-i'], ignoreCase: true },
  { q: 'Foo_Bar', type: 'word', flags: ['-F', '-w', '-i'], ignoreCase: true },
  { q: '(?i)todo:', type: 'regexp', flags: ['-P'] },
]

interface StorageUnderTest {
  url?: string
  drop?: () => Promise<void>
}

function suite(name: string, storage: () => Promise<StorageUnderTest | null>) {
  describe(`code search against git grep (${name})`, () => {
    let tmp: string
    let data: string
    let st: StorageUnderTest | null = null
    let archive: Archive
    const repos: Record<string, string> = {}
    const origins: Record<string, string> = {}

    const load = async (n: string): Promise<void> => {
      const r = await loadGit(repos[n]!, { storage: archive.storage, scratchDir: archive.tmpDir })
      expect(r.status).toBe('full')
      origins[n] = r.origin
    }

    /** Every hit of a search over all its pages, as `origin → path:line`. */
    const searchAll = async (
      q: string,
      o: CodeSearchOptions,
      s: CodeSearchStorage = archive.backend,
    ) => {
      const got = new Map<string, Set<string>>()
      let partial = false
      for (let offset = 0; ; offset += 100) {
        const page = await s.codeSearch(q, { ...o, limit: 100, offset })
        partial ||= page.partial
        for (const h of page.results) {
          const set = got.get(h.origin) ?? new Set<string>()
          got.set(h.origin, set)
          let count = 0
          for (const m of h.matches)
            for (let l = m.lines[0]; l <= m.lines[1]; l++) {
              set.add(`${h.path}:${l}`)
              count++
            }
          expect(count).toBe(h.matchCount)
        }
        if (offset + 100 >= page.total) break
      }
      return { got, partial }
    }

    const expected = (c: Case, which: string[], pathspec: string[] = []) =>
      new Map(
        which
          .map((n) => [origins[n]!, gitGrep(repos[n]!, c.flags, c.q, pathspec)] as const)
          .filter(([, s]) => s.size > 0),
      )

    beforeAll(async () => {
      st = await storage()
      if (!st) return
      tmp = makeTemp('arca-code-search-')
      data = join(tmp, 'data')
      const r = rng(42)
      for (const n of ['alpha', 'beta']) {
        const repo = join(tmp, n)
        repos[n] = repo
        git(tmp, ['init', '-q', '-b', 'main', repo])
        // Shared by both repositories: one text, two origins.
        write(repo, 'README.md', '# Project\nfoo bar_baz\nthe end\n')
        write(repo, 'data.bin', Buffer.from([0, 1, 2, 0x66, 0x6f, 0x6f, 10]))
        write(repo, 'Makefile', 'all:\n\tcc -o foo foo.c\n')
        for (let i = 0; i < 12; i++) {
          const ext = ['js', 'py', 'c', 'md', 'txt', 'ts'][i % 6]!
          const dir = ['src', 'lib', 'lib/deep', 'docs'][i % 4]!
          write(repo, `${dir}/f${i}.${ext}`, randomText(r, 20 + Math.floor(r() * 40)))
        }
      }
      write(repos['alpha']!, 'crlf.txt', 'foo\r\nfoobar\r\n')
      commitAll(repos['alpha']!, 'alpha')
      commitAll(repos['beta']!, 'beta')
      archive = await openArchive({
        dataDir: data,
        writer: 'loader',
        ...(st.url ? { storageUrl: st.url } : {}),
      })
      await load('alpha')
      await load('beta')
    }, 180_000)

    afterAll(async () => {
      await archive?.close()
      await st?.drop?.()
      if (tmp) removeTemp(tmp)
    })

    it('finds what git grep finds, for every kind of query', async (t) => {
      if (!st) return t.skip()
      for (const c of CASES) {
        const o = { type: c.type, ignoreCase: c.ignoreCase === true, timeLimitMs: 60_000 }
        const { got, partial } = await searchAll(c.q, o)
        expect(partial, c.q).toBe(false)
        expect(got, `${c.type} ${c.q}`).toEqual(expected(c, ['alpha', 'beta']))
      }
    })

    it('filters by origin, path glob and language as git pathspecs do', async (t) => {
      if (!st) return t.skip()
      const c = CASES[1]! // literal foo
      const only = await searchAll(c.q, { origin: origins['alpha']! })
      expect(only.got).toEqual(expected(c, ['alpha']))
      const py = await searchAll(c.q, { path: '*.py' })
      expect(py.got).toEqual(expected(c, ['alpha', 'beta'], ['*.py']))
      const lang = await searchAll(c.q, { language: 'python' })
      expect(lang.got).toEqual(py.got)
      const deep = await searchAll(c.q, { path: 'lib/**' })
      expect(deep.got).toEqual(expected(c, ['alpha', 'beta'], ['lib/']))
      const ts = await searchAll(c.q, { language: 'ts', origin: origins['beta']! })
      expect(ts.got).toEqual(expected(c, ['beta'], ['*.ts']))
      await expect(
        archive.backend.codeSearch('foo', { language: 'no-such-language' }),
      ).rejects.toThrow(/Unknown language/)
      await expect(archive.backend.codeSearch('(', { type: 'regexp' })).rejects.toThrow(
        /Invalid regular expression/,
      )
    })

    it('pages in result order when the count stops early, the total then an estimate', async (t) => {
      if (!st) return t.skip()
      // countMaxBytes 0: the search stops once a page and one more file are found. Paging by the
      // total still reaches every hit (it is at least one more than found), in order.
      for (const c of [CASES[1]!, CASES[6]!, CASES[9]!, CASES[18]!]) {
        const o = { type: c.type, timeLimitMs: 60_000, countMaxBytes: 0, limit: 3 }
        const got = new Map<string, Set<string>>()
        const order: string[] = []
        let estimated = false
        for (let offset = 0; ; offset += 3) {
          const page = await archive.backend.codeSearch(c.q, { ...o, offset })
          expect(page.partial, c.q).toBe(false)
          estimated ||= !page.totalExact
          if (!page.totalExact) expect(page.total).toBeGreaterThan(offset + 3)
          for (const h of page.results) {
            order.push(`${h.origin}\0${h.path}`)
            const set = got.get(h.origin) ?? new Set<string>()
            got.set(h.origin, set)
            for (const m of h.matches)
              for (let l = m.lines[0]; l <= m.lines[1]; l++) set.add(`${h.path}:${l}`)
          }
          if (offset + 3 >= page.total) break
        }
        expect(got, `${c.type} ${c.q}`).toEqual(expected(c, ['alpha', 'beta']))
        expect(estimated, c.q).toBe(true)
        const sorted = [...order].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
        expect(order, c.q).toEqual(sorted)
      }
    })

    it('names each run of lines by a SWHID that git agrees with', async (t) => {
      if (!st) return t.skip()
      const page = await archive.backend.codeSearch('foo', { type: 'word', limit: 100 })
      expect(page.results.length).toBeGreaterThan(0)
      for (const h of page.results) {
        const n = h.origin === origins['alpha'] ? 'alpha' : 'beta'
        const lines = gitGrep(repos[n]!, ['-F', '-w'], 'foo', [h.path])
        const blob = git(repos[n]!, ['rev-parse', `HEAD:${h.path}`])
        const head = git(repos[n]!, ['rev-parse', 'HEAD'])
        for (const m of h.matches) {
          const q = parseQualifiedSwhid(m.swhid)
          expect(q.type).toBe('cnt')
          expect(q.id).toBe(blob)
          expect(q.qualifiers.origin).toBe(h.origin)
          expect(q.qualifiers.anchor).toEqual({ type: 'rev', id: head })
          expect(q.qualifiers.visit?.type).toBe('snp')
          expect(Buffer.from(q.qualifiers.path!).toString()).toBe(`/${h.path}`)
          const [from, to] = q.qualifiers.lines!
          for (let l = from; l <= (to ?? from); l++) expect(lines.has(`${h.path}:${l}`)).toBe(true)
          // The run is maximal: the lines around it do not match.
          expect(lines.has(`${h.path}:${from - 1}`)).toBe(false)
          expect(lines.has(`${h.path}:${(to ?? from) + 1}`)).toBe(false)
        }
      }
    })

    it('follows new visits, and says partial when the time limit stops it', async (t) => {
      if (!st) return t.skip()
      write(repos['alpha']!, 'src/new.js', 'const foobar = 1\nfoobar()\n')
      spawnSync('git', ['-C', repos['alpha']!, 'rm', '-q', 'lib/f1.py'])
      write(repos['alpha']!, 'src/f0.js', 'foobar changed\n')
      commitAll(repos['alpha']!, 'second')
      await load('alpha')
      const c = CASES[0]!
      expect((await searchAll(c.q, {})).got).toEqual(expected(c, ['alpha', 'beta']))
      const late = await archive.backend.codeSearch('foo', { timeLimitMs: 0 })
      expect(late.partial).toBe(true)
      const scan = await archive.backend.codeSearch('[a-z]{3}[0-9]{2}', {
        type: 'regexp',
        timeLimitMs: 0,
      })
      expect(scan.partial).toBe(true)
    })

    it('never returns masked contents or origins, in the API and the page', async (t) => {
      if (!st) return t.skip()
      const view = maskedView(archive)
      const before = await searchAll('foo', {}, view.storage)
      const blob = git(repos['beta']!, ['rev-parse', 'HEAD:README.md'])
      await archive.backend.maskSet(
        'req-code-1',
        'test takedown',
        [`swh:1:cnt:${blob}`],
        'pending_decision',
      )
      const after = await searchAll('foo', {}, view.storage)
      for (const set of after.got.values()) expect(set.has('README.md:2')).toBe(false)
      expect(before.got.get(origins['alpha']!)?.has('README.md:2')).toBe(true)
      const ctx = webContext(archive, {}, { exemptNetworks: [] })
      const app = createApp(ctx, (a) => mountBrowse(a, ctx))
      const api = await app.request(`${BASE}/api/1/code/search/?q=foo&type=word&limit=100`)
      expect(api.status, await api.clone().text()).toBe(200)
      const hits = (await api.json()) as {
        origin: string
        path: string
        matches: { swhid: string }[]
      }[]
      expect(hits.some((h) => h.path === 'README.md')).toBe(false)
      expect(Number(api.headers.get('X-Total-Count'))).toBe(hits.length)
      expect(api.headers.get('X-Total-Count-Relation')).toBe('eq')
      expect(api.headers.get('X-Search-Partial')).toBe('false')
      const ori = `swh:1:ori:${createHash('sha1').update(origins['beta']!).digest('hex')}`
      await archive.backend.maskSet('req-code-2', 'test takedown', [ori], 'restricted')
      const res = await app.request(`${BASE}/api/1/code/search/?q=foo&limit=100`)
      const got = (await res.json()) as { origin: string }[]
      expect(got.length).toBeGreaterThan(0)
      expect(got.every((h) => h.origin === origins['alpha'])).toBe(true)
      const pageRes = await app.request(`${BASE}/browse/code/search/?q=foobar&type=literal`)
      expect(pageRes.status).toBe(200)
      const body = await pageRes.text()
      expect(body).toContain('src/new.js')
      expect(body).toContain(';lines=1-2')
      expect(body).not.toContain(origins['beta']!)
      const bad = await app.request(`${BASE}/api/1/code/search/?q=(&type=regexp`)
      expect(bad.status).toBe(400)
      await archive.backend.maskSet('req-code-1', 'lifted', [`swh:1:cnt:${blob}`], null)
      await archive.backend.maskSet('req-code-2', 'lifted', [ori], null)
    })

    it('is rebuilt by arca code-search reindex', async (t) => {
      if (!st) return t.skip()
      const c = CASES[12]!
      const want = expected(c, ['alpha', 'beta'])
      await archive.close()
      const raw = await openArchive({ dataDir: data, ...(st.url ? { storageUrl: st.url } : {}) })
      await raw.backend.db.run('DELETE FROM code_file')
      await raw.backend.db.run('DELETE FROM code_origin')
      await raw.backend.db.run('DELETE FROM code_blob')
      expect((await raw.backend.codeSearch(c.q, { type: 'regexp' })).total).toBe(0)
      await raw.close()
      const r = arca([
        'code-search',
        'reindex',
        '--json',
        '--data',
        data,
        ...(st.url ? ['--storage', st.url] : []),
      ])
      expect(r.status).toBe(0)
      const report = JSON.parse(r.stdout) as { checked: number; origins: number; indexed: number }
      expect(report.checked).toBe(2)
      expect(report.origins).toBe(2)
      archive = await openArchive({ dataDir: data, ...(st.url ? { storageUrl: st.url } : {}) })
      expect((await searchAll(c.q, { type: 'regexp' })).got).toEqual(want)
    }, 120_000)
  })
}

suite('SQLite', () => Promise.resolve({}))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? createTestDatabase() : null))
