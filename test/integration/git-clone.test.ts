/**
 * `git clone` from the archive: the real git client against `arca`'s web server (smart HTTP,
 * protocol v0 and v2), on archives of real repositories; everything compared with git's own
 * view of the source repositories.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type RunningServer, startServer } from '../../src/web/server.js'
import { git, gitEnvFixed, makeRichRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { archiveRepo, type GitArchive, gitIn, openGitArchive } from '../helpers/vault-git.js'

const run = promisify(execFile)

let tmp: string
let a: GitArchive
let server: RunningServer
let rich: string
let grow: string
const RICH = 'https://example.org/rich.git'
const GROW = 'https://example.org/grow'

/** Runs git (asynchronously: the server answers in this process). */
async function g(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const r = await run('git', args, {
    cwd: tmp,
    env: gitEnvFixed(env),
    encoding: 'latin1',
    maxBuffer: 1 << 26,
  })
  return { stdout: r.stdout.trim(), stderr: r.stderr }
}

function sourceBranches(repo: string): string[] {
  return gitIn(repo, [
    'for-each-ref',
    '--format=%(objectname) %(refname)',
    'refs/heads',
    'refs/tags',
  ])
    .split('\n')
    .map((l) => l.replace(' refs/heads/', ' refs/remotes/origin/'))
    .sort()
}

function cloneRefs(clone: string): string[] {
  return gitIn(clone, [
    'for-each-ref',
    '--format=%(objectname) %(refname)',
    'refs/remotes',
    'refs/tags',
  ])
    .split('\n')
    .filter((l) => !l.endsWith('refs/remotes/origin/HEAD'))
    .sort()
}

beforeAll(async () => {
  tmp = makeTemp('arca-git-clone-')
  rich = makeRichRepo(tmp)
  grow = join(tmp, 'grow-src')
  git(tmp, ['init', '-q', '-b', 'main', grow])
  for (let i = 0; i < 5; i++) {
    writeFileSync(join(grow, `f${i}.txt`), `file ${i}\n`)
    git(grow, ['add', '-A'])
    git(grow, ['commit', '-q', '-m', `commit ${i}`])
  }
  a = await openGitArchive()
  await archiveRepo(a, rich, RICH)
  await archiveRepo(a, grow, GROW)
  server = await startServer({ archive: a.archive, port: 0 })
}, 120_000)

afterAll(async () => {
  await server?.close()
  await a?.close()
  if (tmp) removeTemp(tmp)
})

