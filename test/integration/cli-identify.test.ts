/**
 * `arca identify` and `arca swhid` as a user runs them: real processes, real files, real git.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeSnapshot } from '../../src/index.js'
import { arca, arcaWithoutPrivileges, sh } from '../helpers/cli.js'
import { gitWriteTree, makeTemp, removeTemp } from '../helpers/tree.js'

const blobId = (data: string | Buffer): string =>
  createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${Buffer.byteLength(data)}\0`), Buffer.from(data)]))
    .digest('hex')

let root: string
let tree: string
let treeId: string

beforeAll(() => {
  root = makeTemp('arca-cli-')
  tree = join(root, 'tree')
  mkdirSync(join(tree, 'src', 'build'), { recursive: true })
  mkdirSync(join(tree, 'build'))
  writeFileSync(join(tree, 'README'), 'hello\n')
  writeFileSync(join(tree, 'run.sh'), '#!/bin/sh\necho hi\n')
  chmodSync(join(tree, 'run.sh'), 0o755)
  writeFileSync(join(tree, 'src', 'main.c'), 'int main(void) { return 0; }\n')
  writeFileSync(join(tree, 'src', 'build', 'out.o'), 'object\n')
  writeFileSync(join(tree, 'build', 'top.o'), 'top object\n')
  symlinkSync('README', join(tree, 'link'))
  treeId = gitWriteTree(tree)
})

afterAll(() => removeTemp(root))

describe('arca identify', () => {
  it('identifies a file, a directory and an origin, printing SWHID<TAB>name', () => {
    const url = 'https://github.com/python/cpython'
    const r = arca(['identify', join(tree, 'README'), tree, url])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(
      `swh:1:cnt:${blobId('hello\n')}\t${join(tree, 'README')}\n` +
        `swh:1:dir:${treeId}\t${tree}\n` +
        `swh:1:ori:74439e72c54c38e5dfa5468e44661cd46751f821\t${url}\n`,
    )
  })

  it('reads standard input for -', () => {
    const r = arca(['identify', '-'], { input: Buffer.from('hello\n') })
    expect(r.stdout).toBe(`swh:1:cnt:${blobId('hello\n')}\t-\n`)
  })

  it('--no-filename prints SWHIDs only', () => {
    const r = arca(['identify', '--no-filename', tree])
    expect(r.stdout).toBe(`swh:1:dir:${treeId}\n`)
  })

  it('--json prints one object per line', () => {
    const r = arca(['identify', '--json', join(tree, 'README')])
    expect(JSON.parse(r.stdout)).toEqual({
      swhid: `swh:1:cnt:${blobId('hello\n')}`,
      path: join(tree, 'README'),
    })
  })

  it('-t forces the type, and refuses a mismatching object', () => {
    expect(arca(['identify', '-t', 'origin', 'not-a-path']).stdout).toMatch(/^swh:1:ori:/)
    const dirAsContent = arca(['identify', '-t', 'content', tree])
    expect(dirAsContent.status).toBe(2)
    expect(dirAsContent.stderr).toMatch(/is a directory/)
    const fileAsDir = arca(['identify', '-t', 'directory', join(tree, 'README')])
    expect(fileAsDir.status).toBe(2)
    expect(fileAsDir.stderr).toMatch(/not one/)
  })

  it('-x excludes root-relative paths; * crosses directories', () => {
    const topOnly = arca(['identify', '--no-filename', '-x', 'build', tree])
    const everyO = arca(['identify', '--no-filename', '-x', '*.o', '-x', 'build', tree])
    const copy = join(root, 'copy-top')
    execFileSync('cp', ['-a', tree, copy])
    execFileSync('rm', ['-r', join(copy, 'build')])
    expect(topOnly.stdout).toBe(`swh:1:dir:${gitWriteTree(copy)}\n`)
    execFileSync('rm', [join(copy, 'src', 'build', 'out.o')])
    // git drops the now-empty src/build, Arca keeps it: compare with the empty-dir id added.
    const ids = arca(['identify', '--no-filename', '-r', copy]).stdout
    expect(everyO.stdout.trim()).toBe(ids.trim().split('\n').at(-1))
  })

  it('-r prints every node once, children before their directory', () => {
    const r = arca(['identify', '-r', tree])
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines.at(-1)).toBe(`swh:1:dir:${treeId}\t${tree}`)
    expect(lines).toContain(`swh:1:cnt:${blobId('hello\n')}\t${join(tree, 'README')}`)
    expect(lines).toContain(`swh:1:cnt:${blobId('README')}\t${join(tree, 'link')}`)
    const swhids = lines.map((l) => l.split('\t')[0])
    expect(new Set(swhids).size).toBe(swhids.length)
    // 6 files/links (one blob twice? no: all distinct) + 4 directories
    expect(lines.filter((l) => l.startsWith('swh:1:dir:'))).toHaveLength(4)
  })

  it('-r on a file warns and identifies it normally', () => {
    const r = arca(['identify', '-r', join(tree, 'README')])
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/recursive option disabled/)
    expect(r.stdout).toMatch(/^swh:1:cnt:/)
  })

  it('-r refuses -v and non-directory types', () => {
    expect(arca(['identify', '-r', '-v', `swh:1:dir:${treeId}`, tree]).status).toBe(2)
    expect(arca(['identify', '-r', '-t', 'content', tree]).status).toBe(2)
  })

  it('-v exits 0 on match and 1 on mismatch', () => {
    const ok = arca(['identify', '-v', `swh:1:dir:${treeId}`, tree])
    expect(ok.status).toBe(0)
    expect(ok.stdout).toBe(`SWHID match: swh:1:dir:${treeId}\n`)
    const other = `swh:1:dir:${'0'.repeat(40)}`
    const ko = arca(['identify', '-v', other, tree])
    expect(ko.status).toBe(1)
    expect(ko.stdout).toBe(`SWHID mismatch: ${other} != swh:1:dir:${treeId}\n`)
    const json = arca(['identify', '--json', '-v', other, tree])
    expect(JSON.parse(json.stdout)).toMatchObject({ match: false, expected: other })
  })

  it('-v needs exactly one object and a valid SWHID', () => {
    expect(arca(['identify', '-v', `swh:1:dir:${treeId}`, tree, tree]).status).toBe(2)
    const bad = arca(['identify', '-v', 'swh:1:dir:XYZ', tree])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/object id "XYZ"/)
  })

  it('--dereference follows a symlink argument, --no-dereference hashes the link', () => {
    const link = join(tree, 'link')
    expect(arca(['identify', '--no-filename', link]).stdout).toBe(
      `swh:1:cnt:${blobId('hello\n')}\n`,
    )
    expect(arca(['identify', '--no-filename', '--no-dereference', link]).stdout).toBe(
      `swh:1:cnt:${blobId('README')}\n`,
    )
  })

  it('a symlink to a directory is identified as the directory either way', () => {
    const dirLink = join(root, 'dirlink')
    symlinkSync(tree, dirLink)
    for (const flag of ['--dereference', '--no-dereference']) {
      expect(arca(['identify', '--no-filename', flag, dirLink]).stdout).toBe(
        `swh:1:dir:${treeId}\n`,
      )
    }
  })

  it('keeps raw bytes of non-UTF-8 names, in arguments and output', () => {
    const d = join(root, 'bytes')
    mkdirSync(d)
    const r = sh(`cd '${d}' && printf 'x' > "$(printf 'caf\\351')" && $ARCA identify -r .`)
    expect(r.status).toBe(0)
    expect(r.stdoutBytes.includes(Buffer.from('./caf\xe9\n', 'latin1'))).toBe(true)
    const one = sh(`cd '${d}' && $ARCA identify "$(printf 'caf\\351')"`)
    expect(
      one.stdoutBytes.equals(Buffer.from(`swh:1:cnt:${blobId('x')}\tcaf\xe9\n`, 'latin1')),
    ).toBe(true)
  })

  it('identifies the snapshot of a git repository', () => {
    const repo = join(root, 'repo')
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'A',
      GIT_AUTHOR_EMAIL: 'a@example.org',
      GIT_COMMITTER_NAME: 'A',
      GIT_COMMITTER_EMAIL: 'a@example.org',
      GIT_AUTHOR_DATE: '1700000000 +0000',
      GIT_COMMITTER_DATE: '1700000000 +0000',
      GIT_CONFIG_GLOBAL: '/dev/null',
    }
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', repo, ...args], { env, encoding: 'utf8' }).trim()
    execFileSync('git', ['init', '-q', '-b', 'main', repo], { env })
    git('commit', '-q', '--allow-empty', '-m', 'first')
    git('tag', '-a', 'v1', '-m', 'release')
    const commit = git('rev-parse', 'HEAD')
    const tag = git('rev-parse', 'v1')
    const expected = makeSnapshot([
      {
        name: Buffer.from('HEAD'),
        target: { targetType: 'alias', target: Buffer.from('refs/heads/main') },
      },
      { name: Buffer.from('refs/heads/main'), target: { targetType: 'revision', target: commit } },
      { name: Buffer.from('refs/tags/v1'), target: { targetType: 'release', target: tag } },
    ])
    const r = arca(['identify', '--no-filename', '-t', 'snapshot', repo])
    expect(r.stdout).toBe(`swh:1:snp:${expected.id}\n`)
    // The file:// URL arca save takes names the same repository.
    const url = pathToFileURL(repo).href
    const byUrl = arca(['identify', '-t', 'snapshot', url, `${url}/`])
    expect(byUrl.status, byUrl.stderr).toBe(0)
    expect(byUrl.stdout).toBe(
      `swh:1:snp:${expected.id}\t${url}\nswh:1:snp:${expected.id}\t${url}/\n`,
    )
    const remote = arca(['identify', '-t', 'snapshot', 'https://example.org/r.git'])
    expect(remote.status).toBe(2)
    expect(remote.stderr).toMatch(/is a remote URL: identify -t snapshot reads a local repository/)
    const notRepo = arca(['identify', '-t', 'snapshot', tree])
    expect(notRepo.status).toBe(2)
    expect(notRepo.stderr).toMatch(/not a git repository/)
  })
})

describe('arca identify errors', () => {
  it('a missing path: one line naming it, exit 2', () => {
    const r = arca(['identify', join(root, 'nope')])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(join(root, 'nope'))
  })

  it('a symlink loop given as argument', () => {
    const loop = join(root, 'loop')
    symlinkSync('loop', loop)
    const r = arca(['identify', loop])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/too many levels of symbolic links/)
  })

  it('permission denied inside the tree names the path', () => {
    const d = join(root, 'private')
    mkdirSync(join(d, 'secret'), { recursive: true })
    writeFileSync(join(d, 'secret', 'f'), 'x')
    writeFileSync(join(d, 'unreadable'), 'x')
    chmodSync(join(d, 'unreadable'), 0o000)
    const r = arcaWithoutPrivileges(['identify', d])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/Cannot read ".*unreadable": permission denied/)
    chmodSync(join(d, 'unreadable'), 0o644)
    chmodSync(join(d, 'secret'), 0o000)
    const r2 = arcaWithoutPrivileges(['identify', d])
    expect(r2.status).toBe(2)
    expect(r2.stderr).toMatch(/Cannot list directory ".*secret": permission denied/)
    chmodSync(join(d, 'secret'), 0o755)
  })

  it('no stack trace unless --debug', () => {
    const plain = arca(['identify', join(root, 'nope')])
    expect(plain.stderr).not.toMatch(/\n\s+at /)
    const debug = arca(['--debug', 'identify', join(root, 'nope')])
    expect(debug.stderr).toMatch(/\n\s+at /)
  })

  it('unknown flags and bad values are usage errors (exit 2)', () => {
    expect(arca(['identify', '--bogus', tree]).status).toBe(2)
    expect(arca(['identify', '-t', 'blob', tree]).status).toBe(2)
    expect(arca(['identify']).status).toBe(2)
    expect(arca(['identify', '--workers', '0', tree]).status).toBe(2)
    expect(arca(['no-such-command']).status).toBe(2)
  })

  it('--help exits 0', () => {
    const r = arca(['identify', '--help'])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/--no-dereference/)
  })
})

describe('arca swhid', () => {
  it('prints the canonical form', () => {
    const r = arca([
      'swhid',
      'swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;lines=9-15;path=/a b',
      'swh:1:ori:74439e72c54c38e5dfa5468e44661cd46751f821',
    ])
    expect(r.status).toBe(2) // "/a b" has a space: invalid
    const ok = arca([
      'swhid',
      'swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;lines=9-15;path=/a%20b',
    ])
    expect(ok.status).toBe(0)
    expect(ok.stdout).toBe(
      'swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;path=/a%20b;lines=9-15\n',
    )
  })

  it('reports each invalid SWHID with the offending part, exit 2', () => {
    const r = arca(['swhid', 'swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;foo=1'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/unknown qualifier "foo"/)
  })

  it('--json gives the parts', () => {
    const r = arca(['swhid', '--json', 'swh:1:rev:2db189928c94d62a3b4757b3eec68f0a4d4113f0'])
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, object_type: 'rev' })
  })
})
