/**
 * The git-bare bundle: cooked from archives of real repositories, unpacked with GNU tar, and
 * checked with git itself (fsck, refs, object ids, history) against the source repositories.
 */
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { MaskedError } from '../../src/errors.js'
import { parseCoreSwhid } from '../../src/model/index.js'
import { cookGitBare } from '../../src/vault/git/bare.js'
import { git, makeRichRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import {
  archiveRepo,
  type GitArchive,
  gitIn,
  openGitArchive,
  reachableObjects,
  refLines,
} from '../helpers/vault-git.js'

let tmp: string
let a: GitArchive
let rich: string
let snapshot: string

async function cook(swhid: string, name: string): Promise<string> {
  const tarPath = join(tmp, `${name}.tar`)
  const out = createWriteStream(tarPath)
  await cookGitBare(
    { storage: a.view.storage, objstorage: a.view.objstorage },
    parseCoreSwhid(swhid),
    out,
  )
  const dir = join(tmp, name)
  execFileSync('mkdir', ['-p', dir])
  execFileSync('tar', ['-xf', tarPath, '-C', dir])
  const [top] = readdirSync(dir)
  expect(top).toBe(`${swhid}.git`)
  return join(dir, top!)
}

/** fsck's findings, one per line, without the object-count noise. */
function fsck(repo: string, ...flags: string[]): string[] {
  try {
    execFileSync('git', ['-C', repo, 'fsck', '--no-dangling', ...flags], {
      encoding: 'latin1',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return []
  } catch (e) {
    const err = e as { stdout: string; stderr: string }
    return (err.stdout + err.stderr)
      .split('\n')
      .filter((l) => l && !l.startsWith('Checking') && !l.startsWith('dangling'))
      .sort()
  }
}

beforeAll(async () => {
  tmp = makeTemp('arca-git-bare-')
  rich = makeRichRepo(tmp)
  a = await openGitArchive()
  snapshot = await archiveRepo(a, rich, 'https://example.org/rich.git')
}, 120_000)

afterAll(async () => {
  await a?.close()
  if (tmp && !process.env.KEEP) removeTemp(tmp)
})

describe('git-bare bundle', () => {
  it('of a snapshot: every ref, every object id and the history of the source repository', async () => {
    const bare = await cook(`swh:1:snp:${snapshot}`, 'snp')
    expect(refLines(bare)).toEqual(refLines(rich))
    expect(gitIn(bare, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main')
    // Every object the source reaches is in the bundle, with the same id, and nothing else.
    const listed = gitIn(bare, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'])
      .split('\n')
      .sort()
    expect(listed).toEqual(reachableObjects(rich))
    for (const ref of ['main', 'feature', 'signed', 'odd', 'with-submodule', 'v1.0-again']) {
      expect(gitIn(bare, ['log', '--format=%H %T %P %an %ad %s', ref])).toBe(
        gitIn(rich, ['log', '--format=%H %T %P %an %ad %s', ref]),
      )
    }
    // The signed commit's bytes, gpgsig header included.
    expect(gitIn(bare, ['cat-file', 'commit', 'signed'])).toBe(
      gitIn(rich, ['cat-file', 'commit', 'signed']),
    )
    // fsck finds in the bundle what it finds in the source (its odd trees), nothing more.
    expect(fsck(bare, '--strict')).toEqual(fsck(rich, '--strict'))
    // A clone of the bundle checks out the source's tree.
    const clone = join(tmp, 'snp-clone')
    gitIn(tmp, ['clone', '-q', bare, clone])
    expect(gitIn(clone, ['rev-parse', 'HEAD^{tree}'])).toBe(git(rich, ['rev-parse', 'main^{tree}']))
    expect(gitIn(clone, ['status', '--porcelain'])).toBe('')
  })

  it('of a revision: refs/heads/master, its history only, fsck --strict clean', async () => {
    const head = git(rich, ['rev-parse', 'main'])
    const bare = await cook(`swh:1:rev:${head}`, 'rev')
    expect(refLines(bare)).toEqual([`${head} refs/heads/master`])
    expect(gitIn(bare, ['log', '--format=%H %T %s'])).toBe(
      gitIn(rich, ['log', '--format=%H %T %s', 'main']),
    )
    expect(fsck(bare, '--strict')).toEqual([])
    // The index is byte for byte the one git index-pack writes for the pack.
    const pack = readdirSync(join(bare, 'objects/pack')).find((f) => f.endsWith('.pack'))!
    const idx = join(tmp, 'rev-reindexed.idx')
    gitIn(bare, ['index-pack', '-o', idx, join('objects/pack', pack)])
    expect(readFileSync(idx)).toEqual(
      readFileSync(join(bare, 'objects/pack', pack.replace(/pack$/, 'idx'))),
    )
    const listed = gitIn(bare, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'])
      .split('\n')
      .sort()
    const expected = gitIn(rich, ['rev-list', '--objects', 'main'])
      .split('\n')
      .map((l) => l.slice(0, 40))
      .sort()
    expect(listed).toEqual(expected)
  })

  it('of a release: the tag under its name, master at the tagged commit', async () => {
    const tag = git(rich, ['rev-parse', 'v1.0'])
    const bare = await cook(`swh:1:rel:${tag}`, 'rel')
    expect(refLines(bare)).toEqual(
      [
        `${git(rich, ['rev-parse', 'v1.0^{commit}'])} refs/heads/master`,
        `${tag} refs/tags/v1.0`,
      ].sort(),
    )
    expect(gitIn(bare, ['cat-file', 'tag', 'v1.0'])).toBe(gitIn(rich, ['cat-file', 'tag', 'v1.0']))
    expect(fsck(bare, '--strict')).toEqual([])
  })

  it('of a directory: one commit of it on master', async () => {
    const tree = git(rich, ['rev-parse', 'main^{tree}'])
    const bare = await cook(`swh:1:dir:${tree}`, 'dir')
    expect(gitIn(bare, ['rev-parse', 'master^{tree}'])).toBe(tree)
    expect(gitIn(bare, ['log', '--format=%s'])).toBe('Initial commit')
    expect(fsck(bare, '--strict')).toEqual([])
  })

  it('refuses a masked object, naming it', async () => {
    const secret = git(rich, ['rev-parse', 'main:README'])
    await a.archive.backend.maskSet('req-1', 'takedown', [`swh:1:cnt:${secret}`], 'restricted')
    try {
      const out = createWriteStream(join(tmp, 'masked.tar'))
      // opened before the cook fails, so that no late open outlives the test's directory
      await once(out, 'open')
      await expect(
        cookGitBare(
          { storage: a.view.storage, objstorage: a.view.objstorage },
          parseCoreSwhid(`swh:1:snp:${snapshot}`),
          out,
        ),
      ).rejects.toBeInstanceOf(MaskedError)
      out.destroy()
      if (!out.closed) await once(out, 'close')
    } finally {
      await a.archive.backend.maskSet('req-1', 'lifted', [`swh:1:cnt:${secret}`], null)
    }
  })
})
