/**
 * The git loader against real repositories served by real servers on loopback: `git daemon`
 * (git://), `git http-backend` behind a CGI bridge (smart HTTP), file:// URLs and local paths.
 * Every object read back with `arca cat --batch` must equal `git cat-file --batch`, and the
 * snapshot must equal the one built from git's own listing of the source's refs
 * (test/helpers/snapshot-expect.ts, independent of Arca).
 */
import { spawn } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { checkArchive } from '../helpers/archive-check.js'
import { arca, ARCA_BIN } from '../helpers/cli.js'
import { type GitServer, startGitDaemon, startHttpBackend } from '../helpers/git-servers.js'
import {
  allObjects,
  git,
  makeBrokenRepo,
  makeDetachedRepo,
  makeEmptyRepo,
  makeHistoryRepo,
  makeManyBranchesRepo,
  makeRichRepo,
  makeTagsOnlyRepo,
  SWHID_OF_GIT,
} from '../helpers/repos.js'
import { expectedSnapshotSwhid } from '../helpers/snapshot-expect.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
let daemon: GitServer
let http: GitServer
let httpAuth: GitServer
let rich: string

interface SaveOutput {
  status: string
  snapshot: string | null
  visit: number
  eventful: boolean
  message: string | null
  stats: {
    contents: number
    directories: number
    revisions: number
    releases: number
    fetchedObjects: number
  }
  missing: string[]
  submodules: string[]
}

function save(
  data: string,
  url: string,
  extra: string[] = [],
): SaveOutput & { exit: number | null; stderr: string } {
  const r = arca(['save', '--json', '--data', data, ...extra, url])
  if (!r.stdout.trim()) throw new Error(`arca save printed nothing: ${r.stderr}`)
  return { ...(JSON.parse(r.stdout) as SaveOutput), exit: r.status, stderr: r.stderr }
}

/** Compares every object of `repo` with what the archive returns, byte for byte. */
function expectSameObjects(
  data: string,
  repo: string,
  exclude: ReadonlySet<string> = new Set(),
): number {
  const objects = allObjects(repo).filter((o) => !exclude.has(o.oid))
  if (objects.length === 0) return 0
  const swhids = objects.map((o) => `swh:1:${SWHID_OF_GIT[o.type]}:${o.oid}`).join('\n') + '\n'
  const fromArca = arca(['cat', '--batch', '--data', data], { input: Buffer.from(swhids) })
  expect(fromArca.status, fromArca.stderr).toBe(0)
  const fromGit = git(repo, ['cat-file', '--batch'], {
    input: objects.map((o) => o.oid).join('\n') + '\n',
  })
  const arcaText = fromArca.stdoutBytes.toString('latin1').trim()
  // Compare object by object for a readable failure.
  const split = (t: string): string[] => t.split(/\n(?=[0-9a-f]{40} )/)
  const a = split(arcaText)
  const g = split(fromGit)
  expect(a.length).toBe(g.length)
  for (let i = 0; i < g.length; i++)
    expect(a[i], `object ${objects[i]!.oid} (${objects[i]!.type})`).toBe(g[i])
  return objects.length
}

beforeAll(async () => {
  root = makeTemp('arca-repos-')
  rich = makeRichRepo(root)
  makeEmptyRepo(root)
  makeTagsOnlyRepo(root)
  makeDetachedRepo(root)
  daemon = await startGitDaemon(root)
  http = await startHttpBackend(root)
  httpAuth = await startHttpBackend(root, { requireAuthPrefix: 'rich' })
}, 60_000)

afterAll(async () => {
  await daemon?.stop()
  await http?.stop()
  await httpAuth?.stop()
  removeTemp(root)
})

