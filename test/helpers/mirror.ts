/**
 * Shared set-up of the mirror suites (mirror*.test.ts): an upstream archive served in the test
 * process, `arca mirror` child processes, and the judge of a mirror against git (per origin,
 * the latest snapshot computed from the source repository's refs, and every object git reaches
 * from them present with git's content).
 */
import { type ChildProcess, spawn } from 'node:child_process'

import { expect } from 'vitest'

import { type Archive, openArchive } from '../../src/storage/archive.js'
import { TokenStore } from '../../src/web/auth/tokens.js'
import { type RunningServer, startServer } from '../../src/web/server.js'
import { checkArchive } from './archive-check.js'
import { arca, ARCA_BIN, arcaAsync, type CliResult } from './cli.js'
import {
  commitLinks,
  type ExpectedBranches,
  expectedBranches,
  objectBytes,
  parseTree,
  reachableObjects,
  snapshotId,
} from './git-expect.js'

/** An upstream: a data directory loaded with `arca save`, served in this process. */
export interface Upstream {
  dir: string
  archive: Archive
  server: RunningServer
  token: string
  close(): Promise<void>
}

export async function serveUpstream(dir: string, journalUrl?: string): Promise<Upstream> {
  const archive = await openArchive({ dataDir: dir, journalUrl })
  const token = (await new TokenStore(archive.backend.db).create('mirror', ['mirror'])).secret
  const server = await startServer({ archive, port: 0, rateLimits: { disabled: true } })
  return {
    dir,
    archive,
    server,
    token,
    async close() {
      await server.close()
      await archive.close()
    },
  }
}

export function save(dir: string, url: string, extra: string[] = []): void {
  const r = arca(['save', '--data', dir, ...extra, url])
  expect(r.status, r.stderr).toBe(0)
}

export function mirrorOnce(
  dir: string,
  upstream: string,
  token: string,
  extra: string[] = [],
): Promise<CliResult> {
  return arcaAsync([
    'mirror',
    '--data',
    dir,
    '--upstream',
    upstream,
    '--token',
    token,
    '--once',
    '--json',
    ...extra,
  ])
}

/** Runs `arca mirror` as a child process (for kills and concurrent checks). */
export function spawnMirror(
  dir: string,
  upstream: string,
  token: string,
  extra: string[] = [],
): ChildProcess {
  return spawn(
    process.execPath,
    [
      ARCA_BIN,
      'mirror',
      '--data',
      dir,
      '--upstream',
      upstream,
      '--token',
      token,
      '--once',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
}

export const exited = (p: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.exitCode)
    else p.once('exit', (code) => resolve(code))
  })

export async function counters(dir: string): Promise<Record<string, number>> {
  const a = await openArchive({ dataDir: dir })
  try {
    return { ...(await a.storage.statCounters()) }
  } finally {
    await a.close()
  }
}

/** Dangling edges and corrupt content files of `dir` (read-only; sound beside a writer). */
export async function problems(dir: string): Promise<string[]> {
  const a = await openArchive({ dataDir: dir })
  try {
    return await checkArchive(a)
  } finally {
    await a.close()
  }
}

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1')

/**
 * Judges the mirror in `dir` against git: its visited origins are exactly `repos` (`file://`);
 * per origin, the latest snapshot is the one git's refs give (id and branches), and every object
 * reachable from the refs is there with git's content.
 */
export async function expectMirrorOf(dir: string, repos: readonly string[]): Promise<void> {
  const a = await openArchive({ dataDir: dir })
  try {
    const s = a.storage
    // Origins visited (a submodule's URL is an origin with no visit of its own).
    const visited: string[] = []
    for (const o of (await s.originList({ limit: 1000 })).results)
      if (await s.originVisitGetLatest(o.url)) visited.push(o.url)
    expect(visited.sort()).toEqual(repos.map((r) => `file://${r}`).sort())
    for (const repo of repos) {
      const url = `file://${repo}`
      const expected = expectedBranches(repo)
      const latest = await s.originVisitGetLatest(url, { requireSnapshot: true })
      expect(latest?.status.snapshot, url).toBe(snapshotId(expected))
      const [snapshot] = await s.snapshotGet([latest!.status.snapshot!])
      const got: ExpectedBranches = new Map(
        snapshot!.branches.map((b) => [
          latin1(b.name),
          b.target === null
            ? null
            : b.target.targetType === 'alias'
              ? { type: 'alias', target: Buffer.from(b.target.target) }
              : { type: b.target.targetType, target: Buffer.from(b.target.target, 'hex') },
        ]),
      )
      expect(got, url).toEqual(expected)

      const objects = reachableObjects(repo)
      const ofType = (t: string): string[] => objects.filter((o) => o.type === t).map((o) => o.oid)
      expect(await s.releaseMissing(ofType('tag')), url).toEqual([])
      expect(await s.revisionMissing(ofType('commit')), url).toEqual([])
      expect(await s.directoryMissing(ofType('tree')), url).toEqual([])
      expect(await s.contentMissing(ofType('blob')), url).toEqual([])
      const links = commitLinks(repo)
      for (const r of await s.revisionGet(ofType('commit'))) {
        expect({ tree: r!.directory, parents: r!.parents }, r!.id).toEqual(links.get(r!.id))
      }
      const trees = objectBytes(repo, ofType('tree'))
      const byName = (x: { name: string }, y: { name: string }): number =>
        Buffer.compare(Buffer.from(x.name, 'latin1'), Buffer.from(y.name, 'latin1'))
      for (const d of await s.directoryGet(ofType('tree'))) {
        const entries = d!.entries
          .map((e) => ({ name: latin1(e.name), perms: e.perms, target: e.target }))
          .sort(byName)
        expect(entries, d!.id).toEqual(parseTree(trees.get(d!.id)!))
      }
      for (const [oid, bytes] of objectBytes(repo, ofType('blob'))) {
        expect(Buffer.from(await a.objstorage.getBytes(oid)).equals(bytes), oid).toBe(true)
      }
    }
  } finally {
    await a.close()
  }
}

/** Runs `check` in a loop until `done` resolves; returns every problem seen. */
export async function checkWhile(
  done: Promise<unknown>,
  check: () => Promise<string[]>,
): Promise<string[]> {
  let finished = false
  void done.finally(() => {
    finished = true
  })
  const seen: string[] = []
  let rounds = 0
  while (!finished || rounds === 0) {
    seen.push(...(await check()))
    rounds++
    await new Promise((r) => setTimeout(r, 20))
  }
  return seen
}
