/**
 * The Subversion loader against real repositories made with `svn`, `svnmucc` and `svnadmin`,
 * over file://, a local path and `svnserve` (svn://) on loopback. Every directory id must be
 * what git computes of `svn export --ignore-keywords` of that revision, every revision id the
 * manifest written by hand after Software Heritage's conventions (test/helpers/svn.ts).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { probeVisitType } from '../../src/loader/registry.js'
import { probeSvn } from '../../src/loader/svn/probe.js'
import { openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import type { GitServer } from '../helpers/git-servers.js'
import { expectedRevisionId, exportedTreeId, startSvnServers, svnTool } from '../helpers/svn.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
let repo: string
let url: string
let serve: GitServer
let dav: GitServer | null = null

interface SaveOutput {
  origin: string
  status: string
  snapshot: string | null
  eventful: boolean
  message: string | null
  stats: { revisions: number; directories: number; contents: number }
  submodules: string[]
}

function save(
  data: string,
  target: string,
  extra: string[] = [],
): SaveOutput & { exit: number | null } {
  const r = arca(['save', '--json', '--data', data, ...extra, target])
  if (!r.stdout.trim())
    throw new Error(`arca save ${target} printed nothing (exit ${r.status}): ${r.stderr}`)
  return { ...(JSON.parse(r.stdout) as SaveOutput), exit: r.status }
}

const svn = (wc: string, ...args: string[]): Buffer => svnTool('svn', args, wc)

/** The repository's history; each step one revision (numbers in the comments). */
function makeRepo(): void {
  repo = join(root, 'repos', 'repo')
  mkdirSync(join(root, 'repos'))
  svnTool('svnadmin', ['create', repo])
  url = `file://${repo}`
  const wc = join(root, 'wc')
  svnTool('svn', ['checkout', '-q', url, wc])
  const t = (p: string): string => join(wc, 'trunk', p)
  mkdirSync(join(wc, 'trunk', 'empty'), { recursive: true })
  mkdirSync(join(wc, 'trunk', 'sub'))
  mkdirSync(join(wc, 'branches'))
  mkdirSync(join(wc, 'tags'))
  writeFileSync(t('eol.txt'), 'one\ntwo\n')
  writeFileSync(t('crlf.txt'), 'one\ntwo\n')
  writeFileSync(t('kw.txt'), '$Id$\n$Rev$\n$Author$\n$Date$\n$URL$\n$HeadURL$\n')
  writeFileSync(t('run.sh'), '#!/bin/sh\necho hi\n')
  writeFileSync(t('sub/f'), 'f\n')
  writeFileSync(t('é ü.txt'), 'non-ASCII name\n')
  symlinkSync('eol.txt', t('link'))
  svn(wc, 'add', '-q', 'trunk', 'branches', 'tags')
  svn(wc, 'propset', '-q', 'svn:eol-style', 'native', 'trunk/eol.txt')
  svn(wc, 'propset', '-q', 'svn:eol-style', 'CRLF', 'trunk/crlf.txt')
  svn(wc, 'propset', '-q', 'svn:keywords', 'Id Rev Author Date URL HeadURL', 'trunk/kw.txt')
  svn(wc, 'propset', '-q', 'svn:executable', 'on', 'trunk/run.sh')
  svn(wc, 'commit', '-q', '-m', 'first: é ü ☃') // r1
  svn(wc, 'copy', '-q', `${url}/trunk`, `${url}/branches/b`, '-m', 'branch') // r2
  svn(wc, 'update', '-q')
  writeFileSync(join(wc, 'branches/b/run.sh'), '#!/bin/sh\necho branch\n')
  writeFileSync(join(wc, 'branches/b/new.txt'), 'new\n')
  svn(wc, 'add', '-q', 'branches/b/new.txt')
  svn(wc, 'commit', '-q', '-m', '') // r3: empty message
  svn(wc, 'rm', '-q', 'trunk/sub')
  svn(wc, 'commit', '-q', '-m', 'remove a directory') // r4
  svn(wc, 'propset', '-q', 'foo', 'bar', 'trunk/kw.txt')
  svn(wc, 'commit', '-q', '-m', 'a property only') // r5
  // A dump loaded with svnadmin keeps the text as given: mixed line endings under
  // svn:eol-style native (which the svn client refuses to commit).
  svnTool('svnadmin', ['load', '-q', '--bypass-prop-validation', repo], undefined, mixedDump()) // r6
  svn(wc, 'update', '-q')
  svn(wc, 'propset', '-q', 'svn:eol-style', 'CRLF', 'trunk/eol.txt')
  svn(wc, 'propdel', '-q', 'svn:executable', 'trunk/run.sh')
  svn(wc, 'commit', '-q', '-m', 'properties that change files') // r7
  svn(wc, 'copy', '-q', `${url}/trunk@1`, `${url}/tags/old`, '-m', 'tag of r1') // r8
  svn(wc, 'update', '-q')
  svn(wc, 'propset', '-q', 'svn:externals', `ext ${url}/branches/b`, 'trunk')
  svn(wc, 'commit', '-q', '-m', 'externals') // r9
  svn(wc, 'update', '-q', '--ignore-externals')
  writeFileSync(t('crlf.txt'), 'one\ntwo\nthree\n')
  writeFileSync(join(wc, 'tags/old/eol.txt'), 'one\ntwo\nthree\n')
  svn(wc, 'commit', '-q', '-m', 'text changes under properties') // r10
}