describe('git loader: transports and lossless objects', () => {
  for (const transport of ['git', 'http', 'file', 'path'] as const) {
    it(`archives a rich repository over ${transport} with every object equal to git's`, () => {
      const data = makeTemp('arca-data-')
      try {
        const url =
          transport === 'git'
            ? `${daemon.url}/rich`
            : transport === 'http'
              ? `${http.url}/rich`
              : transport === 'file'
                ? `file://${rich}`
                : rich
        const r = save(data, url)
        expect(r.status, r.message ?? '').toBe('full')
        expect(r.exit).toBe(0)
        expect(`swh:1:snp:${r.snapshot}`).toBe(expectedSnapshotSwhid(rich))
        expect(r.submodules).toEqual([
          transport === 'path'
            ? pathToFileURL(join(root, 'library.git')).href
            : url
                .replace(/\/rich$/, '/library.git')
                .replace(/^file:\/\/.*$/, `file://${join(root, 'library.git')}`),
        ])
        const n = expectSameObjects(data, rich)
        expect(n).toBeGreaterThan(30)
        expect(readdirSync(join(data, 'tmp'))).toEqual([])
      } finally {
        removeTemp(data)
      }
    })
  }

  for (const [name, label] of [
    ['empty', 'an empty repository'],
    ['tags-only', 'a repository with tags only'],
    ['detached', 'a detached HEAD'],
  ] as const) {
    it(`archives ${label} with the snapshot git's refs give`, () => {
      const data = makeTemp('arca-data-')
      try {
        const r = save(data, `${http.url}/${name}`)
        expect(r.status, r.message ?? '').toBe('full')
        expect(`swh:1:snp:${r.snapshot}`).toBe(expectedSnapshotSwhid(join(root, name)))
        expectSameObjects(data, join(root, name))
      } finally {
        removeTemp(data)
      }
    })
  }

  it('archives 10,000 branches', () => {
    const repo = makeManyBranchesRepo(root, 10_000)
    const data = makeTemp('arca-data-')
    try {
      const r = save(data, `${daemon.url}/many`)
      expect(r.status, r.message ?? '').toBe('full')
      expect(`swh:1:snp:${r.snapshot}`).toBe(expectedSnapshotSwhid(repo))
      expect(r.stats.revisions).toBe(10_000)
      const visits = arca(['visits', '--data', data, `${daemon.url}/many`])
      expect(visits.stdout).toMatch(/^1\t.*\tgit\tfull\tswh:1:snp:/)
    } finally {
      removeTemp(data)
    }
  }, 300_000)
})

describe('git loader: incremental re-visits', () => {
  it('an unchanged re-visit stores nothing; one new commit brings only its objects', () => {
    const repo = makeHistoryRepo(root, 30, 5, 'incremental')
    const data = makeTemp('arca-data-')
    try {
      const url = `${http.url}/incremental`
      const first = save(data, url)
      expect(first.status).toBe('full')
      expect(first.stats.revisions).toBe(30)
      const again = save(data, url)
      expect(again.status).toBe('full')
      expect(again.eventful).toBe(false)
      expect(again.snapshot).toBe(first.snapshot)
      expect(again.stats).toMatchObject({
        contents: 0,
        directories: 0,
        revisions: 0,
        fetchedObjects: 0,
      })
      // One new commit changing one file in one directory.
      const parent = git(repo, ['rev-parse', 'main'])
      const work = makeTemp('arca-work-')
      try {
        git(work, ['clone', '-q', repo, '.'])
        git(work, ['-c', 'core.autocrlf=false', 'config', 'user.name', 'x'])
        writeFileSync(join(work, 'd0', 'f0.txt'), 'changed\n')
        git(work, ['commit', '-q', '-am', 'one more'])
        git(work, ['push', '-q', 'origin', 'HEAD:main'])
      } finally {
        removeTemp(work)
      }
      expect(git(repo, ['rev-parse', 'main^'])).toBe(parent)
      const third = save(data, url)
      expect(third.status).toBe('full')
      expect(third.eventful).toBe(true)
      // The commit, its root tree, the changed sub-tree and the new blob: nothing else.
      expect(third.stats).toMatchObject({ revisions: 1, directories: 2, contents: 1 })
      expect(third.stats.fetchedObjects).toBe(4)
      expect(`swh:1:snp:${third.snapshot}`).toBe(expectedSnapshotSwhid(repo))
    } finally {
      removeTemp(data)
    }
  })

  it('a fork brings only what the origin it forks lacks (--fork-of)', () => {
    const data = makeTemp('arca-data-')
    try {
      const base = save(data, `${daemon.url}/incremental`)
      expect(base.status).toBe('full')
      const fork = save(data, `${http.url}/incremental`, ['--fork-of', `${daemon.url}/incremental`])
      expect(fork.status).toBe('full')
      expect(fork.stats.fetchedObjects).toBe(0)
      expect(fork.snapshot).toBe(base.snapshot)
    } finally {
      removeTemp(data)
    }
  })
})

