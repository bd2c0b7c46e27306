/**
 * Mercurial changesets, tags and branching state as Software Heritage's hg loader records them
 * (swh-loader-mercurial, `loader.py` and `hgutil.py`), so that every SWHID is the one Software
 * Heritage computes:
 *
 * - a revision of type `hg`, not synthetic; author and committer are both the changeset's user
 *   bytes as the fullname; both dates are the integer part of Mercurial's timestamp at offset
 *   `+0000`; the message is the description;
 * - extra headers: `time_offset_seconds` first (Mercurial's offset, seconds west of UTC, in
 *   decimal), then the changeset's extras in Mercurial's order (`branch` first), leaving out
 *   `branch` when it is `default` and writing `transplant_source` in lowercase hex;
 * - a tag is a release named after it, of the revision, with an empty author, no date, no
 *   message;
 * - the snapshot: `branch-tip/<branch>` (the first open head by node id), `branch-heads/<branch>/<i>`
 *   (every open head, only for a branch with several), `branch-closed-heads/<branch>/<i>`,
 *   `bookmarks/<name>`, `tags/<name>`, and `HEAD` as an alias of `bookmarks/@` (when the `@`
 *   bookmark's branch has an open tip) or else of `branch-tip/default` (when there is one).
 *
 * @module
 */

import {
  concatBytes,
  type ExtId,
  type ExtraHeader,
  makeExtId,
  makeRelease,
  makeRevision,
  type Release,
  type Revision,
  type SnapshotBranch,
  toHex,
  utf8,
} from '../../model/index.js'
import { ascii, int } from './frames.js'

/** The ExtID type and version of a revision's Mercurial node id, as Software Heritage's. */
export const EXTID_TYPE = 'hg-nodeid'
export const EXTID_VERSION = 1

const UTC = utf8('+0000')
const K_OFFSET = utf8('time_offset_seconds')
const BRANCH = 'branch'
const TRANSPLANT_SOURCE = 'transplant_source'

/** A changeset as the reader sends it (`C` frame). */
export interface Changeset {
  readonly rev: number
  readonly node: Buffer
  readonly parentRevs: readonly number[]
  readonly user: Buffer
  readonly seconds: number
  /** Mercurial's offset: seconds west of UTC. */
  readonly offset: string
  readonly description: Buffer
  readonly extras: readonly (readonly [Buffer, Buffer])[]
}

/** Reads the fields of a `C` frame. */
export function parseChangeset(fields: readonly Buffer[]): Changeset {
  const [rev, node, parents, user, seconds, offset, description] = fields
  const extras: [Buffer, Buffer][] = []
  for (let i = 7; i + 1 < fields.length; i += 2) extras.push([fields[i]!, fields[i + 1]!])
  const p = ascii(parents)
  return {
    rev: int(rev),
    node: node!,
    parentRevs: p === '' ? [] : p.split(' ').map(Number),
    user: user!,
    seconds: int(seconds),
    offset: String(int(offset)),
    description: description!,
    extras,
  }
}

/** The extra headers of a changeset, in Software Heritage's order and form. */
export function extraHeaders(cs: Changeset): ExtraHeader[] {
  const headers: ExtraHeader[] = [[K_OFFSET, utf8(cs.offset)]]
  for (const [key, value] of cs.extras) {
    const k = key.toString('latin1')
    if (k === BRANCH && value.toString('latin1') === 'default') continue
    headers.push([key, k === TRANSPLANT_SOURCE ? utf8(toHex(value)) : value])
  }
  return headers
}

/** The revision of a changeset whose tree is `directory` and parents' revisions `parents`. */
export function changesetRevision(
  cs: Changeset,
  directory: string,
  parents: readonly string[],
): Revision {
  const person = { fullname: new Uint8Array(cs.user) }
  const date = { timestamp: { seconds: cs.seconds, microseconds: 0 }, offsetBytes: UTC }
  return makeRevision({
    directory,
    parents,
    author: person,
    committer: person,
    date,
    committerDate: date,
    message: new Uint8Array(cs.description),
    extraHeaders: extraHeaders(cs),
    type: 'hg',
    synthetic: false,
  })
}

