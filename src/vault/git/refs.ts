/**
 * The git references of an archived object: what a bare repository holds in `packed-refs` and
 * `HEAD`, and what `git-upload-pack` advertises, from a snapshot's branches, a revision or a
 * release (Software Heritage's git-bare cooker's naming):
 * - a revision: `refs/heads/master` pointing at it, HEAD → `refs/heads/master`;
 * - a release: `refs/tags/<name>` (`release` when the name has characters other than
 *   `[A-Za-z0-9_.-]`), plus `refs/heads/master` → its target when that is a revision;
 * - a snapshot: its branches; the `HEAD` alias is HEAD's symbolic target. Names that are not
 *   under `refs/` (Mercurial's `branch-tip/default`, …) go under `refs/heads/`; names git
 *   refuses (`check-ref-format`), dangling branches and branches to snapshots are left out;
 *   other aliases are resolved to their target's id.
 *
 * @module
 */

import { type AbortOptions, InvalidInputError, NotFoundError } from '../../errors.js'
import {
  bytesEqual,
  compareBytes,
  type CoreSwhid,
  fromLatin1,
  latin1,
  type ReleaseTargetType,
  type SnapshotBranch,
  utf8,
} from '../../model/index.js'
import type { Storage } from '../../storage/index.js'

/** Kinds a git ref can point at. */
export type RefKind = 'rev' | 'rel' | 'dir' | 'cnt'

/** One reference. */
export interface GitRef {
  readonly name: Uint8Array
  readonly id: string
  readonly kind: RefKind
  /** For a tag: the id of the first non-tag object it leads to. */
  readonly peeled: string | null
  /** For a symbolic ref (an alias): the ref it names. */
  readonly symref: Uint8Array | null
}

/** The refs of a repository and its HEAD. */
export interface GitRefs {
  /** HEAD: the ref it names (symref), or a detached id; null when it points nowhere. */
  readonly head: GitRef | null
  /** Sorted by name bytes. */
  readonly refs: readonly GitRef[]
}

const HEAD = utf8('HEAD')
const MASTER = utf8('refs/heads/master')

const KIND_OF: Readonly<Record<ReleaseTargetType, RefKind | null>> = {
  revision: 'rev',
  release: 'rel',
  directory: 'dir',
  content: 'cnt',
  snapshot: null,
}

/** Whether git accepts `name` as a full ref name (`git check-ref-format` rules). */
export function isValidRefName(name: Uint8Array): boolean {
  const s = latin1(name)
  if (!s.startsWith('refs/') || s.endsWith('/') || s.endsWith('.') || s === '@') return false
  if (s.includes('..') || s.includes('@{') || s.includes('//')) return false
  for (let i = 0; i < name.length; i++) {
    const b = name[i]!
    if (b < 0x20 || b === 0x7f || ' ~^:?*[\\'.includes(String.fromCharCode(b))) return false
  }
  return s.split('/').every((c) => c.length > 0 && !c.startsWith('.') && !c.endsWith('.lock'))
}

/** The git ref name of a snapshot branch name, or null when git cannot hold it. */
export function refNameOf(branch: Uint8Array): Uint8Array | null {
  const name = latin1(branch).startsWith('refs/')
    ? branch
    : fromLatin1('refs/heads/' + latin1(branch))
  return isValidRefName(name) ? name : null
}

/** The first non-release object of each release (by id). */
async function peel(
  storage: Pick<Storage, 'releaseGet'>,
  ids: readonly string[],
  o: AbortOptions,
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  // current: release id → the release its chain has reached
  let current = new Map(ids.map((id) => [id, id]))
  for (let hop = 0; hop < 64 && current.size > 0; hop++) {
    const unique = [...new Set(current.values())]
    const byId = new Map<string, { target: string | null; type: ReleaseTargetType }>()
    for (let i = 0; i < unique.length; i += 500) {
      const got = await storage.releaseGet(unique.slice(i, i + 500), o)
      for (const r of got) if (r) byId.set(r.id, { target: r.target, type: r.targetType })
    }
    const next = new Map<string, string>()
    for (const [start, at] of current) {
      const r = byId.get(at)
      if (!r) throw new NotFoundError(`swh:1:rel:${at} is not archived`)
      if (r.target === null) continue
      if (r.type === 'release') next.set(start, r.target)
      else out.set(start, r.target)
    }
    current = next
  }
  return out
}

/** Every branch of a snapshot, page by page. */
async function allBranches(
  storage: Pick<Storage, 'snapshotGetBranches'>,
  id: string,
  o: AbortOptions,
): Promise<SnapshotBranch[]> {
  const out: SnapshotBranch[] = []
  let from: Uint8Array | undefined
  for (;;) {
    const page = await storage.snapshotGetBranches(id, {
      ...o,
      branchesCount: 1000,
      ...(from ? { branchesFrom: from } : {}),
    })
    if (page === null) throw new NotFoundError(`swh:1:snp:${id} is not archived`)
    out.push(...page.branches)
    if (page.nextBranch === null) return out
    from = page.nextBranch
  }
}