describe.each([
  ['v2', '2'],
  ['v0', '0'],
])('git clone of an origin, protocol %s', (name, version) => {
  it('has every branch and tag, HEAD, the trees of the source; fsck is clean', async () => {
    const dest = join(tmp, `rich-${name}`)
    await g(['-c', `protocol.version=${version}`, 'clone', '-q', `${server.url}/git/${RICH}`, dest])
    expect(gitIn(dest, ['rev-parse', 'HEAD'])).toBe(git(rich, ['rev-parse', 'main']))
    expect(gitIn(dest, ['rev-parse', 'HEAD^{tree}'])).toBe(git(rich, ['rev-parse', 'main^{tree}']))
    expect(gitIn(dest, ['symbolic-ref', 'refs/remotes/origin/HEAD'])).toBe(
      'refs/remotes/origin/main',
    )
    expect(cloneRefs(dest)).toEqual(sourceBranches(rich))
    expect(gitIn(dest, ['log', '--format=%H %T', 'origin/signed'])).toBe(
      git(rich, ['log', '--format=%H %T', 'signed']),
    )
    expect(gitIn(dest, ['status', '--porcelain'])).toBe('')
    // The source's odd trees are reported alike; nothing else.
    const fsck = async (repo: string) => {
      try {
        await run('git', ['-C', repo, 'fsck', '--no-dangling'], { env: gitEnvFixed() })
        return ''
      } catch (e) {
        return (e as { stderr: string }).stderr.split('\n').sort().join('\n')
      }
    }
    expect(await fsck(dest)).toBe(await fsck(rich))
  })

  it('--depth 1: one commit, shallow at HEAD; then --depth 3 deepens it', async () => {
    const dest = join(tmp, `shallow-${name}`)
    await g([
      '-c',
      `protocol.version=${version}`,
      'clone',
      '-q',
      '--depth',
      '1',
      `${server.url}/git/${GROW}`,
      dest,
    ])
    expect(gitIn(dest, ['rev-parse', 'HEAD'])).toBe(git(grow, ['rev-parse', 'main']))
    expect(gitIn(dest, ['rev-list', '--count', 'HEAD'])).toBe('1')
    expect(gitIn(dest, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    expect(gitIn(dest, ['rev-parse', 'HEAD^{tree}'])).toBe(git(grow, ['rev-parse', 'main^{tree}']))
    await run('git', ['-C', dest, 'fsck'], { env: gitEnvFixed() })
    // Deeper: the client's shallow commit gets its parents ("unshallow").
    await g(['-C', dest, '-c', `protocol.version=${version}`, 'fetch', '-q', '--depth', '3'])
    expect(gitIn(dest, ['rev-list', '--count', 'origin/main'])).toBe('3')
    expect(gitIn(dest, ['log', '--format=%H %T', 'origin/main'])).toBe(
      git(grow, ['log', '--format=%H %T', '-3', 'main']),
    )
    await run('git', ['-C', dest, 'fsck'], { env: gitEnvFixed() })
  })
})

describe('git clone of a SWHID', () => {
  it('checks out exactly that revision', async () => {
    const feature = git(rich, ['rev-parse', 'feature'])
    const dest = join(tmp, 'swhid-rev')
    await g(['clone', '-q', `${server.url}/git/swh:1:rev:${feature}`, dest])
    expect(gitIn(dest, ['rev-parse', 'HEAD'])).toBe(feature)
    expect(gitIn(dest, ['log', '--format=%H %T %P'])).toBe(
      git(rich, ['log', '--format=%H %T %P', 'feature']),
    )
  })

  it('of a release: the tag and its commit', async () => {
    const tag = git(rich, ['rev-parse', 'v1.0'])
    const dest = join(tmp, 'swhid-rel')
    await g(['-c', 'protocol.version=0', 'clone', '-q', `${server.url}/git/swh:1:rel:${tag}`, dest])
    expect(gitIn(dest, ['rev-parse', 'HEAD'])).toBe(git(rich, ['rev-parse', 'v1.0^{commit}']))
    expect(gitIn(dest, ['rev-parse', 'refs/tags/v1.0'])).toBe(tag)
  })
})

describe('git fetch after a new visit', () => {
  it('negotiates with haves and gets the new commit', async () => {
    const clones = { '2': join(tmp, 'grow-clone-v2'), '0': join(tmp, 'grow-clone-v0') }
    for (const dest of Object.values(clones))
      await g(['clone', '-q', `${server.url}/git/${GROW}`, dest])
    const before = git(grow, ['rev-parse', 'main'])
    writeFileSync(join(grow, 'new.txt'), 'new\n')
    git(grow, ['add', '-A'])
    git(grow, ['commit', '-q', '-m', 'new commit'])
    await archiveRepo(a, grow, GROW)
    for (const [version, dest] of Object.entries(clones)) {
      const { stderr } = await run(
        'git',
        ['-C', dest, '-c', `protocol.version=${version}`, 'fetch', 'origin'],
        { env: gitEnvFixed({ GIT_TRACE_PACKET: '1' }), encoding: 'latin1' },
      )
      expect(gitIn(dest, ['rev-parse', 'origin/main'])).toBe(git(grow, ['rev-parse', 'main']))
      // The client told what it has, the server acknowledged it.
      expect(stderr).toMatch(new RegExp(`> have ${before}`))
      expect(stderr).toMatch(/< ACK [0-9a-f]{40}/)
      // Only the new commit, its tree and its new file came (a small pack is unpacked loose).
      expect(gitIn(dest, ['count-objects'])).toMatch(/^3 objects/)
      await run('git', ['-C', dest, 'fsck'], { env: gitEnvFixed() })
    }
  })
})

describe('browse pages', () => {
  it('show git clone commands that clone the origin and the revision shown', async () => {
    const res = await fetch(
      `${server.url}/browse/origin/directory/?origin_url=${encodeURIComponent(GROW)}`,
    )
    expect(res.status).toBe(200)
    const page = await res.text()
    const paths = [...page.matchAll(/data-clone-path="([^"]+)"/g)].map((m) => m[1]!)
    const head = git(grow, ['rev-parse', 'main'])
    expect(paths).toContain(`/git/${GROW}`)
    expect(paths).toContain(`/git/swh:1:rev:${head}`)
    for (const [i, path] of paths.entries()) {
      const dest = join(tmp, `from-page-${i}`)
      await g(['clone', '-q', `${server.url}${path}`, dest])
      expect(gitIn(dest, ['rev-parse', 'HEAD'])).toBe(head)
    }
  })
})

describe('takedowns', () => {
  it('a masked origin is refused with 403', async () => {
    const swhid = `swh:1:ori:${createHash('sha1').update(RICH).digest('hex')}`
    await a.archive.backend.maskSet('req-git', 'takedown', [swhid], 'restricted')
    try {
      const res = await fetch(`${server.url}/git/${RICH}/info/refs?service=git-upload-pack`)
      expect(res.status).toBe(403)
      await expect(
        g(['clone', '-q', `${server.url}/git/${RICH}`, join(tmp, 'masked')]),
      ).rejects.toThrow(/403/)
    } finally {
      await a.archive.backend.maskSet('req-git', 'lifted', [swhid], null)
    }
  })

  it('a masked revision, or a masked file in what would be sent, is refused with 403', async () => {
    const head = git(grow, ['rev-parse', 'main'])
    const rev = `swh:1:rev:${head}`
    await a.archive.backend.maskSet('req-rev', 'takedown', [rev], 'restricted')
    try {
      for (const v of ['0', '2']) {
        const res = await fetch(`${server.url}/git/${rev}/info/refs?service=git-upload-pack`, {
          headers: v === '2' ? { 'Git-Protocol': 'version=2' } : {},
        })
        expect(res.status).toBe(403)
      }
    } finally {
      await a.archive.backend.maskSet('req-rev', 'lifted', [rev], null)
    }
    // The refs are fine, the pack would hold a masked file: the POST is refused, git fails.
    const file = `swh:1:cnt:${git(grow, ['rev-parse', 'main:f0.txt'])}`
    await a.archive.backend.maskSet('req-cnt', 'takedown', [file], 'restricted')
    try {
      for (const v of ['0', '2']) {
        const dest = join(tmp, `masked-file-${v}`)
        await expect(
          g(['-c', `protocol.version=${v}`, 'clone', '-q', `${server.url}/git/${rev}`, dest]),
        ).rejects.toThrow(/403/)
      }
    } finally {
      await a.archive.backend.maskSet('req-cnt', 'lifted', [file], null)
    }
  })
})