/** The ExtID mapping a changeset's node to its revision. */
export function nodeExtId(node: Uint8Array, revision: string): ExtId {
  return makeExtId({
    extidType: EXTID_TYPE,
    extid: new Uint8Array(node),
    extidVersion: EXTID_VERSION,
    target: { type: 'rev', id: revision },
    payloadType: null,
    payload: null,
  })
}

/** The release of a tag. */
export function tagRelease(name: Uint8Array, revision: string): Release {
  return makeRelease({
    name: new Uint8Array(name),
    target: revision,
    targetType: 'revision',
    author: { fullname: new Uint8Array() },
    date: null,
    message: null,
    synthetic: false,
  })
}

/** A head of a branch (`H` frame), in the reader's order (by node id within a branch). */
export interface Head {
  readonly branch: Buffer
  readonly rev: number
  readonly closed: boolean
}

/** A bookmark (`K` frame) with the branch of its changeset. */
export interface Bookmark {
  readonly name: Buffer
  readonly rev: number
  readonly branch: Buffer
}

/** A tag (`T` frame). */
export interface Tag {
  readonly name: Buffer
  readonly rev: number
}

/** What the branches of a snapshot are made of. */
export interface BranchingState {
  readonly heads: readonly Head[]
  readonly bookmarks: readonly Bookmark[]
  readonly tags: readonly Tag[]
}

/**
 * The snapshot's branches. `revision(rev)` is the revision of a changeset (null when it could
 * not be archived: the branch is then dangling), `release(tag)` the release of a tag (null
 * likewise).
 */
export function hgBranches(
  state: BranchingState,
  revision: (rev: number) => string | null,
  release: (tag: Tag) => string | null,
): SnapshotBranch[] {
  const out: SnapshotBranch[] = []
  const named = (prefix: string, name: Uint8Array, suffix = ''): Uint8Array =>
    concatBytes([utf8(prefix), name, utf8(suffix)])
  const toRevision = (name: Uint8Array, rev: number): SnapshotBranch => {
    const id = revision(rev)
    return { name, target: id === null ? null : { targetType: 'revision', target: id } }
  }
  for (const tag of state.tags) {
    const id = release(tag)
    out.push({
      name: named('tags/', tag.name),
      target: id === null ? null : { targetType: 'release', target: id },
    })
  }
  const open = new Map<string, { name: Buffer; revs: number[] }>()
  const closed = new Map<string, { name: Buffer; revs: number[] }>()
  for (const h of state.heads) {
    const into = h.closed ? closed : open
    const k = h.branch.toString('latin1')
    const entry = into.get(k) ?? { name: h.branch, revs: [] }
    entry.revs.push(h.rev)
    into.set(k, entry)
  }
  for (const { name, revs } of open.values()) {
    out.push(toRevision(named('branch-tip/', name), revs[0]!))
    if (revs.length > 1)
      revs.forEach((r, i) => out.push(toRevision(named('branch-heads/', name, `/${i}`), r)))
  }
  for (const { name, revs } of closed.values())
    revs.forEach((r, i) => out.push(toRevision(named('branch-closed-heads/', name, `/${i}`), r)))
  for (const b of state.bookmarks) out.push(toRevision(named('bookmarks/', b.name), b.rev))
  const at = state.bookmarks.find((b) => b.name.toString('latin1') === '@')
  let head: string | null = null
  if (at && open.has(at.branch.toString('latin1'))) head = 'bookmarks/@'
  else if (open.has('default')) head = 'branch-tip/default'
  if (head !== null)
    out.push({ name: utf8('HEAD'), target: { targetType: 'alias', target: utf8(head) } })
  return out
}
