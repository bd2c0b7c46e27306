/**
 * The CVS loader against a repository made at test time with the real `cvs` (import, commits
 * of several files with one message, a `-kb` binary file, a file removed then re-added,
 * keywords, a branch, a non-ASCII log message), loaded from a local root, over rsync:// from
 * `rsync --daemon` and over pserver:// from `cvs pserver`, all on loopback. Expected ids are
 * independent of Arca: each changeset's tree is what `cvs export -D` gives, hashed by
 * `git write-tree`; each revision is the manifest written here by Software Heritage's CVS
 * conventions (author and committer the CVS user as fullname, the changeset's last date at
 * +0000, the log message, the previous changeset as parent), hashed by `git hash-object`.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import {
  cryptPassword,
  type CvsServer,
  startPserver,
  startRsyncDaemon,
} from '../helpers/cvs-servers.js'
import { requireService } from '../helpers/services.js'
import { snapshotId } from '../helpers/snapshot-expect.js'
import { gitWriteTree, makeTemp, removeTemp } from '../helpers/tree.js'

const hasTools = (): boolean => {
  try {
    execFileSync('cvs', ['--version'], { stdio: 'ignore' })
    execFileSync('rsync', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const tools = await requireService('cvs and rsync', () => Promise.resolve(hasTools()))

let tmp: string
let root: string
let wc: string
let data: string
/** Changesets made so far, oldest first: files touched, message. */
const commits: { files: string[]; message: string; date: number }[] = []
let rsyncd: CvsServer
let pserver: CvsServer

function cvs(args: readonly string[], cwd = wc, input?: Buffer): string {
  return execFileSync('cvs', ['-d', root, '-Q', ...args], {
    cwd,
    encoding: 'latin1',
    env: { ...process.env, TZ: 'UTC', CVS_RSH: '' },
    ...(input ? { input } : {}),
  })
}

async function nextSecond(): Promise<void> {
  const now = Date.now()
  await new Promise((r) => setTimeout(r, 1100 - (now % 1000)))
}

/** A commit of `files` with `message` (a changeset), then a pause so dates differ. */
async function commit(files: string[], message: string): Promise<void> {
  cvs(['commit', '-m', message, ...files])
  commits.push({ files, message, date: Math.max(...files.map(lastDate)) })
  await nextSecond()
}

/**
 * The date (seconds) of the latest trunk revision of `file` (module path; the whole module for
 * ''), the latest of them for several files, from rlog.
 */
function lastDate(file: string): number {
  const out = cvs(['rlog', '-N', '-r', file === '' ? 'mod' : `mod/${file}`], tmp)
  const dates = [...out.matchAll(/^date: (\d+)[/-](\d+)[/-](\d+) (\d+):(\d+):(\d+)/gm)].map((m) => {
    const n = m.slice(1).map(Number) as [number, number, number, number, number, number]
    return Date.UTC(n[0], n[1] - 1, n[2], n[3], n[4], n[5]) / 1000
  })
  if (dates.length === 0) throw new Error(`no date in rlog of ${file}: ${out}`)
  return Math.max(...dates)
}

/** The tree `cvs export -D` gives at `seconds`, hashed by git. */
function exportedTree(seconds: number, name: string): string {
  const d = new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19)
  cvs(['export', '-D', `${d} UTC`, '-d', name, 'mod'], tmp)
  return gitWriteTree(join(tmp, name))
}

function hashObject(type: string, body: Buffer): string {
  return execFileSync('git', ['hash-object', '-t', type, '--literally', '--stdin'], {
    input: body,
    encoding: 'utf8',
  }).trim()
}

const user = (): string => execFileSync('id', ['-un'], { encoding: 'utf8' }).trim()

/** Revision ids of the changesets so far, built by hand; also their trees. */
const expected: { id: string; tree: string; date: number }[] = []

function expectRevisions(): void {
  let parent: string | null = null
  for (const [i, c] of commits.entries()) {
    if (expected[i]) {
      parent = expected[i].id
      continue
    }
    const date = c.date
    const tree = exportedTree(date, `export-${i}`)
    const body = Buffer.concat([
      Buffer.from(`tree ${tree}\n${parent ? `parent ${parent}\n` : ''}`),
      Buffer.from(`author ${user()} ${date} +0000\ncommitter ${user()} ${date} +0000\n\n`),
      Buffer.from(`${c.message}\n`, 'utf8'),
    ])
    const id = hashObject('commit', body)
    expected.push({ id, tree, date })
    parent = id
  }
}

