/**
 * The flat cooker against real git repositories loaded by the git loader: each bundle is
 * extracted with GNU tar and the extracted tree is identified independently (git's own
 * `write-tree` over it; `arca identify`, vector-tested, where git cannot hold the shape: empty
 * directories). Tricky shapes: a non-UTF-8 name, names and symlink targets over 100 bytes,
 * executables, symlinks, an empty directory, a submodule, a directory of 140 subdirectories
 * (more than the walk reads together), half of them one same tree.
 */
import { execFileSync } from 'node:child_process'
import { createWriteStream, lstatSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { parseCoreSwhid } from '../../src/model/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { maskedView } from '../../src/storage/index.js'
import { cookFlat } from '../../src/vault/flat.js'
import { arca } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { gitWriteTree, makeTemp, materialize, removeTemp } from '../helpers/tree.js'

let tmp: string
let data: string
let repo: string
let archive: Archive
const ids: Record<string, string> = {}

const LONG_DIR = 'd'.repeat(60) + '/' + 'e'.repeat(60)
const LONG_TARGET = '../'.repeat(40) + 'target'
const LATIN1 = Buffer.from('caf\xe9-\xff.txt', 'latin1')

beforeAll(async () => {
  tmp = makeTemp('arca-vault-flat-')
  data = makeTemp('arca-vault-flat-data-')
  repo = join(tmp, 'repo')
  git(tmp, ['init', '-q', '-b', 'main', repo])
  materialize(repo, [
    { type: 'file', path: Buffer.from('README'), data: Buffer.from('hello\n'), mode: 0o644 },
    {
      type: 'file',
      path: Buffer.from('bin/run.sh'),
      data: Buffer.from('#!/bin/sh\n'),
      mode: 0o755,
    },
    { type: 'file', path: LATIN1, data: Buffer.from('latin-1 name\n'), mode: 0o644 },
    {
      type: 'file',
      path: Buffer.from(`${LONG_DIR}/${'f'.repeat(90)}.c`),
      data: Buffer.from('int x;\n'.repeat(5000)),
      mode: 0o644,
    },
    { type: 'file', path: Buffer.from('empty.txt'), data: Buffer.from(''), mode: 0o644 },
    { type: 'symlink', path: Buffer.from('link'), target: Buffer.from('README') },
    { type: 'symlink', path: Buffer.from('far'), target: Buffer.from(LONG_TARGET) },
    // more subdirectories than the walk reads together (128), half of them the same tree
    ...Array.from({ length: 140 }, (_, i) => ({
      type: 'file' as const,
      path: Buffer.from(`many/d${String(i).padStart(3, '0')}/x.txt`),
      data: Buffer.from(i % 2 === 0 ? 'same\n' : `n${i}\n`),
      mode: 0o644,
    })),
  ])
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', 'first'])
  git(repo, ['tag', '-a', 'v1', '-m', 'release v1'])
  ids.tree = git(repo, ['rev-parse', 'HEAD^{tree}'])
  ids.rev = git(repo, ['rev-parse', 'HEAD'])
  ids.rel = git(repo, ['rev-parse', 'v1'])
  // A tree git cannot check out: an empty directory and a submodule (gitlink), made by mktree.
  const empty = git(repo, ['mktree'], { input: '' })
  ids.odd = git(repo, ['mktree'], {
    input:
      `100644 blob ${git(repo, ['rev-parse', 'HEAD:README'])}\tREADME\n` +
      `040000 tree ${empty}\tempty-dir\n` +
      `160000 commit ${'1'.repeat(40)}\tlib\n`,
  })
  ids.oddRev = git(repo, ['commit-tree', ids.odd, '-m', 'odd'])
  git(repo, ['update-ref', 'refs/heads/odd', ids.oddRev])
  const writer = await openArchive({ dataDir: data, writer: 'loader' })
  const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
  expect(r.status).toBe('full')
  ids.snp = r.snapshot!
  await writer.close()
  archive = await openArchive({ dataDir: data })
})

afterAll(async () => {
  await archive?.close()
  removeTemp(tmp)
  removeTemp(data)
})

/** Cooks `swhid` into a file and extracts it with GNU tar; returns the extraction directory. */
async function cookAndExtract(swhid: string): Promise<string> {
  const view = maskedView(archive)
  const dir = makeTemp('arca-vault-x-')
  const file = join(dir, 'bundle.tar.gz')
  await cookFlat(view, parseCoreSwhid(swhid), createWriteStream(file))
  const out = join(dir, 'x')
  mkdirSync(out)
  execFileSync('tar', ['-xzf', file, '-C', out])
  return out
}

describe('flat bundles', () => {
  it('a directory: top folder named after the SWHID, tree identical to git', async () => {
    const swhid = `swh:1:dir:${ids.tree}`
    const out = await cookAndExtract(swhid)
    expect(readdirSync(out)).toEqual([swhid])
    const top = join(out, swhid)
    expect(gitWriteTree(top)).toBe(ids.tree)
    expect(lstatSync(join(top, 'bin', 'run.sh')).mode & 0o777).toBe(0o755)
    expect(lstatSync(join(top, 'README')).mode & 0o777).toBe(0o644)
    expect(lstatSync(join(top, 'link')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(join(top, 'far'))).toBe(LONG_TARGET)
    const names = readdirSync(Buffer.from(top), { encoding: 'buffer' })
    expect(names.some((n) => n.equals(LATIN1))).toBe(true)
  })

  it('a revision, a release and a snapshot (its HEAD) give the same tree', async () => {
    for (const swhid of [`swh:1:rev:${ids.rev}`, `swh:1:rel:${ids.rel}`, `swh:1:snp:${ids.snp}`]) {
      const out = await cookAndExtract(swhid)
      expect(readdirSync(out)).toEqual([swhid])
      expect(gitWriteTree(join(out, swhid))).toBe(ids.tree)
    }
  })

  it('an empty directory is kept and a submodule becomes an empty directory', async () => {
    const swhid = `swh:1:dir:${ids.odd}`
    const top = join(await cookAndExtract(swhid), swhid)
    expect(readdirSync(top).sort()).toEqual(['README', 'empty-dir', 'lib'])
    expect(readdirSync(join(top, 'empty-dir'))).toEqual([])
    expect(readdirSync(join(top, 'lib'))).toEqual([])
    // Independent id of the extracted shape: README plus two empty trees (git's mktree).
    const empty = git(repo, ['mktree'], { input: '' })
    const expected = git(repo, ['mktree'], {
      input:
        `100644 blob ${git(repo, ['rev-parse', 'HEAD:README'])}\tREADME\n` +
        `040000 tree ${empty}\tempty-dir\n040000 tree ${empty}\tlib\n`,
    })
    const r = arca(['identify', '--no-filename', top])
    expect(r.stdout.trim()).toBe(`swh:1:dir:${expected}`)
  })

  it('refuses unknown objects, contents, and masked contents, naming them', async () => {
    const view = maskedView(archive)
    const sink = (): NodeJS.WritableStream => createWriteStream('/dev/null')
    await expect(
      cookFlat(view, parseCoreSwhid(`swh:1:dir:${'0'.repeat(40)}`), sink()),
    ).rejects.toThrow(/not found/)
    const readme = git(repo, ['rev-parse', 'HEAD:README'])
    await expect(cookFlat(view, parseCoreSwhid(`swh:1:cnt:${readme}`), sink())).rejects.toThrow(
      /content/,
    )
    await archive.backend.maskSet('t1', 'takedown', [`swh:1:cnt:${readme}`], 'restricted')
    try {
      await expect(
        cookFlat(maskedView(archive), parseCoreSwhid(`swh:1:dir:${ids.tree}`), sink()),
      ).rejects.toMatchObject({ code: 'masked' })
    } finally {
      await archive.backend.maskSet('t1', 'lifted', [`swh:1:cnt:${readme}`], null)
    }
  })
})

describe('arca vault', () => {
  it('flat writes the bundle to -o FILE, or to standard output with -o -', async () => {
    await archive.close()
    try {
      const dir = makeTemp('arca-vault-cli-')
      const swhid = `swh:1:rev:${ids.rev}`
      const file = join(dir, 'out.tar.gz')
      const r = arca(['vault', 'flat', swhid, '-o', file, '--data', data])
      expect(r.status, r.stderr).toBe(0)
      execFileSync('tar', ['-xzf', file, '-C', dir])
      expect(gitWriteTree(join(dir, swhid))).toBe(ids.tree)
      const s = arca(['vault', 'flat', `swh:1:dir:${ids.tree}`, '-o', '-', '--data', data], {
        maxBuffer: 64 * 2 ** 20,
      })
      expect(s.status, s.stderr).toBe(0)
      const out = join(dir, 'stdout')
      mkdirSync(out)
      execFileSync('tar', ['-xz', '-C', out], { input: s.stdoutBytes })
      expect(gitWriteTree(join(out, `swh:1:dir:${ids.tree}`))).toBe(ids.tree)
      // no partial file is left when the cook fails
      const bad = arca([
        'vault',
        'flat',
        `swh:1:dir:${'0'.repeat(40)}`,
        '-o',
        join(dir, 'x'),
        '--data',
        data,
      ])
      expect(bad.status).toBe(2)
      expect(bad.stderr).toContain('not found')
      expect(readdirSync(dir).filter((f) => f.includes('arca-vault') || f === 'x')).toEqual([])
    } finally {
      archive = await openArchive({ dataDir: data })
    }
  })
})
