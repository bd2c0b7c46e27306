/**
 * What an archive of a git repository must hold, computed from git alone (no Arca code): the
 * snapshot a visit over protocol v2 records (from `git for-each-ref` and HEAD, by the ref rules
 * of Software Heritage's git loader), its id hashed by hand from the snapshot manifest of
 * shared/spec/swhid.md (§7), and every object git can reach from a ref (`git rev-list --objects
 * --all`) with its type and, for blobs, its bytes.
 *
 * (test/integration/loader-git-refs.test.ts writes a similar expectation of its own, with the
 * protocol v0 listing too.)
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'

import { git } from './repos.js'

/** A branch's target: its type word as the manifest writes it, and its bytes. */
export interface ExpectedTarget {
  /** `revision`, `release`, `directory`, `content` or `alias`. */
  readonly type: string
  /** Hex id (object targets) or the target name, latin-1 (aliases). */
  readonly target: string
}

/** Branches by name (latin-1 strings: git's bytes one for one); null for a dangling branch. */
export type ExpectedBranches = Map<string, ExpectedTarget | null>

const BRANCH_TYPE: Readonly<Record<string, string>> = {
  commit: 'revision',
  tag: 'release',
  tree: 'directory',
  blob: 'content',
}

/** Ref names swh-loader-git leaves out of a snapshot (`utils.ignore_branch_name`). */
function leftOut(name: string): boolean {
  if (name.endsWith('^{}')) return true
  if (name.startsWith('refs/pipelines/') || name.startsWith('refs/changes/')) return true
  const mergeRef = name.startsWith('refs/pull/') || name.startsWith('refs/merge-requests/')
  return mergeRef && name.endsWith('/merge')
}

/**
 * The snapshot branches of `repo` as a protocol v2 visit sees them: every ref under refs/ to its
 * object (symbolic ones as aliases), and HEAD as an alias to its target, which is recorded as
 * dangling when it is not itself a ref (an unborn branch).
 */
export function expectedBranches(repo: string): ExpectedBranches {
  const out: ExpectedBranches = new Map()
  const aliases: [string, string][] = []
  const listing = git(repo, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(symref)',
  ])
  for (const line of listing.split('\n').filter(Boolean)) {
    const [name, oid, type, symref] = line.split('\0') as [string, string, string, string]
    if (leftOut(name)) continue
    if (symref) aliases.push([name, symref])
    else out.set(name, { type: BRANCH_TYPE[type]!, target: oid })
  }
  let head: string | null = null
  try {
    head = git(repo, ['symbolic-ref', '-q', 'HEAD'])
  } catch {
    // A detached HEAD is a plain ref to its commit.
    const oid = git(repo, ['rev-parse', '-q', '--verify', 'HEAD'])
    out.set('HEAD', { type: 'revision', target: oid })
  }
  if (head !== null) aliases.push(['HEAD', head])
  for (const [name, target] of aliases) {
    out.set(name, { type: 'alias', target })
    if (!out.has(target)) out.set(target, null)
  }
  return out
}

/**
 * The snapshot id of `branches`: SHA-1 of `snapshot <len>\0` followed by, for each branch in
 * order of name bytes, `<type> <name>\0<target length>:<target>`, where the target is the 20
 * raw id bytes, the alias's name, or nothing for a dangling branch (type `dangling`).
 */
export function snapshotIdOf(branches: ExpectedBranches): string {
  const names = [...branches.keys()]
    .map((n) => Buffer.from(n, 'latin1'))
    .sort((a, b) => Buffer.compare(a, b))
  const parts: Buffer[] = []
  for (const name of names) {
    const b = branches.get(name.toString('latin1'))!
    const target =
      b === null
        ? Buffer.alloc(0)
        : b.type === 'alias'
          ? Buffer.from(b.target, 'latin1')
          : Buffer.from(b.target, 'hex')
    parts.push(
      Buffer.from(`${b === null ? 'dangling' : b.type} `),
      name,
      Buffer.from(`\0${target.length}:`),
      target,
    )
  }
  const body = Buffer.concat(parts)
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`snapshot ${body.length}\0`), body]))
    .digest('hex')
}

/** An object git reaches from a ref. */
export interface GitObject {
  readonly oid: string
  readonly type: 'commit' | 'tree' | 'blob' | 'tag'
}

/** Every object reachable from the refs of `repo` (`rev-list --objects --all`), typed by git. */
export function reachableObjects(repo: string): GitObject[] {
  const ids = git(repo, ['rev-list', '--objects', '--all'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(0, 40))
  const typed = git(repo, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    input: ids.join('\n') + '\n',
  })
  return typed
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [oid, type] = l.split(' ')
      return { oid: oid!, type: type as GitObject['type'] }
    })
}

/** The raw bytes (no header) of the objects `oids` of `repo`, by id (`git cat-file --batch`). */
export function objectBytes(repo: string, oids: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  if (oids.length === 0) return out
  const raw = execFileSync('git', ['-C', repo, 'cat-file', '--batch'], {
    input: oids.join('\n') + '\n',
    maxBuffer: 1 << 28,
  })
  let pos = 0
  while (pos < raw.length) {
    const eol = raw.indexOf(0x0a, pos)
    const [oid, , size] = raw.subarray(pos, eol).toString('latin1').split(' ')
    if (size === undefined) throw new Error(`git cat-file: ${oid} is missing`)
    const start = eol + 1
    out.set(oid!, Buffer.from(raw.subarray(start, start + Number(size))))
    pos = start + Number(size) + 1
  }
  return out
}

/** A tree entry as git stores it: the mode read as octal, the name, the target id. */
export interface GitTreeEntry {
  readonly name: string
  readonly perms: number
  readonly target: string
}

/** Entries of a raw tree (`<octal mode> <name>\0<20-byte id>`…), names as latin-1, sorted. */
export function parseTree(raw: Buffer): GitTreeEntry[] {
  const out: GitTreeEntry[] = []
  let pos = 0
  while (pos < raw.length) {
    const sp = raw.indexOf(0x20, pos)
    const nul = raw.indexOf(0x00, sp)
    out.push({
      perms: parseInt(raw.subarray(pos, sp).toString('latin1'), 8),
      name: raw.subarray(sp + 1, nul).toString('latin1'),
      target: raw.subarray(nul + 1, nul + 21).toString('hex'),
    })
    pos = nul + 21
  }
  return out.sort((a, b) =>
    Buffer.compare(Buffer.from(a.name, 'latin1'), Buffer.from(b.name, 'latin1')),
  )
}

/** Tree and parents of each commit reachable from the refs of `repo`. */
export function commitLinks(repo: string): Map<string, { tree: string; parents: string[] }> {
  const out = new Map<string, { tree: string; parents: string[] }>()
  for (const line of git(repo, ['log', '--all', '--format=%H %T %P']).split('\n')) {
    const [id, tree, ...parents] = line.trim().split(' ').filter(Boolean)
    if (id) out.set(id, { tree: tree!, parents })
  }
  return out
}
