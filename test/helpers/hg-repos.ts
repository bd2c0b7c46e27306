/**
 * Mercurial repositories made at test time with the real `hg`, and what Software Heritage's hg
 * loader records for them, computed without Arca: directory ids by `git write-tree` over
 * `hg archive` of each changeset, revision and release ids by writing their manifests out by
 * hand (swh-loader-mercurial's conventions, docs/loader-hg.md) and hashing them with
 * `git hash-object --literally`, branch names from hg's own listings.
 *
 * Nothing here imports `src/`.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { type ExpectedBranches } from './snapshot-expect.js'
import { gitWriteTree } from './tree.js'

/** The Python of the installed hg (its `#!` line). */
export function hgPythonBin(): string {
  const hgPath = execFileSync('sh', ['-c', 'command -v hg'], { encoding: 'utf8' }).trim()
  const first = readFileSync(hgPath, 'latin1').split('\n', 1)[0]!
  return first
    .replace(/^#!\s*/, '')
    .trim()
    .split(/\s+/)[0]!
}

/** The environment of test-side hg runs: no user configuration, fixed user. */
export function hgTestEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HGPLAIN: '1',
    HGRCPATH: '/dev/null',
    HGUSER: 'Ada Lovelace <ada@example.org>',
    HGENCODING: 'UTF-8',
    ...extra,
  }
}

/** Runs hg in `repo`; returns stdout as bytes. */
export function hgRaw(repo: string, args: readonly string[]): Buffer {
  return execFileSync('hg', ['--cwd', repo, ...args], { env: hgTestEnv(), maxBuffer: 1 << 28 })
}

/** Runs hg in `repo`; returns stdout (latin1, i.e. the bytes), trimmed. */
export function hg(repo: string, args: readonly string[]): string {
  return hgRaw(repo, args).toString('latin1').trim()
}

/** Writes `text` to `repo/path` (path bytes given as latin1), making parents. */
function put(repo: string, path: string, text: string): void {
  const full = Buffer.concat([Buffer.from(repo + '/'), Buffer.from(path, 'latin1')])
  const dir = full.subarray(0, full.lastIndexOf('/'))
  mkdirSync(dir, { recursive: true })
  writeFileSync(full, text)
}

/**
 * Commits with raw bytes through Mercurial's API (user and message stored as given, not
 * recoded, as old Mercurial wrote them): removes `remove`, sets the extras, at `date`.
 */
const RAW_COMMIT = `
import sys
from mercurial import context, encoding, hg, ui as uimod
from mercurial.node import nullid
encoding.fromlocal = lambda s: s
repo = hg.repository(uimod.ui.load(), sys.argv[1].encode())
p1 = repo[int(sys.argv[2])]
removed = [sys.argv[3].encode()]
def filectxfn(repo, ctx, path):
    return None
extra = {b'branch': p1.branch(), b'transplant_source': bytes(range(20)), b'zz-note': b'one\\ntwo'}
ctx = context.memctx(repo, (p1.node(), nullid), b'caf\\xe9 au lait\\n\\nen Latin-1', removed, filectxfn,
    user=b'Jos\\xe9 <jose@example.org>', date=(1700000900, -3601), extra=extra)
with repo.lock():
    repo.commitctx(ctx)
`

/**
 * A repository with named branches, two open heads on `default`, a closed branch, bookmarks
 * (`@` among them), tags (one removed), a merge, an executable, a symbolic link, a file with a
 * non-UTF-8 name, a non-UTF-8 user and message with binary and multi-line extras, offsets of
 * +0530, -1200 and -01:00:01, a rename and a deletion that empties a directory.
 */