type RefsReader = Pick<Storage, 'snapshotGetBranches' | 'releaseGet' | 'revisionMissing'>

/** The refs of a snapshot's branches. */
export async function refsOfSnapshot(
  storage: RefsReader,
  id: string,
  o: AbortOptions = {},
): Promise<GitRefs> {
  const branches = await allBranches(storage, id, o)
  const byName = new Map(branches.map((b) => [latin1(b.name), b]))
  // Follows aliases to a branch with an object target.
  const resolve = (b: SnapshotBranch): SnapshotBranch | null => {
    let at: SnapshotBranch | undefined = b
    for (let hop = 0; hop < 32 && at; hop++) {
      if (at.target === null) return null
      if (at.target.targetType !== 'alias') return at
      at = byName.get(latin1(at.target.target))
    }
    return null
  }
  const refs: { name: Uint8Array; id: string; kind: RefKind; symref: Uint8Array | null }[] = []
  let head: { id: string; kind: RefKind; symref: Uint8Array | null } | null = null
  for (const b of branches) {
    const end = resolve(b)
    if (end === null || end.target === null || end.target.targetType === 'alias') continue
    const kind = KIND_OF[end.target.targetType]
    if (kind === null) continue
    const symref = b.target?.targetType === 'alias' && end !== b ? refNameOf(end.name) : null
    if (bytesEqual(b.name, HEAD)) {
      head = { id: end.target.target, kind, symref }
      continue
    }
    const name = refNameOf(b.name)
    if (name !== null) refs.push({ name, id: end.target.target, kind, symref })
  }
  refs.sort((a, b) => compareBytes(a.name, b.name))
  const peeled = await peel(
    storage,
    [
      ...new Set(
        [...refs, ...(head ? [head] : [])].filter((r) => r.kind === 'rel').map((r) => r.id),
      ),
    ],
    o,
  )
  const withPeel = <T extends { id: string; kind: RefKind }>(r: T) => ({
    ...r,
    peeled: r.kind === 'rel' ? (peeled.get(r.id) ?? null) : null,
  })
  return {
    head: head ? { name: HEAD, ...withPeel(head) } : null,
    refs: refs.map(withPeel),
  }
}

/** The refs of a revision, release or snapshot (see the module notes). */
export async function refsOfTarget(
  storage: RefsReader,
  target: CoreSwhid,
  o: AbortOptions = {},
): Promise<GitRefs> {
  if (target.type === 'snp') return refsOfSnapshot(storage, target.id, o)
  if (target.type === 'rev') {
    if ((await storage.revisionMissing([target.id], o)).length > 0) {
      throw new NotFoundError(`swh:1:rev:${target.id} is not archived`)
    }
    const master: GitRef = { name: MASTER, id: target.id, kind: 'rev', peeled: null, symref: null }
    return { head: { ...master, name: HEAD, symref: MASTER }, refs: [master] }
  }
  if (target.type === 'rel') {
    const [rel] = await storage.releaseGet([target.id], o)
    if (!rel) throw new NotFoundError(`swh:1:rel:${target.id} is not archived`)
    const plain = /^[A-Za-z0-9_.-]+$/.test(latin1(rel.name)) && refNameOf(rel.name) !== null
    const tagName = fromLatin1('refs/tags/' + (plain ? latin1(rel.name) : 'release'))
    const peeled = (await peel(storage, [rel.id], o)).get(rel.id) ?? null
    const tag: GitRef = { name: tagName, id: rel.id, kind: 'rel', peeled, symref: null }
    if (rel.targetType !== 'revision' || rel.target === null) return { head: null, refs: [tag] }
    const master: GitRef = { name: MASTER, id: rel.target, kind: 'rev', peeled: null, symref: null }
    return { head: { ...master, name: HEAD, symref: MASTER }, refs: [master, tag] }
  }
  throw new InvalidInputError(
    `swh:1:${target.type}:${target.id}: only revisions, releases and snapshots have git refs`,
  )
}

/** The refs of an origin: its latest snapshot's. */
export async function refsOfOrigin(
  storage: RefsReader & Pick<Storage, 'originVisitGetLatest'>,
  url: string,
  o: AbortOptions = {},
): Promise<GitRefs> {
  const latest = await storage.originVisitGetLatest(url, { ...o, requireSnapshot: true })
  const snapshot = latest?.status.snapshot
  if (!snapshot) throw new NotFoundError(`Origin ${url} has no archived snapshot`)
  return refsOfSnapshot(storage, snapshot, o)
}
