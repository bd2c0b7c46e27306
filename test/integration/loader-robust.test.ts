/**
 * The git loader when things go wrong: a remote with a missing object (re-visits, many
 * branches), a corrupt pack, a remote that stalls, a full disk, a load killed or interrupted.
 * Real repositories made by git, served by `git http-backend` or read over file://; what is
 * expected comes from git (refs, ids), the test server's own request log, and the file system.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { checkArchive } from '../helpers/archive-check.js'
import { arca, ARCA_BIN } from '../helpers/cli.js'
import { type GitServer, startHttpBackend } from '../helpers/git-servers.js'
import {
  git,
  gitEnvFixed,
  makeBrokenRepo,
  makeHistoryRepo,
  makeManyBranchesRepo,
} from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface SaveOutput {
  status: string
  snapshot: string | null
  message: string | null
  missing: string[]
  stats: { fetches: number; revisions: number }
}

let root: string

function save(
  data: string,
  url: string,
  extra: string[] = [],
): SaveOutput & { exit: number | null } {
  // A hung load must fail the test, not hang it.
  const r = arca(['save', '--json', '--data', data, ...extra, url], { timeout: 90_000 })
  if (!r.stdout.trim()) throw new Error(`arca save printed nothing (${r.status}): ${r.stderr}`)
  return { ...(JSON.parse(r.stdout) as SaveOutput), exit: r.status }
}

/** Every file under `dir` (relative paths). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) =>
    statSync(join(dir, p)).isFile(),
  )
}

/** Temporary or partial files left in the archive (content temps, scratch, index-pack's). */
function leftovers(data: string): string[] {
  const temps = filesUnder(join(data, 'objects'))
    .filter((p) => /(^|\/)\.tmp/.test(p))
    .map((p) => `objects/${p}`)
  const scratch = existsSync(join(data, 'tmp')) ? readdirSync(join(data, 'tmp')) : []
  return [...temps, ...scratch.map((s) => `tmp/${s}`)]
}

/** `git rev-parse` of every branch of `repo`, by ref name. */
function branchTips(repo: string): Map<string, string> {
  const out = git(repo, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads'])
  return new Map(out.split('\n').map((l) => l.split(' ') as [string, string]))
}

/** Adds a branch `bad` whose commit needs a blob that is then deleted from the repository. */
function addBrokenBranch(repo: string): string {
  const blob = git(repo, ['hash-object', '-w', '--stdin'], { input: 'this blob will be lost\n' })
  const tree = git(repo, ['mktree'], { input: `100644 blob ${blob}\tlost\n` })
  const commit = git(repo, ['commit-tree', tree, '-m', 'bad'])
  git(repo, ['update-ref', 'refs/heads/bad', commit])
  execFileSync('rm', [join(repo, 'objects', blob.slice(0, 2), blob.slice(2))])
  return commit
}

/** Spawns `arca save` and resolves once its scratch directory exists (the load is under way). */
function startSave(
  data: string,
  url: string,
  extra: string[] = [],
): Promise<ReturnType<typeof spawn>> {
  const child = spawn(process.execPath, [ARCA_BIN, 'save', '--data', data, ...extra, url], {
    stdio: 'ignore',
  })
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (child.exitCode !== null) return reject(new Error('the save ended before it was killed'))
      const tmp = join(data, 'tmp')
      if (existsSync(tmp) && readdirSync(tmp).some((n) => n.startsWith('git-'))) resolve(child)
      else setTimeout(poll, 5)
    }
    poll()
  })
}

function exitOf(
  child: ReturnType<typeof spawn>,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      return resolve({ code: child.exitCode, signal: child.signalCode })
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
}

beforeAll(() => {
  root = makeTemp('arca-robust-')
})

afterAll(() => {
  removeTemp(root)
})

