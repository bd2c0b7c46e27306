/**
 * Bazaar branches for the bzr loader tests, made with the real `brz` (and Breezy's Python API
 * for what the command line cannot say, e.g. a timezone of odd seconds), the expected ids
 * worked out independently of Arca: each revision exported with `brz export` and hashed with
 * `git hash-object` / `git mktree` (empty directories included), revision and release manifests
 * written by hand per Software Heritage's bzr conventions and hashed with
 * `git hash-object --literally`, and a static HTTP server and `brz serve` to load them over.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'

import { freePort } from './git-servers.js'
import { tcpReachable } from './services.js'

/** Breezy's Python. */
export const BZR_PYTHON = process.env['ARCA_BZR_PYTHON'] ?? '/usr/bin/python3'

/** Whether `brz` runs here. */
export function brzAvailable(): boolean {
  try {
    execFileSync('brz', ['version'], { stdio: 'ignore', env: brzEnv() })
    execFileSync(BZR_PYTHON, ['-c', 'import breezy'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export function brzEnv(email = 'Test Committer <committer@example.org>'): NodeJS.ProcessEnv {
  return { ...process.env, BRZ_EMAIL: email, BRZ_LOG: '/dev/null', BRZ_PROGRESS_BAR: 'none' }
}

/** Runs brz in `cwd`. */
export function brz(cwd: string, args: string[], email?: string): string {
  return execFileSync('brz', args, {
    cwd,
    env: brzEnv(email),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs a Python snippet with Breezy loaded (`sys.argv[1:]` = args); stdout. */
export function breezyPy(code: string, args: string[] = [], env?: NodeJS.ProcessEnv): string {
  const prelude =
    'import sys, json, breezy\n' +
    'with breezy.get_global_state() if hasattr(breezy, "get_global_state") else breezy.initialize():\n' +
    '  import breezy.bzr\n' +
    code
      .split('\n')
      .map((l) => '  ' + l)
      .join('\n')
  return execFileSync(BZR_PYTHON, ['-c', prelude, ...args], {
    env: env ?? brzEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Commits in working tree `wt` through Breezy's API, with an exact timestamp and timezone. */
export function commitAt(wt: string, message: string, timestamp: number, timezone: number): void {
  breezyPy(
    [
      'from breezy.workingtree import WorkingTree',
      'wt = WorkingTree.open(sys.argv[1])',
      'wt.commit(sys.argv[2], timestamp=float(sys.argv[3]), timezone=int(sys.argv[4]))',
    ].join('\n'),
    [wt, message, String(timestamp), String(timezone)],
  )
}

/** Commits in `wt` a merge of a revision the repository does not have (a ghost parent). */
export function commitWithGhost(wt: string, message: string, ghost: string): void {
  breezyPy(
    [
      'from breezy.workingtree import WorkingTree',
      'wt = WorkingTree.open(sys.argv[1])',
      'wt.set_parent_ids(wt.get_parent_ids() + [sys.argv[3].encode()])',
      'wt.commit(sys.argv[2])',
    ].join('\n'),
    [wt, message, ghost],
  )
}

/** What Breezy itself says of one revision (ids hex, texts as given). */
export interface BzrRev {
  id: string
  parents: string[]
  committer: string
  author: string
  timestamp: number
  timezone: number
  /** Python's `round(timezone / 60)`. */
  minutes: number
  message: string
  bugs: [string, string][]
}

/** Every revision of the branch at `dir`, parents first, read with Breezy's API. */
export function revisionsOf(dir: string): BzrRev[] {
  const out = breezyPy(
    [
      'from breezy.branch import Branch',
      'from breezy.revision import NULL_REVISION',
      'b = Branch.open(sys.argv[1]); b.lock_read(); r = b.repository; g = r.get_graph()',
      'ids = list(g.iter_topo_order([x for x, _ in g.iter_ancestry([b.last_revision()]) if x != NULL_REVISION]))',
      'for rev in r.get_revisions(ids):',
      '  print(json.dumps({"id": rev.revision_id.hex(), "parents": [p.hex() for p in rev.parent_ids],',
      '    "committer": rev.committer, "author": rev.get_apparent_authors()[0],',
      '    "timestamp": int(rev.timestamp), "timezone": rev.timezone, "minutes": round(rev.timezone / 60),',
      '    "message": rev.message, "bugs": list(rev.iter_bugs())}))',
    ].join('\n'),
    [dir],
  )
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BzrRev)
}

/** The branch's tags: name → revision id (hex), from `brz tags --show-ids`. */
export function tagsOf(dir: string): Map<string, string> {
  const out = brz(dir, ['tags', '--show-ids'])
  const tags = new Map<string, string>()
  for (const line of out.split('\n').filter(Boolean)) {
    const m = /^(\S+)\s+(\S+)$/.exec(line)
    if (m) tags.set(m[1]!, Buffer.from(m[2]!).toString('hex'))
  }
  return tags
}

function git(gitDir: string, args: string[], input?: Buffer): string {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { input, encoding: 'utf8' }).trim()
}

/** Git's tree id of the directory `dir` on disk, empty directories kept (`git mktree`). */
export function treeIdOf(gitDir: string, dir: string): string {
  const lines: Buffer[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = lstatSync(p)
    let line: string
    if (st.isSymbolicLink())
      line = `120000 blob ${git(gitDir, ['hash-object', '-w', '--stdin'], Buffer.from(readlinkSync(p)))}`
    else if (st.isDirectory()) line = `040000 tree ${treeIdOf(gitDir, p)}`
    else
      line = `${st.mode & 0o100 ? '100755' : '100644'} blob ${git(gitDir, ['hash-object', '-w', p])}`
    lines.push(Buffer.from(`${line}\t${name}\0`))
  }
  return git(gitDir, ['mktree', '-z'], Buffer.concat(lines))
}

/** The directory id of revision `id` (hex) of `branch`, from `brz export`. */
export function exportedTreeId(
  gitDir: string,
  branch: string,
  id: string,
  scratch: string,
): string {
  mkdirSync(scratch, { recursive: true })
  const dest = join(scratch, `export-${id.slice(-16)}`)
  execFileSync(
    'brz',
    ['export', '-r', `revid:${Buffer.from(id, 'hex').toString()}`, dest, branch],
    {
      env: brzEnv(),
    },
  )
  return treeIdOf(gitDir, dest)
}

function offset(minutes: number): string {
  const a = Math.abs(minutes)
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`
}

/** The commit manifest of a bzr revision per SWH's loader, hashed by git. */
export function expectedRevisionId(
  gitDir: string,
  rev: BzrRev,
  tree: string,
  parents: string[],
): string {
  const date = `${rev.timestamp} ${offset(rev.minutes)}`
  const lines = [`tree ${tree}`, ...parents.map((p) => `parent ${p}`)]
  lines.push(`author ${rev.author} ${date}`, `committer ${rev.committer} ${date}`)
  lines.push(`time_offset_seconds ${rev.timezone}`)
  for (const [url, status] of rev.bugs) lines.push(`bug ${status} ${url}`)
  const body = Buffer.from(lines.join('\n') + '\n\n' + rev.message)
  return git(gitDir, ['hash-object', '-t', 'commit', '--literally', '--stdin'], body)
}

/** The tag manifest of a bzr tag per SWH's loader (empty tagger, no date, no message). */
export function expectedReleaseId(gitDir: string, name: string, target: string): string {
  const body = Buffer.from(`object ${target}\ntype commit\ntag ${name}\ntagger \n`)
  return git(gitDir, ['hash-object', '-t', 'tag', '--literally', '--stdin'], body)
}

/** Every expected id of a branch: directory and revision per bzr revision, release per tag. */
export interface Expected {
  readonly revs: Map<string, { dir: string; rev: string }>
  readonly tags: Map<string, { release: string; target: string }>
  readonly head: string
}

export function expectedIds(gitDir: string, branch: string, scratch: string): Expected {
  const revs = new Map<string, { dir: string; rev: string }>()
  let head = ''
  for (const r of revisionsOf(branch)) {
    const dir = exportedTreeId(gitDir, branch, r.id, scratch)
    const parents = r.parents.map((p) => revs.get(p)?.rev).filter((p): p is string => !!p)
    const rev = expectedRevisionId(gitDir, r, dir, parents)
    revs.set(r.id, { dir, rev })
    head = rev
  }
  const tags = new Map<string, { release: string; target: string }>()
  for (const [name, target] of tagsOf(branch)) {
    const rev = revs.get(target)!.rev
    tags.set(name, { release: expectedReleaseId(gitDir, name, rev), target: rev })
  }
  return { revs, tags, head }
}

/** A running server: its base URL and a stop function. */
export interface BzrServer {
  readonly url: string
  stop(): Promise<void>
}

/** `brz serve` of `dir` on a free loopback port (bzr://127.0.0.1:PORT/). */
export async function startBrzServe(dir: string): Promise<BzrServer> {
  const port = await freePort()
  const proc = spawn(
    'brz',
    ['serve', '--listen', '127.0.0.1', '--port', String(port), '--directory', dir],
    { env: brzEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let exited = false
  proc.once('exit', () => (exited = true))
  const deadline = Date.now() + 20_000
  while (!(await tcpReachable('127.0.0.1', port, 500))) {
    if (exited || Date.now() > deadline) throw new Error('brz serve did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url: `bzr://127.0.0.1:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}

/**
 * A static HTTP server of `dir` on loopback (GET with single byte ranges, nothing else), with
 * HTTP basic authentication when `auth` ("user:password") is given.
 */
export async function startStaticHttp(dir: string, auth?: string): Promise<BzrServer> {
  const server: Server = createServer((req, res) => {
    if (auth && req.headers.authorization !== `Basic ${Buffer.from(auth).toString('base64')}`) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="bzr"' }).end()
      return
    }
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = join(dir, path)
    let size: number
    try {
      const st = statSync(file)
      if (!st.isFile() || req.method !== 'GET') throw new Error('no')
      size = st.size
    } catch {
      res.writeHead(404).end()
      return
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (range) {
      const start = Number(range[1])
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1
      res.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': String(end - start + 1),
      })
      createReadStream(file, { start, end }).pipe(res)
      return
    }
    res.writeHead(200, { 'content-length': String(size) })
    res.end(readFileSync(file))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