function expectedSnapshot(): string {
  const head = expected[expected.length - 1]!.id
  return snapshotId(new Map([['HEAD', { type: 'revision', target: Buffer.from(head, 'hex') }]]))
}

interface SaveOutput {
  status: string
  snapshot: string | null
  origin: string
  message: string | null
  stats: { revisions: number; contents: number }
}

function save(url: string, extra: string[] = []): SaveOutput & { exit: number | null } {
  const r = arca(['save', '--json', '--data', data, ...extra, url])
  if (!r.stdout.trim()) throw new Error(`arca save printed nothing: ${r.stderr}`)
  return { ...(JSON.parse(r.stdout) as SaveOutput), exit: r.status }
}

async function expectArchived(ids: readonly string[]): Promise<void> {
  const archive = await openArchive({ dataDir: data })
  try {
    const got = await archive.storage.revisionGet(ids)
    expect(got.map((r) => r?.id ?? null)).toEqual(ids)
    for (const r of got) {
      expect(r!.type).toBe('cvs')
      expect(r!.synthetic).toBe(true)
    }
  } finally {
    await archive.close()
  }
}

beforeAll(async () => {
  if (!tools) return
  tmp = makeTemp('arca-cvs-')
  chmodSync(tmp, 0o755)
  root = join(tmp, 'root')
  data = join(tmp, 'data')
  execFileSync('cvs', ['-d', root, 'init'])
  const imp = join(tmp, 'import')
  mkdirSync(join(imp, 'sub'), { recursive: true })
  writeFileSync(
    join(imp, 'a.txt'),
    'id: $Id$\nrev: $Revision$ by $Author$\ndate: $Date$\n# $Log$\nbody\n',
  )
  writeFileSync(join(imp, 'sub', 'b.txt'), 'bee\n')
  writeFileSync(join(imp, 'sub', 'c.txt'), 'sea $Revision$\n')
  // A name that is not UTF-8: bytes are names.
  writeFileSync(Buffer.from(`${join(imp, 'sub', 'caf')}\xe9.txt`, 'latin1'), 'latin1 name\n')
  cvs(['import', '-m', 'initial import', 'mod', 'vendor', 'start'], imp)
  commits.push({ files: [], message: 'initial import', date: lastDate('') })
  await nextSecond()
  cvs(['checkout', 'mod'], tmp)
  wc = join(tmp, 'mod')
  writeFileSync(join(wc, 'a.txt'), `${cvs(['update', '-p', 'a.txt'])}more\n`)
  writeFileSync(join(wc, 'sub', 'b.txt'), 'bee 2\n')
  await commit(['a.txt', 'sub/b.txt'], 'two files, one message')
  writeFileSync(join(wc, 'bin.dat'), Buffer.from('\0\x01$Id$\r\n\xff binary\n', 'latin1'))
  cvs(['add', '-kb', 'bin.dat'])
  await commit(['bin.dat'], 'a binary file')
  cvs(['remove', '-f', 'sub/b.txt'])
  await commit(['sub/b.txt'], 'remove b')
  writeFileSync(join(wc, 'sub', 'b.txt'), 'bee is back\n')
  cvs(['add', 'sub/b.txt'])
  await commit(['sub/b.txt'], 'réintroduit b — ünïcödé')
  // A branch: its commits are not on the trunk and make no changeset.
  cvs(['tag', '-b', 'side'])
  cvs(['update', '-r', 'side'])
  writeFileSync(join(wc, 'sub', 'c.txt'), 'on the side\n')
  cvs(['commit', '-m', 'on a branch', 'sub/c.txt'])
  cvs(['update', '-A'])
  await nextSecond()
  writeFileSync(join(wc, 'a.txt'), `${cvs(['update', '-p', 'a.txt'])}after the branch\n`)
  await commit(['a.txt'], 'after the branch')
  expectRevisions()
  // Servers: rsync exports the CVS root; pserver serves it (readable by the mapped user).
  execFileSync('chmod', ['-R', 'a+rwX', root])
  rsyncd = await startRsyncDaemon(root, 'cvs', tmp)
  pserver = await startPserver(root, [`anon:${cryptPassword('s3cret')}:nobody`])
}, 60_000)