describe('git loader: a remote that lacks an object', () => {
  it('a re-visit after a partial visit is partial again, with a snapshot', () => {
    const { repo } = makeBrokenRepo(root, 'revisit')
    const data = makeTemp('arca-data-')
    try {
      const first = save(data, repo)
      expect(first.status).toBe('partial')
      expect(first.snapshot).not.toBeNull()
      const again = save(data, repo)
      expect(again.status, again.message ?? '').toBe('partial')
      expect(again.exit).toBe(1)
      expect(again.snapshot).toBe(first.snapshot)
      expect(again.message).toContain('refs/heads/bad')
      expect(again.missing).toContain(git(repo, ['rev-parse', 'bad']))
    } finally {
      removeTemp(data)
    }
  })

  it('one broken branch among 64 costs a logarithmic number of fetches', async () => {
    const repo = makeManyBranchesRepo(root, 63, 'many-broken.git')
    const bad = addBrokenBranch(repo)
    const log = join(root, 'requests.log')
    writeFileSync(log, '')
    const server: GitServer = await startHttpBackend(root, { logFile: log })
    const data = makeTemp('arca-data-')
    try {
      const r = save(data, `${server.url}/many-broken.git`)
      expect(r.status).toBe('partial')
      expect(r.missing).toEqual([bad])
      // Every other branch is archived.
      const tips = branchTips(repo)
      const good = [...new Set([...tips.values()])].filter((t) => t !== bad)
      expect(good).toHaveLength(63)
      const archive = await openArchive({ dataDir: data })
      try {
        expect(await archive.storage.revisionMissing(good)).toEqual([])
      } finally {
        await archive.close()
      }
      // Fetch requests as the server saw them: the first (all 64 wants), then two per halving
      // level at most; fetching tip by tip would take 65.
      const fetches = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.endsWith(' fetch')).length
      expect(fetches).toBeGreaterThan(1)
      expect(fetches).toBeLessThanOrEqual(1 + 2 * Math.log2(64))
      expect(r.stats.fetches).toBe(fetches)
    } finally {
      await server.stop()
      removeTemp(data)
    }
  }, 120_000)
})

describe('git loader: every transfer ends', () => {
  it('a corrupt pack on the remote ends the visit with a message, leaving nothing behind', () => {
    const repo = makeHistoryRepo(root, 150, 4, 'corrupt.git')
    for (let i = 1; i <= 30; i++) git(repo, ['update-ref', `refs/heads/b${i}`, `main~${i * 4}`])
    git(repo, ['repack', '-adq'])
    const pack = readdirSync(join(repo, 'objects', 'pack')).find((n) => n.endsWith('.pack'))!
    const path = join(repo, 'objects', 'pack', pack)
    const bytes = readFileSync(path)
    // Overwrite the middle of the pack (zlib streams of many objects) with garbage.
    bytes.fill(0x5a, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 8192)
    writeFileSync(path, bytes)
    const data = makeTemp('arca-data-')
    try {
      const r = save(data, `file://${repo}`)
      expect(['failed', 'partial']).toContain(r.status)
      expect(r.message).toMatch(/invalid|corrupt/i)
      expect(r.stats.fetches).toBeLessThanOrEqual(2 + 2 * Math.ceil(Math.log2(31)) + 1)
      expect(leftovers(data)).toEqual([])
    } finally {
      removeTemp(data)
    }
  }, 120_000)

  it('a remote that stops sending is given up after the stall timeout', async () => {
    makeHistoryRepo(root, 300, 6, 'stalled.git')
    const server = await startHttpBackend(root, { stallAfterBytes: 4000 })
    const data = makeTemp('arca-data-')
    try {
      const r = save(data, `${server.url}/stalled.git`, ['--stall-timeout', '1'])
      expect(r.status).toBe('failed')
      expect(r.exit).toBe(2)
      expect(r.message).toMatch(/sent nothing for 1 s \(stall timeout\)/)
      expect(leftovers(data)).toEqual([])
    } finally {
      await server.stop()
      removeTemp(data)
    }
  }, 120_000)
})