export function makeHgRichRepo(root: string, name = 'rich'): string {
  const repo = join(root, name)
  execFileSync('hg', ['init', repo], { env: hgTestEnv() })
  const h = (...args: string[]): string => hg(repo, args)
  put(repo, 'README', 'A rich repository\n')
  put(repo, 'bin/run.sh', '#!/bin/sh\necho run\n')
  chmodSync(join(repo, 'bin/run.sh'), 0o755)
  put(repo, 'src/deep/x.c', 'int x;\n')
  put(repo, 'caf\xe9.txt', 'latin-1 name\n')
  symlinkSync('README', join(repo, 'link'))
  h('commit', '-A', '-q', '-m', 'first', '-d', '1700000000 -19800') // r0 +0530
  h('mv', '-q', 'src/deep/x.c', 'src/y.c')
  h('commit', '-q', '-m', 'rename x.c, emptying src/deep', '-d', '1700000100 43200') // r1 -1200
  h('tag', '-q', '-r', '0', '-d', '1700000200 0', 'v1') // r2
  h('branch', '-q', 'feature')
  put(repo, 'feature.txt', 'feature\n')
  h('commit', '-A', '-q', '-m', 'feature work', '-d', '1700000300 -3600') // r3
  h('update', '-q', 'default')
  put(repo, 'README', 'A rich repository, changed\n')
  h('commit', '-q', '-m', 'change README', '-d', '1700000400 0') // r4
  h('merge', '-q', 'feature')
  h('commit', '-q', '-m', 'merge feature', '-d', '1700000500 0') // r5
  h('tag', '-q', '-r', '3', '-d', '1700000600 0', 'v2') // r6
  h('tag', '-q', '--remove', '-d', '1700000700 0', 'v2') // r7
  h('update', '-q', '1')
  put(repo, 'other.txt', 'another head\n')
  h('commit', '-A', '-q', '-m', 'second head of default', '-d', '1700000800 0') // r8
  h('update', '-q', '0')
  h('branch', '-q', 'old')
  put(repo, 'old.txt', 'old\n')
  h('commit', '-A', '-q', '-m', 'old branch', '-d', '1700000850 0') // r9
  h('commit', '-q', '--close-branch', '-m', 'close old', '-d', '1700000860 0') // r10
  execFileSync(hgPythonBin(), ['-c', RAW_COMMIT, repo, '7', 'bin/run.sh'], {
    env: hgTestEnv(),
  }) // r11: removes bin/run.sh, emptying bin/
  h('bookmark', '-q', '-r', '11', '@')
  h('bookmark', '-q', '-r', '3', 'feature-mark')
  h('update', '-q', 'null')
  return repo
}

/** Adds `n` linear changesets on `default` after its tip `from`. */
export function addHgCommits(repo: string, n: number, from = 'default'): void {
  hg(repo, ['update', '-q', '-C', from])
  for (let i = 0; i < n; i++) {
    put(repo, `more/f${i}.txt`, `more ${i}\n`)
    hg(repo, ['commit', '-A', '-q', '-m', `more ${i}`, '-d', `${1700001000 + i} -7200`])
  }
  hg(repo, ['update', '-q', 'null'])
}

/** Mercurial's recoding under a UTF-8 locale: non-UTF-8 bytes are read as Latin-1. */
export function swhText(raw: Buffer): Buffer {
  const s = raw.toString('utf8')
  return Buffer.from(s, 'utf8').equals(raw) ? raw : Buffer.from(raw.toString('latin1'), 'utf8')
}

function gitHash(type: string, body: Buffer): string {
  return execFileSync('git', ['hash-object', '-t', type, '--literally', '--stdin'], {
    input: body,
    encoding: 'utf8',
  }).trim()
}

/** An escaped changelog extra (`\\`, `\n`, `\r`, `\0`) back to bytes. */
function unescapeExtra(s: Buffer): Buffer {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== 0x5c) {
      out.push(s[i]!)
      continue
    }
    const c = String.fromCharCode(s[++i]!)
    out.push(c === 'n' ? 10 : c === 'r' ? 13 : c === '0' ? 0 : c.charCodeAt(0))
  }
  return Buffer.from(out)
}

/** What one changeset should be archived as. */
export interface ExpectedChangeset {
  readonly node: string
  readonly directory: string
  readonly revision: string
}

/**
 * Expected directory and revision ids of every changeset, from `hg debugdata -c` (the raw
 * changelog entry), `hg log` (parents) and `hg archive` (trees), by SWH's conventions; those
 * of the first revisions may be given (`prior`, from an earlier call on the same history).
 */
