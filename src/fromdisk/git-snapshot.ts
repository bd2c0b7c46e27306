/**
 * The snapshot of a git repository's refs, read with the git binary (SWHID spec §8, last
 * bullet): the refs under `refs/` plus `HEAD`, turned into branches by the rules the network
 * loader follows too (`git-refs.ts`: Software Heritage's); a ref whose object is missing is
 * dangling.
 *
 * @module
 */

import { execFile } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { promisify } from 'node:util'

import { InvalidInputError, IoError } from '../errors.js'
import {
  type BranchTarget,
  latin1,
  makeSnapshot,
  type ReleaseTargetType,
  type Snapshot,
  type SnapshotBranch,
} from '../model/index.js'
import { type ListedRef, refsToBranches } from './git-refs.js'

const run = promisify(execFile)

/** Git object type → snapshot target type. */
export const GIT_TYPE_TO_TARGET: Readonly<Record<string, ReleaseTargetType>> = {
  blob: 'content',
  tree: 'directory',
  commit: 'revision',
  tag: 'release',
}

/** Environment for running git on a repository we do not trust and must not search above. */
export function gitEnv(repo: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Never discover a repository above the one we were given.
    GIT_CEILING_DIRECTORIES: dirname(resolve(repo)),
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  }
}

async function git(repo: string, args: string[], input?: Uint8Array): Promise<Buffer> {
  const child = run('git', ['-c', 'core.fsmonitor=false', '-C', repo, ...args], {
    encoding: 'buffer',
    env: gitEnv(repo),
    maxBuffer: 1 << 30,
  })
  if (input !== undefined) {
    child.child.stdin?.end(input)
  }
  return (await child).stdout
}

function splitLines(buf: Buffer): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a) {
      if (i > start) out.push(buf.subarray(start, i))
      start = i + 1
    }
  }
  if (start < buf.length) out.push(buf.subarray(start))
  return out
}

/**
 * Reads the branches of the git repository at `repo` (bare or not).
 *
 * @example
 * ```ts
 * const snp = await gitRepositorySnapshot('helloworld.git')
 * console.log(`swh:1:snp:${snp.id}`)
 * ```
 */
export async function gitRepositorySnapshot(repo: string): Promise<Snapshot> {
  return makeSnapshot(await gitRepositoryBranches(repo))
}

/** The branches of {@link gitRepositorySnapshot}, unsorted. */
export async function gitRepositoryBranches(repo: string): Promise<SnapshotBranch[]> {
  try {
    await git(repo, ['rev-parse', '--git-dir'])
  } catch (e) {
    throw new InvalidInputError(`"${repo}" is not a git repository`, { cause: e })
  }
  let refsOut: Buffer
  try {
    // No %(objecttype): git aborts on a ref to a missing object when asked for it.
    refsOut = await git(repo, ['for-each-ref', '--format=%(objectname)%00%(refname)%00%(symref)'])
  } catch (e) {
    throw new IoError(`Cannot list the refs of "${repo}"`, { cause: e })
  }
  const refs: { name: Buffer; oid: string; symref: Buffer }[] = []
  for (const line of splitLines(refsOut)) {
    const a = line.indexOf(0)
    const b = line.indexOf(0, a + 1)
    refs.push({
      oid: line.subarray(0, a).toString('latin1'),
      name: line.subarray(a + 1, b),
      symref: line.subarray(b + 1),
    })
  }
  const head: { name: Buffer; oid: string | null; symref: Buffer | null } = {
    name: Buffer.from('HEAD'),
    oid: null,
    symref: null,
  }
  try {
    head.symref = (await git(repo, ['symbolic-ref', '-q', 'HEAD'])).subarray(0, -1)
  } catch {
    try {
      head.oid = (await git(repo, ['rev-parse', '-q', '--verify', 'HEAD']))
        .toString('latin1')
        .trim()
    } catch {
      // No HEAD at all: nothing to record.
    }
  }

  const oids = [...new Set([...refs.map((r) => r.oid), ...(head.oid ? [head.oid] : [])])]
  const types = new Map<string, string>()
  if (oids.length > 0) {
    const out = await git(
      repo,
      ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
      Buffer.from(oids.join('\n') + '\n'),
    )
    for (const line of splitLines(out)) {
      const [oid, type] = latin1(line).split(' ')
      if (oid && type) types.set(oid, type)
    }
  }
  const target = (oid: string): BranchTarget | null => {
    const t = GIT_TYPE_TO_TARGET[types.get(oid) ?? '']
    return t === undefined ? null : { targetType: t, target: oid }
  }

  const listed: ListedRef[] = refs.map((r) => ({
    name: r.name,
    oid: r.oid,
    symref: r.symref.length > 0 ? r.symref : null,
  }))
  if (head.symref) listed.push({ name: head.name, oid: null, symref: head.symref })
  else if (head.oid) listed.push({ name: head.name, oid: head.oid, symref: null })
  return refsToBranches(listed, target)
}
