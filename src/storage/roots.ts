/**
 * The root directory an object stands for: a directory itself, a revision's tree, a release's
 * target followed down (releases of releases included), a snapshot's main branch (aliases
 * followed), an origin's latest visit with a snapshot. One resolver for every reader that needs
 * "the tree of this" (vault bundles, citations, the metadata indexer), so that each follows the
 * same branches in the same order and names what it could not follow in the same words.
 *
 * - An object that the path goes through and that is not stored (or is masked, through a
 *   masked view) throws `NotFoundError` naming it.
 * - A path that ends elsewhere than at a directory (no such branch, a dangling branch, an alias
 *   loop, a release without a target, a content) is an answer, not an error: `{ none }` with
 *   its reason, for the caller to word as it must (the vault refuses; a citation falls back on
 *   the origin).
 * - Branch names are bytes throughout; snapshots are read one branch at a time, so a snapshot
 *   with millions of branches costs a few indexed reads.
 *
 * @module
 */

import { NotFoundError } from '../errors.js'
import {
  type BranchTarget,
  bytesEqual,
  type CoreSwhid,
  formatSwhid,
  type Revision,
  type SnapshotBranch,
  utf8,
} from '../model/index.js'
import type { Storage } from './interface.js'

/** What the resolver reads. */
export type RootStorage = Pick<
  Storage,
  'snapshotGetBranches' | 'releaseGet' | 'revisionGet' | 'directoryMissing' | 'originVisitGetLatest'
>

/** Branches tried for a snapshot's main line when no other is named, in this order. */
export const MAIN_BRANCHES: readonly Uint8Array[] = [
  utf8('HEAD'),
  utf8('refs/heads/main'),
  utf8('refs/heads/master'),
]

const MAX_HOPS = 100

/** The tree found, and what led to it. */
export interface Root {
  readonly directory: string
  /** The revision whose tree it is, if a revision was on the path. */
  readonly revision: Revision | null
  /** The first release on the path, if any. */
  readonly release: string | null
  /** The snapshot branch followed (its name before aliases), if a snapshot was on the path. */
  readonly branch: Uint8Array | null
}

/** Why a path does not end at a directory. */
export type NoRootReason =
  | { readonly kind: 'no-branch'; readonly snapshot: string; readonly names: readonly Uint8Array[] }
  | { readonly kind: 'dangling'; readonly snapshot: string; readonly name: Uint8Array }
  | { readonly kind: 'alias-loop'; readonly snapshot: string; readonly name: Uint8Array }
  | { readonly kind: 'no-target'; readonly release: string }
  | { readonly kind: 'content'; readonly content: string }
  | { readonly kind: 'unsupported'; readonly object: CoreSwhid }
  | { readonly kind: 'no-snapshot'; readonly origin: string }

export type RootOutcome = { readonly root: Root } | { readonly none: NoRootReason }

/** Options of {@link resolveRoot}. */
export interface ResolveRootOptions {
  /** Branches tried in a snapshot, first present wins (default {@link MAIN_BRANCHES}). */
  readonly branches?: readonly Uint8Array[]
}

/** A branch of a snapshot after its aliases, with the name it was asked by. */
export type BranchOutcome =
  | { readonly name: Uint8Array; readonly target: Exclude<BranchTarget, { targetType: 'alias' }> }
  | { readonly none: NoRootReason }

const TYPE: Readonly<Record<string, CoreSwhid['type']>> = {
  directory: 'dir',
  revision: 'rev',
  release: 'rel',
  content: 'cnt',
  snapshot: 'snp',
}

function notFound(type: CoreSwhid['type'], id: string): never {
  throw new NotFoundError(`${formatSwhid({ type, id })} not found`)
}

async function branchNamed(
  storage: RootStorage,
  snapshot: string,
  name: Uint8Array,
): Promise<SnapshotBranch | null> {
  const page = await storage.snapshotGetBranches(snapshot, {
    branchesFrom: name,
    branchesCount: 1,
  })
  if (!page) notFound('snp', snapshot)
  const branch = page.branches[0]
  return branch && bytesEqual(branch.name, name) ? branch : null
}

