/**
 * What an archive of a git repository must hold, computed from git alone (no Arca code): the
 * snapshot a visit over protocol v2 records (from `git for-each-ref` and HEAD, by the ref rules
 * of Software Heritage's git loader), its id hashed by hand from the snapshot manifest of
 * shared/spec/swhid.md (§7), and every object git can reach from a ref (`git rev-list --objects
 * --all`) with its type and, for blobs, its bytes.
 *
 * The branches and the snapshot id come from ./snapshot-expect.ts (shared with the loader tests).
 */
import { execFileSync } from 'node:child_process'

import { git } from './repos.js'

export { type ExpectedBranches, expectedBranches, snapshotId } from './snapshot-expect.js'

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