export function expectedChangesets(
  repo: string,
  prior: readonly ExpectedChangeset[] = [],
): ExpectedChangeset[] {
  const lines = hg(repo, [
    'log',
    '-r',
    `${prior.length}:`,
    '-T',
    '{rev} {node} {p1.rev} {p2.rev}\n',
  ])
  const out: ExpectedChangeset[] = [...prior]
  for (const line of lines.split('\n')) {
    const [rev, node, p1, p2] = line.split(' ') as [string, string, string, string]
    const work = mkdtempSync(join(tmpdir(), 'arca-hg-archive-'))
    try {
      const tree = join(work, 't')
      hg(repo, ['archive', '--config', 'ui.archivemeta=false', '-r', rev, '-t', 'files', tree])
      mkdirSync(tree, { recursive: true })
      const directory = gitWriteTree(tree)
      const raw = hgRaw(repo, ['debugdata', '-c', rev])
      const blank = raw.indexOf('\n\n')
      const head = raw.subarray(0, blank)
      const description = raw.subarray(blank + 2)
      const [, user, dateLine] = splitLines(head)
      const sp1 = dateLine!.indexOf(0x20)
      const sp2 = dateLine!.indexOf(0x20, sp1 + 1)
      const seconds = dateLine!.subarray(0, sp1).toString()
      const offset = dateLine!.subarray(sp1 + 1, sp2 < 0 ? undefined : sp2).toString()
      const extras = new Map<string, Buffer>([['branch', Buffer.from('default')]])
      if (sp2 >= 0)
        for (const item of splitOn(dateLine!.subarray(sp2 + 1), 0)) {
          const e = unescapeExtra(item)
          const colon = e.indexOf(0x3a)
          extras.set(e.subarray(0, colon).toString('latin1'), e.subarray(colon + 1))
        }
      const headers: Buffer[] = [Buffer.from(`tree ${directory}\n`)]
      for (const p of [p1, p2])
        if (p !== '-1') headers.push(Buffer.from(`parent ${out[Number(p)]!.revision}\n`))
      const who = swhText(user!)
      for (const k of ['author', 'committer'])
        headers.push(Buffer.concat([Buffer.from(`${k} `), who, Buffer.from(` ${seconds} +0000\n`)]))
      headers.push(Buffer.from(`time_offset_seconds ${offset}\n`))
      for (const [k, v] of extras) {
        if (k === 'branch' && v.toString() === 'default') continue
        const value = k === 'transplant_source' ? Buffer.from(v.toString('hex')) : v
        const escaped = Buffer.from(value.toString('latin1').replace(/\n/g, '\n '), 'latin1')
        headers.push(Buffer.concat([Buffer.from(k + ' ', 'latin1'), escaped, Buffer.from('\n')]))
      }
      const body = Buffer.concat([...headers, Buffer.from('\n'), swhText(description)])
      out.push({ node, directory, revision: gitHash('commit', body) })
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }
  return out
}

function splitOn(b: Buffer, byte: number): Buffer[] {
  const parts: Buffer[] = []
  let start = 0
  for (let i = 0; i <= b.length; i++)
    if (i === b.length || b[i] === byte) {
      parts.push(b.subarray(start, i))
      start = i + 1
    }
  return parts.filter((p) => p.length > 0)
}

function splitLines(b: Buffer): Buffer[] {
  return splitOn(b, 0x0a)
}

/** The release id of a tag, as SWH's hg loader makes it (empty tagger, no date, no message). */
export function expectedReleaseId(name: Buffer, revision: string): string {
  return gitHash(
    'tag',
    Buffer.concat([
      Buffer.from(`object ${revision}\ntype commit\ntag `),
      name,
      Buffer.from('\ntagger \n'),
    ]),
  )
}

/** The snapshot branches SWH's hg loader records for `repo`, from hg's own listings. */
export function expectedHgBranches(
  repo: string,
  changesets: readonly ExpectedChangeset[],
): ExpectedBranches {
  const revOf = new Map(changesets.map((c) => [c.node, c.revision]))
  const branches: ExpectedBranches = new Map()
  const rev = (node: string): { type: string; target: Buffer } => ({
    type: 'revision',
    target: Buffer.from(revOf.get(node)!, 'hex'),
  })
  const heads = hg(repo, [
    'log',
    '-r',
    'head()',
    '-T',
    '{branch}\\0{node}\\0{ifcontains(rev, revset("closed()"), "1", "0")}\\n',
  ])
  const open = new Map<string, string[]>()
  const closed = new Map<string, string[]>()
  for (const line of heads.split('\n')) {
    const [b, node, isClosed] = line.split('\0') as [string, string, string]
    const into = isClosed === '1' ? closed : open
    into.set(b, [...(into.get(b) ?? []), node].sort())
  }
  for (const [b, nodes] of open) {
    branches.set(`branch-tip/${b}`, rev(nodes[0]!))
    if (nodes.length > 1) nodes.forEach((n, i) => branches.set(`branch-heads/${b}/${i}`, rev(n)))
  }
  for (const [b, nodes] of closed)
    nodes.forEach((n, i) => branches.set(`branch-closed-heads/${b}/${i}`, rev(n)))
  const marks = JSON.parse(hg(repo, ['bookmarks', '-T', 'json'])) as {
    bookmark: string
    node: string
  }[]
  for (const m of marks)
    branches.set(`bookmarks/${Buffer.from(m.bookmark).toString('latin1')}`, rev(m.node))
  const tags = JSON.parse(hg(repo, ['tags', '-T', 'json'])) as { tag: string; node: string }[]
  for (const t of tags) {
    if (t.tag === 'tip') continue
    const name = Buffer.from(t.tag)
    branches.set(`tags/${name.toString('latin1')}`, {
      type: 'release',
      target: Buffer.from(expectedReleaseId(name, revOf.get(t.node)!), 'hex'),
    })
  }
  const at = marks.find((m) => m.bookmark === '@')
  const atBranch = at ? hg(repo, ['log', '-r', at.node, '-T', '{branch}']) : null
  const head =
    atBranch !== null && open.has(atBranch)
      ? 'bookmarks/@'
      : open.has('default')
        ? 'branch-tip/default'
        : null
  if (head !== null) branches.set('HEAD', { type: 'alias', target: Buffer.from(head) })
  return branches
}