describe('git loader: leftovers of killed and interrupted loads', () => {
  it('after kill -9, the next opening removes the dead process’s scratch and temporary files', async () => {
    const repo = makeHistoryRepo(root, 400, 6, 'killed.git')
    const data = makeTemp('arca-data-')
    try {
      // The file store's temporaries are what this is about: that store, explicitly.
      const files = ['--objstorage', 'files']
      const child = await startSave(data, repo, files)
      child.kill('SIGKILL')
      await exitOf(child)
      expect(readdirSync(join(data, 'tmp')).length).toBeGreaterThan(0)
      // Content temporaries: one of a process that is gone, one of a live process (this one).
      const dead = spawnSync('true').pid
      const tmpDir = join(data, 'objects', '.tmp')
      mkdirSync(tmpDir, { recursive: true })
      const deadTemp = `${dead}.x1.${'a'.repeat(40)}`
      const liveTemp = `${process.pid}.x2.${'b'.repeat(40)}`
      writeFileSync(join(tmpDir, deadTemp), 'partial')
      writeFileSync(join(tmpDir, liveTemp), 'being written')
      // Any opening of the archive sweeps (here: listing the visits).
      const visits = arca(['visits', '--data', data, ...files, repo])
      expect(visits.status, visits.stderr).toBe(0)
      expect(readdirSync(join(data, 'tmp'))).toEqual([])
      expect(readdirSync(tmpDir)).toEqual([liveTemp])
      const r = save(data, repo, files)
      expect(r.status).toBe('full')
      const archive = await openArchive({ dataDir: data, contentStore: 'files' })
      try {
        expect(await checkArchive(archive)).toEqual([])
      } finally {
        await archive.close()
      }
      expect(leftovers(data)).toEqual([`objects/.tmp/${liveTemp}`])
    } finally {
      removeTemp(data)
    }
  }, 120_000)

  it('SIGINT during a save ends the visit failed, removes the scratch directory, exits 130', async () => {
    const repo = makeHistoryRepo(root, 400, 6, 'interrupted.git')
    const data = makeTemp('arca-data-')
    try {
      const child = await startSave(data, repo)
      child.kill('SIGINT')
      const { code } = await exitOf(child)
      expect(code).toBe(130)
      expect(leftovers(data)).toEqual([])
      const archive = await openArchive({ dataDir: data })
      try {
        // A local path is archived as its absolute file:// URL.
        const latest = await archive.storage.originVisitGetLatest(pathToFileURL(repo).href)
        expect(latest?.status.status).toBe('failed')
        expect(JSON.stringify(latest?.status.metadata)).toMatch(/Interrupted by SIGINT/)
        expect(await checkArchive(archive)).toEqual([])
      } finally {
        await archive.close()
      }
      expect(save(data, repo).status).toBe('full')
    } finally {
      removeTemp(data)
    }
  }, 120_000)
})

describe('git loader: a full disk', () => {
  /** A bare repository of incompressible, deterministic files (about `kib` KiB in all). */
  function makeIncompressible(name: string, kib: number): string {
    const repo = join(root, name)
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env: gitEnvFixed() })
    const parts: string[] = []
    let seed = Buffer.from('arca')
    for (let i = 0; i < kib / 8; i++) {
      const chunks: Buffer[] = []
      for (let k = 0; k < 8 * 16; k++) {
        seed = createHash('sha512').update(seed).digest()
        chunks.push(seed.subarray(0, 48))
      }
      const content = Buffer.concat(chunks).toString('base64')
      parts.push(
        'commit refs/heads/main',
        `committer C <c@example.org> ${1700000000 + i} +0000`,
        `data 2`,
        `c${i % 10}`,
        `M 100644 inline f${i}.txt`,
        `data ${content.length}`,
        content,
        '',
      )
    }
    git(repo, ['fast-import', '--quiet'], { input: parts.join('\n') + '\n' })
    return repo
  }

  it('ENOSPC is a clear error (exit 2); nothing is left behind; the next save on free space works', async () => {
    const mnt = join(root, 'small-disk')
    mkdirSync(mnt)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt])
    if (mounted.status !== 0) {
      if (process.env['CI']) throw new Error(`cannot mount a tmpfs: ${String(mounted.stderr)}`)
      console.warn('skipped: mounting a tmpfs needs root')
      return
    }
    try {
      const repo = makeIncompressible('incompressible.git', 3000)
      const data = join(mnt, 'data')
      const first = arca(['save', '--data', data, repo], { timeout: 90_000 })
      expect(first.status, first.stderr).toBe(2)
      expect(first.stdout + first.stderr).toMatch(/no space left on device while writing/i)
      expect(leftovers(data)).toEqual([])
      // The archive still opens and answers.
      const visits = arca(['visits', '--data', data, repo])
      expect(visits.status, visits.stderr).toBe(0)
      // Once there is room, the next save completes.
      expect(spawnSync('mount', ['-o', 'remount,size=64m', mnt]).status).toBe(0)
      const again = save(data, repo)
      expect(again.status).toBe('full')
      expect(leftovers(data)).toEqual([])
      const archive = await openArchive({ dataDir: data })
      try {
        expect(await checkArchive(archive)).toEqual([])
      } finally {
        await archive.close()
      }
    } finally {
      spawnSync('umount', [mnt])
    }
  }, 180_000)
})