afterAll(async () => {
  await rsyncd?.stop()
  await pserver?.stop()
  if (tmp) removeTemp(tmp)
})

describe.skipIf(!tools)('cvs loader', () => {
  it('loads a local module: one revision per changeset, trees as cvs export gives them', async () => {
    const r = save(join(root, 'mod'), ['--type', 'cvs'])
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.origin).toBe(pathToFileURL(join(root, 'mod')).href)
    expect(r.stats.revisions).toBe(commits.length)
    await expectArchived(expected.map((e) => e.id))
    expect(r.snapshot).toBe(expectedSnapshot())
  })

  it('loads the same history over rsync:// (rsync --daemon)', () => {
    const r = save(`rsync://127.0.0.1:${rsyncd.port}/cvs/mod`, ['--type', 'cvs'])
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.origin).toBe(`rsync://127.0.0.1:${rsyncd.port}/cvs/mod`)
    expect(r.stats.revisions).toBe(0) // all archived from the local origin
    // No keyword here names the root's path, so the ids are the local ones.
    expect(r.snapshot).toBe(expectedSnapshot())
  })

  it('loads the same history over pserver:// (cvs pserver), the password never shown', () => {
    const url = `pserver://anon:s3cret@127.0.0.1:${pserver.port}${root}/mod`
    const r = save(url, ['--type', 'cvs'])
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.origin).toBe(`pserver://anon@127.0.0.1:${pserver.port}${root}/mod`)
    expect(r.snapshot).toBe(expectedSnapshot())
    expect(JSON.stringify(r)).not.toContain('s3cret')
  })

  it('a wrong pserver password or an unknown module ends the visit not_found', () => {
    const bad = save(`pserver://anon:wrong@127.0.0.1:${pserver.port}${root}/mod`, ['--type', 'cvs'])
    expect(bad.status).toBe('not_found')
    expect(bad.message).toContain('authentication failed')
    expect(JSON.stringify(bad)).not.toContain('wrong')
    const none = save(`pserver://anon:s3cret@127.0.0.1:${pserver.port}${root}/nope`, [
      '--type',
      'cvs',
    ])
    expect(none.status).toBe('not_found')
    expect(none.message).toContain('nope')
    const local = save(join(root, 'nope'), ['--type', 'cvs'])
    expect(local.status).toBe('not_found')
    const rs = save(`rsync://127.0.0.1:${rsyncd.port}/cvs/nope`, ['--type', 'cvs'])
    expect(rs.status).toBe('not_found')
  })

  it('finds the type by probing a local module, rsync:// and pserver://', () => {
    const r = save(pathToFileURL(join(root, 'mod')).href)
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.snapshot).toBe(expectedSnapshot())
    expect(save(`rsync://127.0.0.1:${rsyncd.port}/cvs/mod`).snapshot).toBe(expectedSnapshot())
    expect(save(`pserver://anon:s3cret@127.0.0.1:${pserver.port}${root}/mod`).status).toBe('full')
  })

  it('a re-visit after new commits stores only the new revisions', async () => {
    writeFileSync(join(wc, 'sub', 'c.txt'), 'sea, again\n')
    writeFileSync(join(wc, 'new.txt'), 'new\n')
    cvs(['add', 'new.txt'])
    await commit(['sub/c.txt', 'new.txt'], 'later')
    expectRevisions()
    const r = save(join(root, 'mod'), ['--type', 'cvs'])
    expect(r.status, r.message ?? '').toBe('full')
    expect(r.stats.revisions).toBe(1)
    expect(r.snapshot).toBe(expectedSnapshot())
    await expectArchived(expected.map((e) => e.id))
    const again = save(join(root, 'mod'), ['--type', 'cvs'])
    expect(again.stats.revisions).toBe(0)
    expect(again.snapshot).toBe(expectedSnapshot())
  })
})
