/**
 * Generated git histories for provenance tests, made with the git binary: files added, edited,
 * moved, copied (within a repository and, through a shared pool of contents, between
 * repositories), deleted and restored, a side branch merged back, committer dates that go
 * backwards now and then; and what git itself says they contain (`git rev-list --all`,
 * `git ls-tree -r -t`), the independent expectation.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import { expect } from 'vitest'

import type { CoreSwhid } from '../../src/model/index.js'
import type { ProvenanceOccurrence } from '../../src/storage/index.js'
import { git } from './repos.js'

const DIRS = ['', 'src', 'src/lib', 'docs', 'a.b']
const NAMES = ['x.txt', 'a', 'a-b', 'util.c', 'README.md']

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Options of {@link makeHistory}. */
export interface HistoryOptions {
  readonly seed: number
  readonly commits: number
  /** Committer date (seconds) of the first commit; later ones about 1000 s apart. */
  readonly baseDate: number
  /** Contents shared between repositories (the same blobs). */
  readonly pool: readonly string[]
  /** Clone this repository first (a fork) instead of starting empty. */
  readonly cloneOf?: string
  /** Name of an annotated tag made on the last commit. */
  readonly tag?: string
}

/** Makes (or extends) a repository at `dir` with a generated history on `main`. */
export function makeHistory(dir: string, o: HistoryOptions): void {
  const rand = rng(o.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  if (o.cloneOf) execFileSync('git', ['clone', '-q', o.cloneOf, dir])
  else if (!existsSync(join(dir, '.git'))) {
    mkdirSync(dir, { recursive: true })
    git(dir, ['init', '-q', '-b', 'main'])
  }
  const files = (): string[] =>
    git(dir, ['ls-files', '-z'])
      .split('\0')
      .filter((f) => f !== '')
  const deleted: [string, Buffer][] = []
  let n = 0
  const write = (path: string, data: string | Buffer): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), data)
  }
  const newPath = (): string => {
    const d = pick(DIRS)
    return (d ? d + '/' : '') + pick(NAMES)
  }
  const commit = (msg: string): void => {
    n++
    // Mostly forward in time, sometimes back (committer dates are not monotonic in the wild).
    const date = o.baseDate + n * 1000 + (rand() < 0.15 ? -2500 : 0)
    git(dir, ['add', '-A'])
    git(dir, ['commit', '-q', '--allow-empty', '-m', msg], {
      env: { GIT_COMMITTER_DATE: `${date} +0000`, GIT_AUTHOR_DATE: `${date} +0000` },
    })
  }
  const step = (): void => {
    const fs = files()
    const r = rand()
    if (fs.length === 0 || r < 0.3) write(newPath(), pick(o.pool))
    else if (r < 0.42) write(pick(fs), `edit ${o.seed} ${n}\n`)
    else if (r < 0.56) {
      const from = pick(fs)
      const to = newPath()
      if (to !== from && !fs.includes(to)) {
        mkdirSync(dirname(join(dir, to)), { recursive: true })
        git(dir, ['mv', '-k', from, to])
      }
    } else if (r < 0.68) {
      const from = pick(fs)
      const to = newPath()
      if (!fs.includes(to)) {
        mkdirSync(dirname(join(dir, to)), { recursive: true })
        copyFileSync(join(dir, from), join(dir, to))
      }
    } else if (r < 0.84) {
      const f = pick(fs)
      deleted.push([f, readFileSync(join(dir, f))])
      rmSync(join(dir, f))
    } else if (deleted.length > 0) {
      const [f, data] = deleted.splice(Math.floor(rand() * deleted.length), 1)[0]!
      if (!files().includes(f)) write(f, data)
    } else write(newPath(), pick(o.pool))
  }
  const half = Math.floor(o.commits / 2)
  for (let i = 0; i < half; i++) {
    step()
    commit(`c${o.seed}-${i}`)
  }
  // A side branch, merged back without fast-forward.
  git(dir, ['checkout', '-q', '-b', `side${o.seed}`])
  for (let i = 0; i < 3; i++) {
    write(`side/${o.seed}-${i}.txt`, i === 1 ? pick(o.pool) : `side ${o.seed} ${i}\n`)
    commit(`side${o.seed}-${i}`)
  }
  git(dir, ['checkout', '-q', 'main'])
  for (let i = half; i < o.commits; i++) {
    step()
    commit(`c${o.seed}-${i}`)
  }
  git(dir, ['merge', '-q', '--no-ff', '-m', 'merge', `side${o.seed}`], {
    env: {
      GIT_COMMITTER_DATE: `${o.baseDate + 900_000} +0000`,
      GIT_AUTHOR_DATE: `${o.baseDate + 900_000} +0000`,
    },
  })
  if (o.tag) git(dir, ['tag', '-a', '-m', o.tag, o.tag])
}