/** The first of `names` present in `snapshot`, its aliases followed. */
export async function resolveSnapshotBranch(
  storage: RootStorage,
  snapshot: string,
  names: readonly Uint8Array[] = MAIN_BRANCHES,
): Promise<BranchOutcome> {
  for (const asked of names) {
    let branch = await branchNamed(storage, snapshot, asked)
    if (!branch) continue
    for (let hop = 0; ; hop++) {
      const t = branch.target
      if (!t) return { none: { kind: 'dangling', snapshot, name: branch.name } }
      if (t.targetType !== 'alias') return { name: asked, target: t }
      if (hop >= MAX_HOPS) return { none: { kind: 'alias-loop', snapshot, name: asked } }
      const next = await branchNamed(storage, snapshot, t.target)
      if (!next) return { none: { kind: 'dangling', snapshot, name: t.target } }
      branch = next
    }
  }
  return { none: { kind: 'no-branch', snapshot, names } }
}

/**
 * The root directory of `target`.
 *
 * @example
 * ```ts
 * const found = await resolveRoot(storage, parseCoreSwhid('swh:1:snp:…'))
 * if ('root' in found) console.log(found.root.directory)
 * ```
 */
export async function resolveRoot(
  storage: RootStorage,
  target: CoreSwhid,
  options: ResolveRootOptions = {},
): Promise<RootOutcome> {
  let type: CoreSwhid['type'] | undefined = target.type
  let id = target.id
  let branch: Uint8Array | null = null
  let release: string | null = null
  if (type === 'snp') {
    const found = await resolveSnapshotBranch(storage, id, options.branches ?? MAIN_BRANCHES)
    if ('none' in found) return found
    branch = found.name
    type = TYPE[found.target.targetType]
    id = found.target.target
  }
  for (let hop = 0; type === 'rel'; hop++) {
    if (hop >= MAX_HOPS) return { none: { kind: 'unsupported', object: { type, id } } }
    const [rel] = await storage.releaseGet([id])
    if (!rel) notFound('rel', id)
    release ??= id
    if (rel.target === null) return { none: { kind: 'no-target', release: id } }
    type = TYPE[rel.targetType]
    id = rel.target
  }
  switch (type) {
    case 'dir':
      if ((await storage.directoryMissing([id])).length > 0) notFound('dir', id)
      return { root: { directory: id, revision: null, release, branch } }
    case 'rev': {
      const [rev] = await storage.revisionGet([id])
      if (!rev) notFound('rev', id)
      return { root: { directory: rev.directory, revision: rev, release, branch } }
    }
    case 'cnt':
      return { none: { kind: 'content', content: id } }
    default:
      return { none: { kind: 'unsupported', object: { type: type ?? target.type, id } } }
  }
}

/** The root directory of `origin`'s latest visit with a snapshot (its main branch). */
export async function resolveOriginRoot(
  storage: RootStorage,
  origin: string,
  options: ResolveRootOptions = {},
): Promise<RootOutcome> {
  const latest = await storage.originVisitGetLatest(origin, { requireSnapshot: true })
  const snapshot = latest?.status?.snapshot
  if (!snapshot) return { none: { kind: 'no-snapshot', origin } }
  return resolveRoot(storage, { type: 'snp', id: snapshot }, options)
}

const name = (b: Uint8Array): string => JSON.stringify(Buffer.from(b).toString('utf8'))

/** `reason` in words, for messages. */
export function describeNoRoot(reason: NoRootReason): string {
  switch (reason.kind) {
    case 'no-branch':
      return `swh:1:snp:${reason.snapshot} has no branch ${reason.names.map(name).join(', ')}`
    case 'dangling':
      return `Branch ${name(reason.name)} of swh:1:snp:${reason.snapshot} is dangling`
    case 'alias-loop':
      return `Branch ${name(reason.name)} of swh:1:snp:${reason.snapshot} is an alias loop`
    case 'no-target':
      return `swh:1:rel:${reason.release} has no target`
    case 'content':
      return `The path leads to a content (swh:1:cnt:${reason.content}), not a directory`
    case 'unsupported':
      return `${formatSwhid(reason.object)} has no root directory`
    case 'no-snapshot':
      return `Origin ${reason.origin} has no visit with a snapshot`
  }
}
