/**
 * The root-directory resolver (src/storage/roots.ts) on a real repository loaded by the git
 * loader: every expected tree comes from git itself (`rev-parse X^{tree}`).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { NotFoundError } from '../../src/errors.js'
import { utf8 } from '../../src/model/index.js'
import {
  describeNoRoot,
  resolveOriginRoot,
  resolveRoot,
  resolveSnapshotBranch,
} from '../../src/storage/index.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { archiveRepo, type GitArchive, gitIn, openGitArchive } from '../helpers/vault-git.js'

const ORIGIN = 'https://example.org/roots.git'
let a: GitArchive
let root: string
let repo: string
let snapshot: string

beforeAll(async () => {
  root = makeTemp('arca-roots-')
  repo = join(root, 'r')
  git(root, ['init', '-q', '-b', 'trunk', repo])
  writeFileSync(join(repo, 'a.txt'), 'one\n')
  git(repo, ['add', '.'])
  git(repo, ['commit', '-q', '-m', 'one'])
  git(repo, ['tag', '-a', '-m', 'first', 'v1'])
  git(repo, ['-c', 'advice.nestedTag=false', 'tag', '-a', '-m', 'of a tag', 'v1-again', 'v1'])
  writeFileSync(join(repo, 'b.txt'), 'two\n')
  git(repo, ['add', '.'])
  git(repo, ['commit', '-q', '-m', 'two'])
  git(repo, ['branch', 'master', 'HEAD~1'])
  a = await openGitArchive()
  snapshot = await archiveRepo(a, repo, ORIGIN)
}, 60_000)

afterAll(async () => {
  await a?.close()
  if (root) removeTemp(root)
})

const tree = (rev: string): string => gitIn(repo, ['rev-parse', `${rev}^{tree}`])

describe('resolveRoot', () => {
  it("a snapshot: HEAD's tree (an alias of refs/heads/trunk), with the commit and branch", async () => {
    const found = await resolveRoot(a.archive.storage, { type: 'snp', id: snapshot })
    expect('root' in found && found.root.directory).toBe(tree('trunk'))
    if (!('root' in found)) return
    expect(found.root.revision?.id).toBe(gitIn(repo, ['rev-parse', 'trunk']))
    expect(Buffer.from(found.root.branch!).toString()).toBe('HEAD')
    expect(found.root.release).toBeNull()
  })

  it('branches named by the caller are tried in order; none present is an answer', async () => {
    const s = a.archive.storage
    const found = await resolveRoot(
      s,
      { type: 'snp', id: snapshot },
      { branches: [utf8('refs/heads/nope'), utf8('refs/heads/master')] },
    )
    expect('root' in found && found.root.directory).toBe(tree('master'))
    const none = await resolveRoot(
      s,
      { type: 'snp', id: snapshot },
      { branches: [utf8('refs/heads/nope')] },
    )
    expect('none' in none && none.none.kind).toBe('no-branch')
    if ('none' in none) expect(describeNoRoot(none.none)).toContain('"refs/heads/nope"')
  })

  it('a release of a release is followed down to its commit', async () => {
    const id = gitIn(repo, ['rev-parse', 'v1-again'])
    const found = await resolveRoot(a.archive.storage, { type: 'rel', id })
    expect('root' in found && found.root.directory).toBe(tree('v1'))
    if ('root' in found) expect(found.root.release).toBe(id)
  })

  it('a revision and a directory; a content is an answer, a missing object an error', async () => {
    const s = a.archive.storage
    const rev = gitIn(repo, ['rev-parse', 'trunk~1'])
    const r = await resolveRoot(s, { type: 'rev', id: rev })
    expect('root' in r && r.root.directory).toBe(tree('trunk~1'))
    const d = await resolveRoot(s, { type: 'dir', id: tree('trunk') })
    expect('root' in d && d.root.directory).toBe(tree('trunk'))
    const blob = gitIn(repo, ['rev-parse', 'trunk:a.txt'])
    const c = await resolveRoot(s, { type: 'cnt', id: blob })
    expect('none' in c && c.none.kind).toBe('content')
    await expect(resolveRoot(s, { type: 'rel', id: 'f'.repeat(40) })).rejects.toThrow(NotFoundError)
    await expect(resolveRoot(s, { type: 'snp', id: 'e'.repeat(40) })).rejects.toThrow(
      /swh:1:snp:e{40} not found/,
    )
  })

  it("an origin: its latest visit's snapshot; an unvisited origin has none", async () => {
    const s = a.archive.storage
    const found = await resolveOriginRoot(s, ORIGIN)
    expect('root' in found && found.root.directory).toBe(tree('trunk'))
    const none = await resolveOriginRoot(s, 'https://example.org/never.git')
    expect('none' in none && none.none.kind).toBe('no-snapshot')
  })

  it('resolveSnapshotBranch follows HEAD to the branch it names', async () => {
    const b = await resolveSnapshotBranch(a.archive.storage, snapshot)
    expect('target' in b && b.target).toEqual({
      targetType: 'revision',
      target: gitIn(repo, ['rev-parse', 'trunk']),
    })
  })
})
