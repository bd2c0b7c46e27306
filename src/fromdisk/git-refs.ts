/**
 * Which git refs become snapshot branches, and how, as Software Heritage's git loader decides
 * (so that a snapshot SWHID cited from Software Heritage names the same snapshot here). Used by
 * the network loader (refs the remote advertises) and by `arca identify -t snapshot` (refs of a
 * local repository).
 *
 * - Refs named `…^{}` (peeled tags in an advertisement), `refs/pull/…/merge` (GitHub's
 *   auto-merges), `refs/merge-requests/…/merge` (GitLab's), `refs/pipelines/…` (GitLab CI) and
 *   `refs/changes/…` (Gerrit's patch-set history) are left out, symbolic or not.
 * - A ref with an object id is a branch to that object (typed by the caller; null when the
 *   object is not available).
 * - A symbolic ref is an alias to the name it points to. When that name is not itself a kept
 *   branch (an unborn `HEAD`, a `HEAD` left pointing at a deleted branch), the name is also
 *   recorded, as a branch with a null target.
 * - A name listed twice keeps its last listing; a symbolic listing wins over a plain one.
 *
 * @module
 */

import { type BranchTarget, latin1, type SnapshotBranch } from '../model/index.js'

/** A ref as listed by a remote or read from a repository. */
export interface ListedRef {
  readonly name: Uint8Array
  /** The object the ref resolves to; null when it resolves to nothing (unborn). */
  readonly oid: string | null
  /** The ref it points to, for a symbolic ref. */
  readonly symref: Uint8Array | null
}

/** Name prefixes left out whatever follows them. */
const IGNORED_PREFIXES = ['refs/pipelines/', 'refs/changes/']

/** Name prefixes left out when the name also ends with `/merge`. */
const IGNORED_MERGE_PREFIXES = ['refs/pull/', 'refs/merge-requests/']

/** Whether the ref `name` is left out of snapshots (see the module comment). */
export function isIgnoredRef(name: Uint8Array): boolean {
  const s = latin1(name)
  if (s.endsWith('^{}')) return true
  if (IGNORED_PREFIXES.some((p) => s.startsWith(p))) return true
  return s.endsWith('/merge') && IGNORED_MERGE_PREFIXES.some((p) => s.startsWith(p))
}

/**
 * Negative refspecs (`git fetch URL '+refs/*:refs/*' …`) that keep git from fetching the refs
 * {@link isIgnoredRef} leaves out. Only an optimisation: the odd name their patterns miss
 * (`refs/pull/merge`) is fetched and then still left out of the snapshot.
 */
export const IGNORED_REFSPECS: readonly string[] = [
  ...IGNORED_MERGE_PREFIXES.map((p) => `^${p}*/merge`),
  ...IGNORED_PREFIXES.map((p) => `^${p}*`),
]

/** The refs worth fetching and recording: `refs` without the ignored names. */
export function keptRefs<R extends ListedRef>(refs: readonly R[]): R[] {
  return refs.filter((r) => !isIgnoredRef(r.name))
}

/**
 * The snapshot branches of `refs` (unsorted); `targetOf` types a ref's object, or answers null
 * for an object that is not available (the branch is then dangling).
 */
export function refsToBranches(
  refs: readonly ListedRef[],
  targetOf: (oid: string) => BranchTarget | null,
): SnapshotBranch[] {
  const kept = keptRefs(refs)
  const branches = new Map<string, SnapshotBranch>()
  for (const r of kept) {
    if (r.symref !== null || r.oid === null) continue
    branches.set(latin1(r.name), { name: new Uint8Array(r.name), target: targetOf(r.oid) })
  }
  for (const r of kept) {
    if (r.symref === null) continue
    const target: BranchTarget = { targetType: 'alias', target: new Uint8Array(r.symref) }
    branches.set(latin1(r.name), { name: new Uint8Array(r.name), target })
    const to = latin1(r.symref)
    // A later symbolic ref of that name replaces this null branch.
    if (!branches.has(to)) branches.set(to, { name: new Uint8Array(r.symref), target: null })
  }
  return [...branches.values()]
}
