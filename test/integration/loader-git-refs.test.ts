/**
 * Which refs become snapshot branches, as Software Heritage's git loader decides, so that a
 * snapshot SWHID cited from Software Heritage resolves here; and objects whose ids are written
 * in upper-case hex (git reads them). Real repositories made by git, served by `git daemon` and
 * `git http-backend` (protocol v2, and v0 for the git-binary fallback). The expected snapshot
 * ids are computed from git's own listing of the refs, filtered by the rules written out in
 * test/helpers/snapshot-expect.ts, and hashed by hand (SWHID spec §7).
 */
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import { type GitServer, startGitDaemon, startHttpBackend } from '../helpers/git-servers.js'
import {
  type ForgeRepo,
  makeDanglingHeadRepo,
  makeForgeRefsRepo,
  makeUpperHexRepo,
  type UpperHexRepo,
} from '../helpers/ref-repos.js'
import { git, makeEmptyRepo } from '../helpers/repos.js'
import { expectedBranches, snapshotId } from '../helpers/snapshot-expect.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

// ---- Servers and repositories.

let root: string
let daemon: GitServer
let http: GitServer
let httpV0: GitServer
let forge: ForgeRepo
let danglingHead: string
let empty: string
let upperHex: UpperHexRepo

beforeAll(async () => {
  root = makeTemp('arca-ref-repos-')
  forge = makeForgeRefsRepo(root)
  danglingHead = makeDanglingHeadRepo(root)
  empty = makeEmptyRepo(root)
  upperHex = makeUpperHexRepo(root)
  daemon = await startGitDaemon(root)
  http = await startHttpBackend(root)
  httpV0 = await startHttpBackend(root, { v0Only: true })
}, 60_000)

afterAll(async () => {
  await daemon?.stop()
  await http?.stop()
  await httpV0?.stop()
  removeTemp(root)
})

interface SaveOutput {
  status: string
  snapshot: string | null
  message: string | null
  missing: string[]
}

function save(data: string, url: string): SaveOutput {
  const r = arca(['save', '--json', '--data', data, url])
  if (!r.stdout.trim()) throw new Error(`arca save printed nothing: ${r.stderr}`)
  return JSON.parse(r.stdout) as SaveOutput
}

function identifySnapshot(repo: string): string {
  const r = arca(['identify', '--no-filename', '-t', 'snapshot', repo])
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.trim()
}

function archived(data: string, swhid: string): boolean {
  return arca(['cat', '--data', data, swhid]).status === 0
}

describe('snapshot branches follow Software Heritage', () => {
  it('the expectation is hashed as the spec says (empty snapshot vector)', () => {
    expect(snapshotId(new Map())).toBe('1a8893e6a86f444e8be8e7bda6cb34fb1735a00e')
  })

  it('the rules leave out the forge refs and nothing else', () => {
    expect([...expectedBranches(forge.repo, 'v2').keys()].sort()).toEqual([
      'HEAD',
      'refs/heads/feature',
      'refs/heads/latest',
      'refs/heads/main',
      'refs/merge-requests/2/head',
      'refs/notes/commits',
      'refs/pull/1/head',
      'refs/pull/1/merged',
      'refs/tags/light',
      'refs/tags/v1',
    ])
    const dangling = expectedBranches(danglingHead, 'v2')
    expect(dangling.get('HEAD')).toEqual({ type: 'alias', target: Buffer.from('refs/heads/gone') })
    expect(dangling.get('refs/heads/gone')).toBeNull()
    expect([...expectedBranches(empty, 'v2')]).toEqual([
      ['HEAD', { type: 'alias', target: Buffer.from('refs/heads/main') }],
      ['refs/heads/main', null],
    ])
  })

  const transports = [
    ['git daemon (v2)', 'v2', () => daemon.url],
    ['smart HTTP (v2)', 'v2', () => http.url],
    ['smart HTTP (v0, git fallback)', 'v0', () => httpV0.url],
  ] as const

  for (const [label, protocol, base] of transports) {
    it(`forge refs over ${label}: auto-merge, pipeline and change refs are left out, not fetched`, () => {
      const data = makeTemp('arca-data-')
      try {
        const r = save(data, `${base()}/forge`)
        expect(r.status, r.message ?? '').toBe('full')
        expect(r.snapshot).toBe(snapshotId(expectedBranches(forge.repo, protocol)))
        for (const [ref, oid] of Object.entries(forge.hidden))
          expect(archived(data, `swh:1:rev:${oid}`), `${ref} (${oid})`).toBe(false)
        const kept = git(forge.repo, ['rev-parse', 'refs/pull/1/merged'])
        expect(archived(data, `swh:1:rev:${kept}`)).toBe(true)
      } finally {
        removeTemp(data)
      }
    })

    for (const name of ['dangling-head', 'empty'] as const) {
      it(`${name} over ${label}: HEAD's missing target is a null branch`, () => {
        const data = makeTemp('arca-data-')
        try {
          const r = save(data, `${base()}/${name}`)
          expect(r.status, r.message ?? '').toBe('full')
          expect(r.snapshot).toBe(snapshotId(expectedBranches(join(root, name), protocol)))
        } finally {
          removeTemp(data)
        }
      })
    }
  }

  it('arca identify -t snapshot gives the same ids on the repositories themselves', () => {
    for (const repo of [forge.repo, danglingHead, empty])
      expect(identifySnapshot(repo)).toBe(`swh:1:snp:${snapshotId(expectedBranches(repo, 'v2'))}`)
  })
})

describe('ids written in upper-case hex', () => {
  for (const [label, base] of [
    ['git daemon', () => daemon.url],
    ['smart HTTP (v0, git fallback)', () => httpV0.url],
  ] as const) {
    it(`a commit's tree and parent and a tag's object are read as git reads them (${label})`, async () => {
      const data = makeTemp('arca-data-')
      try {
        const r = save(data, `${base()}/upper-hex`)
        expect(r.status, r.message ?? '').toBe('full')
        expect(r.missing).toEqual([])
        const { upper, upperTree, parent, tag, tagTarget } = upperHex
        expect(git(upperHex.repo, ['rev-parse', 'main'])).toBe(upper)
        const archive = await openArchive({ dataDir: data })
        try {
          const [rev, par, target] = await archive.storage.revisionGet([upper, parent, tagTarget])
          expect(rev?.id).toBe(upper)
          expect(rev?.directory).toBe(upperTree)
          expect(rev?.parents).toEqual([parent])
          expect(rev?.extraHeaders).toEqual([])
          expect(par?.id).toBe(parent)
          expect(target?.parents).toEqual([upper])
          const [rel] = await archive.storage.releaseGet([tag])
          expect(rel?.id).toBe(tag)
          expect(rel?.target).toBe(tagTarget)
          expect(rel?.targetType).toBe('revision')
        } finally {
          await archive.close()
        }
        // The archived objects are git's bytes (upper-case ids and all).
        for (const [type, oid] of [
          ['rev', upper],
          ['rel', tag],
        ] as const) {
          const c = arca(['cat', '--raw', '--data', data, `swh:1:${type}:${oid}`])
          expect(c.status, c.stderr).toBe(0)
          const gitType = type === 'rev' ? 'commit' : 'tag'
          expect(c.stdoutBytes.toString('latin1')).toBe(
            git(upperHex.repo, ['cat-file', gitType, oid]) + '\n',
          )
        }
        expect(archived(data, `swh:1:dir:${upperTree}`)).toBe(true)
      } finally {
        removeTemp(data)
      }
    })
  }
})
