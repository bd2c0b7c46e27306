/**
 * The snapshot a git visit should archive, computed without Arca: the branches from git's own
 * listing of the repository (`git for-each-ref`, `git symbolic-ref HEAD`), filtered by the ref
 * rules of swh-loader-git (`utils.ignore_branch_name`, `GitLoader.get_snapshot`) written out
 * here, and the snapshot id hashed as `../shared/spec/swhid.md` §7 says: branches sorted by name
 * bytes, each `<type> <name>\0<len>:<target>`, after a `snapshot <len>\0` header, sha1.
 *
 * Nothing here imports `src/`: the expectation must not come from the code under test.
 */
import { createHash } from 'node:crypto'

import { git } from './repos.js'

/** Refs Software Heritage's git loader leaves out of a snapshot. */
export function swhIgnores(name: string): boolean {
  return (
    name.endsWith('^{}') ||
    (name.startsWith('refs/pull/') && name.endsWith('/merge')) ||
    (name.startsWith('refs/merge-requests/') && name.endsWith('/merge')) ||
    name.startsWith('refs/pipelines/') ||
    name.startsWith('refs/changes/')
  )
}

/** Branch name (latin1, i.e. the bytes) → its target, or null for a dangling branch. */
export type ExpectedBranches = Map<string, { type: string; target: Buffer } | null>

const TYPE_WORD: Record<string, string> = {
  commit: 'revision',
  tag: 'release',
  tree: 'directory',
  blob: 'content',
}

function gitOrNull(repo: string, args: string[]): string | null {
  try {
    return git(repo, args)
  } catch {
    return null
  }
}

/**
 * The branches a visit over `protocol` sees, from git's listing of the repository: protocol v2
 * names every symbolic ref and an unborn HEAD; protocol v0 names only HEAD's target, and only
 * when HEAD resolves (other symbolic refs look like plain refs). A detached HEAD is a plain
 * branch to its object in both.
 */
export function expectedBranches(repo: string, protocol: 'v0' | 'v2' = 'v2'): ExpectedBranches {
  const listing = git(repo, [
    'for-each-ref',
    '--format=%(refname) %(objectname) %(objecttype) %(symref)',
  ])
  const plain: [string, string, string][] = []
  const symbolic: [string, string][] = []
  for (const line of listing.split('\n').filter(Boolean)) {
    const [name, oid, type, symref] = line.split(' ') as [string, string, string, string]
    if (symref && protocol === 'v2') symbolic.push([name, symref])
    else plain.push([name, oid, type])
  }
  const headTarget = gitOrNull(repo, ['symbolic-ref', '-q', 'HEAD'])
  const headOid = gitOrNull(repo, ['rev-parse', '-q', '--verify', 'HEAD'])
  if (headTarget !== null && (protocol === 'v2' || headOid !== null))
    symbolic.push(['HEAD', headTarget])
  else if (headTarget === null && headOid !== null)
    plain.push(['HEAD', headOid, git(repo, ['cat-file', '-t', headOid])])
  const out: ExpectedBranches = new Map()
  for (const [name, oid, type] of plain)
    if (!swhIgnores(name))
      out.set(name, { type: TYPE_WORD[type]!, target: Buffer.from(oid, 'hex') })
  for (const [name, target] of symbolic) {
    if (swhIgnores(name)) continue
    out.set(name, { type: 'alias', target: Buffer.from(target, 'latin1') })
    if (!out.has(target)) out.set(target, null)
  }
  return out
}

/** sha1 of `snapshot <len>\0` + each branch `<type> <name>\0<len>:<target>`, by name bytes. */
export function snapshotId(branches: ExpectedBranches): string {
  const bytes = (s: string): Buffer => Buffer.from(s, 'latin1')
  const names = [...branches.keys()].sort((a, b) => Buffer.compare(bytes(a), bytes(b)))
  const body = Buffer.concat(
    names.map((n) => {
      const b = branches.get(n)!
      const type = b === null ? 'dangling' : b.type
      const target = b === null ? Buffer.alloc(0) : b.target
      return Buffer.concat([bytes(`${type} `), bytes(n), bytes(`\0${target.length}:`), target])
    }),
  )
  return createHash('sha1')
    .update(Buffer.concat([bytes(`snapshot ${body.length}\0`), body]))
    .digest('hex')
}

/** The SWHID of the snapshot a visit of `repo` over `protocol` archives. */
export function expectedSnapshotSwhid(repo: string, protocol: 'v0' | 'v2' = 'v2'): string {
  return `swh:1:snp:${snapshotId(expectedBranches(repo, protocol))}`
}