/** One place an object occurs: a commit, its committer date (s) and the path ('' for a root). */
export interface Occurrence {
  readonly commit: string
  readonly date: number
  readonly path: string
}

/** What git says a set of repositories contain. */
export interface GitTruth {
  /** Object id (blob or tree) -> its type and every occurrence. */
  readonly objects: Map<string, { type: 'blob' | 'tree'; occ: Occurrence[] }>
  /** Commit -> the repositories (indexes into the list given) whose history holds it. */
  readonly repos: Map<string, Set<number>>
  /** Annotated tag id -> the commit it points to. */
  readonly tags: Map<string, string>
}

/** Reads every commit of every repository with git (rev-list, ls-tree), nothing of Arca. */
export function gitTruth(repos: readonly string[]): GitTruth {
  const objects: GitTruth['objects'] = new Map()
  const inRepo: GitTruth['repos'] = new Map()
  const tags: GitTruth['tags'] = new Map()
  const done = new Set<string>()
  repos.forEach((repo, ri) => {
    const out = git(repo, ['log', '--all', '--format=%H %ct %T'])
    for (const line of out.split('\n').filter(Boolean)) {
      const [commit, ct, tree] = line.split(' ') as [string, string, string]
      if (!inRepo.has(commit)) inRepo.set(commit, new Set())
      inRepo.get(commit)!.add(ri)
      if (done.has(commit)) continue
      done.add(commit)
      const date = Number(ct)
      const add = (id: string, type: 'blob' | 'tree', path: string): void => {
        if (!objects.has(id)) objects.set(id, { type, occ: [] })
        objects.get(id)!.occ.push({ commit, date, path })
      }
      add(tree, 'tree', '')
      const ls = git(repo, ['ls-tree', '-r', '-t', '-z', '--full-tree', commit])
      for (const entry of ls.split('\0').filter(Boolean)) {
        const tab = entry.indexOf('\t')
        const [, type, id] = entry.slice(0, tab).split(' ') as [string, string, string]
        if (type === 'blob' || type === 'tree') add(id, type, entry.slice(tab + 1))
      }
    }
    const refs = git(repo, [
      'for-each-ref',
      'refs/tags',
      '--format=%(objecttype) %(objectname) %(*objectname)',
    ])
    for (const line of refs.split('\n').filter(Boolean)) {
      const [type, id, target] = line.split(' ') as [string, string, string]
      if (type === 'tag') tags.set(id, target)
    }
  })
  return { objects, repos: inRepo, tags }
}

/** The expected first occurrence: earliest (date, commit id), then shallowest path, then bytes. */
export function expectedFirst(occ: readonly Occurrence[]): Occurrence {
  const best = [...occ].sort(
    (x, y) =>
      x.date - y.date ||
      (x.commit < y.commit ? -1 : x.commit > y.commit ? 1 : 0) ||
      depth(x.path) - depth(y.path) ||
      Buffer.compare(Buffer.from(x.path, 'latin1'), Buffer.from(y.path, 'latin1')),
  )
  return best[0]!
}

function depth(path: string): number {
  return path === '' ? -1 : path.split('/').length
}

/**
 * Checks the first occurrence an archive gives for every object git saw against
 * {@link expectedFirst}: its revision, date, path, and origin, the first repository of `order`
 * (indexes into `origins`) whose history holds that revision.
 */
export async function expectFirstsFromGit(
  truth: GitTruth,
  provenanceFirst: (swhids: CoreSwhid[]) => Promise<(ProvenanceOccurrence | null)[]>,
  origins: readonly string[],
  order: readonly number[],
): Promise<void> {
  const entries = [...truth.objects]
  const firsts = await provenanceFirst(
    entries.map(([id, o]): CoreSwhid => ({ type: o.type === 'blob' ? 'cnt' : 'dir', id })),
  )
  entries.forEach(([id, o], i) => {
    const want = expectedFirst(o.occ)
    const holder = order.find((ri) => truth.repos.get(want.commit)!.has(ri))!
    const got = firsts[i]
    expect(got, `${o.type} ${id}`).not.toBeNull()
    expect(
      {
        rev: got!.anchor?.id,
        date: got!.date?.getTime(),
        path: Buffer.from(got!.path!).toString('latin1'),
        origin: got!.origin,
      },
      `${o.type} ${id}`,
    ).toEqual({
      rev: want.commit,
      date: want.date * 1000,
      path: want.path,
      origin: origins[holder],
    })
  })
}