/** One revision adding trunk/mixed.txt (text with CRLF, LF and CR) under svn:eol-style native. */
function mixedDump(): Buffer {
  const props = (kv: [string, string][]): string =>
    kv
      .map(([k, v]) => `K ${Buffer.byteLength(k)}\n${k}\nV ${Buffer.byteLength(v)}\n${v}\n`)
      .join('') + 'PROPS-END\n'
  const revProps = props([
    ['svn:log', 'mixed line endings'],
    ['svn:author', 'loader'],
    ['svn:date', '2024-02-29T12:34:56.789012Z'],
  ])
  const nodeProps = props([['svn:eol-style', 'native']])
  const text = 'a\r\nb\nc\rd'
  return Buffer.from(
    'SVN-fs-dump-format-version: 2\n\n' +
      `Revision-number: 6\nProp-content-length: ${revProps.length}\nContent-length: ${revProps.length}\n\n${revProps}\n` +
      'Node-path: trunk/mixed.txt\nNode-kind: file\nNode-action: add\n' +
      `Prop-content-length: ${nodeProps.length}\nText-content-length: ${text.length}\n` +
      `Content-length: ${nodeProps.length + text.length}\n\n${nodeProps}${text}\n\n`,
  )
}

/** Expected revision ids of `target` (the repository or a path in it) for `revs`. */
function expectedChain(
  target: string,
  revs: readonly number[],
  parent: string | null = null,
  of: string = repo,
): string[] {
  const ids: string[] = []
  for (const r of revs) {
    const prev = ids.length > 0 ? ids[ids.length - 1]! : parent
    const dir = exportedTreeId(target, r, { externals: true })
    ids.push(expectedRevisionId(of, r, dir, prev ? [prev] : []))
  }
  return ids
}

async function headOf(data: string, snapshot: string): Promise<{ name: string; target: string }[]> {
  const archive = await openArchive({ dataDir: data })
  try {
    const [snp] = await archive.storage.snapshotGet([snapshot])
    return snp!.branches.map((b) => ({
      name: Buffer.from(b.name).toString('latin1'),
      target: b.target && b.target.targetType === 'revision' ? b.target.target : '',
    }))
  } finally {
    await archive.close()
  }
}

beforeAll(async () => {
  root = makeTemp('arca-svn-')
  makeRepo()
  const servers = await startSvnServers(root)
  serve = servers.serve
  dav = servers.dav
}, 60_000)