describe('git loader: failures', () => {
  it('an unknown URL is not_found, with a message', () => {
    const data = makeTemp('arca-data-')
    try {
      for (const url of [
        `${daemon.url}/nope`,
        `${http.url}/nope`,
        join(root, 'nope'),
        `file://${join(root, 'nope')}`,
      ]) {
        const r = save(data, url)
        expect(r.status, url).toBe('not_found')
        expect(r.exit).toBe(2)
        expect(r.message).toMatch(/not found|does not appear|not exported|denied/i)
      }
    } finally {
      removeTemp(data)
    }
  })

  it('authentication required is not_found, with a message', () => {
    const data = makeTemp('arca-data-')
    try {
      const r = save(data, `${httpAuth.url}/rich`)
      expect(r.status).toBe('not_found')
      expect(r.message).toMatch(/authentication/)
    } finally {
      removeTemp(data)
    }
  })

  it('a source with a missing object ends partial, naming it, with everything else archived', () => {
    const { repo, missing } = makeBrokenRepo(root)
    const data = makeTemp('arca-data-')
    try {
      const r = save(data, repo)
      expect(r.status).toBe('partial')
      expect(r.exit).toBe(1)
      // The remote cannot pack the broken branch: the visit names the ref and its tip.
      const bad = git(repo, ['rev-parse', 'bad'])
      expect(r.message).toContain('refs/heads/bad')
      expect(r.message).toContain(bad)
      expect(r.missing).toContain(bad)
      void missing
      const good = git(repo, ['rev-parse', 'main'])
      expect(arca(['cat', '--data', data, `swh:1:rev:${good}`]).status).toBe(0)
    } finally {
      removeTemp(data)
    }
  })

  it('a dropped connection fails the visit without storing anything; a rerun finishes', async () => {
    const dropping = await startHttpBackend(root, { dropAfterBytes: 2000 })
    const data = makeTemp('arca-data-')
    try {
      makeHistoryRepo(root, 200, 5, 'dropped')
      const r = save(data, `${dropping.url}/dropped`)
      expect(r.status).toBe('failed')
      const archive = await openArchive({ dataDir: data })
      try {
        expect((await archive.storage.statCounters()).revision).toBe(0)
      } finally {
        await archive.close()
      }
      const again = save(
        data,
        `${dropping.url.replace(/:\d+$/, `:${new URL(http.url).port}`)}/dropped`,
      )
      expect(again.status).toBe('full')
      expect(readdirSync(join(data, 'tmp'))).toEqual([])
    } finally {
      await dropping.stop()
      removeTemp(data)
    }
  })

  it('a load killed at any point is never full and a rerun finishes', async () => {
    const repo = makeHistoryRepo(root, 600, 6, 'killed')
    for (const delay of [150, 400, 700, 1000]) {
      const data = makeTemp('arca-data-')
      try {
        await new Promise<void>((resolve) => {
          const child = spawn(process.execPath, [ARCA_BIN, 'save', '--data', data, repo], {
            stdio: 'ignore',
          })
          const t = setTimeout(() => child.kill('SIGKILL'), delay)
          child.on('exit', () => {
            clearTimeout(t)
            resolve()
          })
        })
        const archive = await openArchive({ dataDir: data })
        try {
          expect(await checkArchive(archive)).toEqual([])
          const latest = await archive.storage.originVisitGetLatest(pathToFileURL(repo).href)
          if (latest) expect(latest.status.status).not.toBe('full')
        } finally {
          await archive.close()
        }
        const r = save(data, repo)
        expect(r.status).toBe('full')
        expect(`swh:1:snp:${r.snapshot}`).toBe(expectedSnapshotSwhid(repo))
      } finally {
        removeTemp(data)
      }
    }
  }, 300_000)
})