afterAll(async () => {
  await serve?.stop()
  await dav?.stop()
  if (root) removeTemp(root)
})

describe('svn loader', () => {
  let fileSnapshot: string
  /** Expected revision ids of the repository's revisions 1 to 10. */
  let chain: string[] = []

  it('loads a repository over file:// as Software Heritage does', async () => {
    const data = join(root, 'data-file')
    const r = save(data, url, ['--type', 'svn'])
    expect(r.exit, r.message ?? '').toBe(0)
    expect(r.status).toBe('full')
    expect(r.stats.revisions).toBe(10)
    const ids = expectedChain(url, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    chain = ids
    // svn:externals are in the trees (as SWH exports them), and recorded as origins too.
    expect(r.submodules).toEqual([`${url}/branches/b`])
    expect(await headOf(data, r.snapshot!)).toEqual([{ name: 'HEAD', target: ids[9] }])
    const archive = await openArchive({ dataDir: data })
    try {
      const revs = await archive.storage.revisionGet(ids)
      expect(revs.every((x) => x !== null)).toBe(true)
      expect(revs[0]!.type).toBe('svn')
      expect(revs[0]!.synthetic).toBe(true)
    } finally {
      await archive.close()
    }
    fileSnapshot = r.snapshot!
  })

  it('gives the same snapshot over svn:// (svnserve), probed without --type', () => {
    const r = save(join(root, 'data-svnserve'), `${serve.url}/repo`)
    expect(r.exit, r.message ?? '').toBe(0)
    expect(r.snapshot).toBe(fileSnapshot)
  })

  it('gives the same snapshot over http:// (Apache mod_dav_svn)', (ctx) => {
    if (!dav) return ctx.skip()
    const r = save(join(root, 'data-dav'), `${dav.url}/repo`)
    expect(r.exit, r.message ?? '').toBe(0)
    expect(r.snapshot).toBe(fileSnapshot)
  })

  it('loads a path inside a repository: the revisions that touch it, its subtree', async () => {
    const data = join(root, 'data-trunk')
    const r = save(data, `${url}/trunk`, ['--type', 'svn'])
    expect(r.exit, r.message ?? '').toBe(0)
    const ids = expectedChain(`${url}/trunk`, [1, 4, 5, 6, 7, 9, 10])
    expect(r.stats.revisions).toBe(7)
    expect(await headOf(data, r.snapshot!)).toEqual([{ name: 'HEAD', target: ids[6] }])
  })

  it('a re-visit loads only the new revisions, after the last one loaded', async () => {
    const data = join(root, 'data-revisit')
    const first = save(data, repo) // a local path, probed
    expect(first.exit, first.message ?? '').toBe(0)
    const again = save(data, repo)
    expect(again.stats.revisions).toBe(0)
    expect(again.stats.contents + again.stats.directories).toBe(0)
    expect(again.snapshot).toBe(first.snapshot)
    expect(again.eventful).toBe(false)
    const wc = join(root, 'wc')
    writeFileSync(join(wc, 'trunk/eol.txt'), 'changed\n')
    svn(wc, 'commit', '-q', '-m', 'eleven') // r11
    svnTool('svnmucc', ['-m', 'twelve', 'mkdir', `${url}/trunk/newdir`]) // r12
    const third = save(data, repo)
    expect(third.exit, third.message ?? '').toBe(0)
    expect(third.stats.revisions).toBe(2)
    expect(third.stats.contents).toBe(1) // the changed file; the new directory is the empty one
    expect(chain).toHaveLength(10)
    const ids = expectedChain(url, [11, 12], chain[9])
    expect(await headOf(data, third.snapshot!)).toEqual([{ name: 'HEAD', target: ids[1] }])
  })

  it('probes svn://, file:// to a repository root and local repository paths as svn', async () => {
    expect(await probeVisitType(`${serve.url}/repo`)).toBe('svn')
    expect(await probeVisitType(url)).toBe('svn')
    expect(await probeVisitType(repo)).toBe('svn')
    expect(await probeSvn(join(root, 'wc'))).toBe(false) // a working copy is no repository
  })

  it('an empty repository gives one revision, of revision 0', async () => {
    const empty = join(root, 'repos', 'empty')
    svnTool('svnadmin', ['create', empty])
    const data = join(root, 'data-empty')
    const r = save(data, empty)
    expect(r.exit, r.message ?? '').toBe(0)
    const [id] = expectedChain(`file://${empty}`, [0], null, empty)
    expect(await headOf(data, r.snapshot!)).toEqual([{ name: 'HEAD', target: id }])
  })

  it('a rewritten history is loaded again from the first revision, after the archived head', async () => {
    const other = join(root, 'repos', 'rewritten')
    const make = (revisions: number): void => {
      removeTemp(other)
      svnTool('svnadmin', ['create', other])
      for (let i = 1; i <= revisions; i++)
        svnTool('svnmucc', ['-m', `r${i}`, 'put', '/dev/null', `file://${other}/f${i}`])
    }
    make(2)
    const data = join(root, 'data-rewritten')
    const first = save(data, other)
    expect(first.stats.revisions).toBe(2)
    const oldHead = (await headOf(data, first.snapshot!))[0]!.target
    make(3) // a new repository (another UUID) at the same place
    const again = save(data, other)
    expect(again.exit, again.message ?? '').toBe(0)
    expect(again.stats.revisions).toBe(3)
    const ids = expectedChain(`file://${other}`, [1, 2, 3], oldHead, other)
    expect(await headOf(data, again.snapshot!)).toEqual([{ name: 'HEAD', target: ids[2] }])
  })

  it('an svnserve repository that needs a password: loaded with it (given on stdin), refused without', () => {
    const locked = join(root, 'repos', 'locked')
    execFileSync('cp', ['-a', join(root, 'repos', 'repo'), locked])
    writeFileSync(
      join(locked, 'conf', 'svnserve.conf'),
      '[general]\nanon-access = none\nauth-access = read\npassword-db = passwd\n',
    )
    writeFileSync(join(locked, 'conf', 'passwd'), '[users]\nreader = pw-s3cr3t\n')
    const good = save(
      join(root, 'data-locked'),
      `${serve.url.replace('svn://', 'svn://reader:pw-s3cr3t@')}/locked`,
      ['--type', 'svn'],
    )
    expect(good.exit, good.message ?? '').toBe(0)
    // the same as the repository read locally, without svnserve nor its password
    const local = save(join(root, 'data-locked-file'), `file://${locked}`, ['--type', 'svn'])
    expect(good.snapshot).toBe(local.snapshot)
    expect(good.origin).not.toContain('pw-s3cr3t')
    const bad = arca([
      'save',
      '--json',
      '--data',
      join(root, 'data-locked'),
      '--type',
      'svn',
      `${serve.url.replace('svn://', 'svn://reader:wrong-pw@')}/locked`,
    ])
    expect(bad.status).toBe(2)
    expect(bad.stdout + bad.stderr).not.toContain('wrong-pw')
    expect(JSON.parse(bad.stdout).status).toBe('not_found')
  })

  it('an unknown repository is not found, and credentials are never shown', () => {
    const r = save(join(root, 'data-missing'), `file://${root}/nope`, ['--type', 'svn'])
    expect(r.exit).toBe(2)
    expect(r.status).toBe('not_found')
    const s = arca([
      'save',
      '--json',
      '--data',
      join(root, 'data-missing'),
      '--type',
      'svn',
      `${serve.url.replace('svn://', 'svn://user:s3cr3t@')}/nope`,
    ])
    expect(s.status).toBe(2)
    expect(s.stdout + s.stderr).not.toContain('s3cr3t')
    expect(JSON.parse(s.stdout).status).toBe('not_found')
  })
})
