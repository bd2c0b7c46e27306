/**
 * The plan of a removal: which objects go. The candidates are everything reachable from the
 * roots (an origin: its visits' snapshots and down; a SWHID: that object and down). A candidate
 * referenced by an object that is not a candidate is kept, and so is everything reachable from
 * a kept one; the rest is removed. Reverse references come from the backend's indexes (visit
 * statuses, snapshot branches, releases, revisions' root directories) and from one scan of the
 * directory and revision tables (entries and parents are packed in their rows), so the cost is
 * one pass over those two tables whatever the size of the removal.
 *
 * The plan lists the removed objects top-down, in topological order: every referrer before what it
 * references (an origin first, contents last), so that deleting in that order never leaves a
 * dangling reference visible, wherever it stops.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../errors.js'
import {
  type CoreType,
  originId,
  parseSwhid,
  references,
  swhidString,
  toHex,
} from '../model/index.js'
import {
  forEachPackedEntry,
  type MaskWriter,
  PACKED_DIR,
  PACKED_FILE,
  type Storage,
  type StorageRemoval,
  type StorageScan,
} from '../storage/index.js'

/** What a removal reads and writes: the archive's backend. */
export type RemovalBackend = Storage & StorageScan & StorageRemoval & MaskWriter

/** What {@link planRemoval} found. */
export interface RemovalPlan {
  /** The roots as given. */
  readonly roots: readonly string[]
  /** SWHIDs of the objects to delete, in deletion order (`swh:1:ori:` for origins). */
  readonly swhids: readonly string[]
  /** Objects to delete per SWHID type. */
  readonly counts: Readonly<Record<string, number>>
  /** Candidates kept because a retained object references them (directly or not). */
  readonly kept: number
}

/** Progress of a plan: the phase and how many objects or rows it went through. */
export interface PlanProgress {
  readonly phase: 'walk' | 'referrers' | 'directories' | 'revisions'
  readonly done: number
}

/** Options of {@link planRemoval}. */
export interface PlanOptions {
  readonly onProgress?: (p: PlanProgress) => void
  /** Rows per page of the scans (default 1000). */
  readonly batchSize?: number
}

/** The `ori` SWHID of an origin URL, or a SWHID as given; throws on anything else. */
async function rootKey(backend: RemovalBackend, root: string): Promise<string> {
  if (root.startsWith('swh:')) {
    const s = parseSwhid(root)
    if (s.type === 'emd') throw new InvalidInputError(`Cannot remove "${root}": metadata SWHID`)
    const key = swhidString(s.type, s.id)
    if (s.type === 'ori') {
      const [o] = await backend.originGetBySha1([s.id])
      if (!o) throw new NotFoundError(`Origin "${root}" is not in the archive`)
    }
    return key
  }
  const [o] = await backend.originGet([root])
  if (!o) throw new NotFoundError(`Origin "${root}" is not in the archive`)
  return swhidString('ori', originId(root))
}

/** Snapshots named by the visit statuses of an origin. */
async function originSnapshots(backend: RemovalBackend, url: string): Promise<string[]> {
  const out = new Set<string>()
  let visitToken: string | null = null
  do {
    const visits = await backend.originVisitGet(url, { pageToken: visitToken, limit: 1000 })
    for (const v of visits.results) {
      let statusToken: string | null = null
      do {
        const page = await backend.originVisitStatusGet(url, v.visit, {
          pageToken: statusToken,
          limit: 1000,
        })
        for (const s of page.results) if (s.snapshot) out.add(swhidString('snp', s.snapshot))
        statusToken = page.nextPageToken
      } while (statusToken !== null)
    }
    visitToken = visits.nextPageToken
  } while (visitToken !== null)
  return [...out]
}

/**
 * Walks down from the roots: every stored object reachable, with its children (stored or not).
 * Keys are SWHIDs.
 */
async function walk(
  backend: RemovalBackend,
  roots: readonly string[],
  onProgress: (n: number) => void,
): Promise<Map<string, string[]>> {
  const children = new Map<string, string[]>()
  const pending = new Map<CoreType, Set<string>>()
  const enqueue = (key: string): void => {
    if (children.has(key)) return
    const type = key.slice(6, 9) as CoreType
    const set = pending.get(type) ?? new Set<string>()
    set.add(key.slice(10))
    pending.set(type, set)
  }
  for (const root of roots) {
    if (root.startsWith('swh:1:ori:')) {
      const [o] = await backend.originGetBySha1([root.slice(10)])
      const snps = await originSnapshots(backend, o!.url)
      children.set(root, snps)
      snps.forEach(enqueue)
    } else enqueue(root)
  }
  const refs = (o: Parameters<typeof references>[0]): string[] =>
    references(o).map((r) => swhidString(r.type, r.id))
  for (;;) {
    const type = (['snp', 'rel', 'rev', 'dir', 'cnt'] as const).find((t) => pending.get(t)?.size)
    if (!type) break
    const set = pending.get(type)!
    const ids = [...set].slice(0, 500)
    for (const id of ids) set.delete(id)
    const fresh = ids.filter((id) => !children.has(swhidString(type, id)))
    if (fresh.length === 0) continue
    let got: ({ id?: string; sha1Git?: string } | null)[]
    if (type === 'snp') got = await backend.snapshotGet(fresh)
    else if (type === 'rel') got = await backend.releaseGet(fresh)
    else if (type === 'rev') got = await backend.revisionGet(fresh)
    else if (type === 'dir') got = await backend.directoryGet(fresh)
    else got = await backend.contentGet(fresh)
    for (let i = 0; i < fresh.length; i++) {
      const key = swhidString(type, fresh[i]!)
      const obj = got[i]
      if (!obj) {
        // Not stored: a content may still be recorded as skipped; anything else is absent.
        if (type === 'cnt' && (await backend.skippedContentFind(fresh[i]!)).length > 0)
          children.set(key, [])
        continue
      }
      const kids = type === 'cnt' ? [] : refs(obj as Parameters<typeof references>[0])
      children.set(key, kids)
      kids.forEach(enqueue)
    }
    onProgress(children.size)
  }
  return children
}

/**
 * Computes what removing `roots` (origin URLs or SWHIDs) deletes. Throws NotFoundError for an
 * unknown root and InvalidInputError for a SWHID root that a retained object references (its
 * removal would leave that object dangling: remove what references it instead).
 */
export async function planRemoval(
  backend: RemovalBackend,
  rootsIn: readonly string[],
  options: PlanOptions = {},
): Promise<RemovalPlan> {
  if (rootsIn.length === 0) throw new InvalidInputError('Nothing to remove: give a SWHID or URL')
  const progress = options.onProgress ?? (() => {})
  const batch = options.batchSize ?? 1000
  const roots: string[] = []
  for (const r of rootsIn) roots.push(await rootKey(backend, r))
  const children = await walk(backend, roots, (done) => progress({ phase: 'walk', done }))
  // Which candidates are referenced from outside, and by what (for the error message).
  const external = new Map<string, string>()
  const byHex = new Map<string, string>()
  for (const key of children.keys())
    if (!key.startsWith('swh:1:ori:')) byHex.set(key.slice(10), key)
  const mark = (target: string | undefined, by: string): void => {
    if (target !== undefined && !children.has(by) && !external.has(target)) external.set(target, by)
  }
  const hexIds = [...byHex.keys()]
  for (let i = 0; i < hexIds.length; i += 2000) {
    for (const r of await backend.referrers(hexIds.slice(i, i + 2000)))
      mark(byHex.get(r.target), swhidString(r.kind, r.id))
    progress({ phase: 'referrers', done: Math.min(i + 2000, hexIds.length) })
  }
  let scanned = 0
  for (let after: string | null = null; ;) {
    const page = await backend.scanPackedDirectories(after, batch)
    for (const d of page.items) {
      const by = swhidString('dir', d.key)
      if (children.has(by)) continue
      forEachPackedEntry(d.packed, (code, _ns, _ne, t) => {
        if (code !== PACKED_FILE && code !== PACKED_DIR) return
        const key = byHex.get(toHex(d.packed.subarray(t, t + 20)))
        if (key !== undefined && key.startsWith(code === PACKED_FILE ? 'swh:1:cnt:' : 'swh:1:dir:'))
          mark(key, by)
      })
    }
    progress({ phase: 'directories', done: (scanned += page.items.length) })
    if (page.next === null) break
    after = page.next
  }
  scanned = 0
  for (let after: string | null = null; ;) {
    const page = await backend.scanRevisionEdges(after, batch)
    for (const r of page.items) {
      const by = swhidString('rev', r.id)
      for (const p of [r.directory, ...r.parents]) mark(byHex.get(p), by)
    }
    progress({ phase: 'revisions', done: (scanned += page.items.length) })
    if (page.next === null) break
    after = page.next
  }
  for (const root of roots) {
    const by = external.get(root)
    if (by !== undefined)
      throw new InvalidInputError(
        `Cannot remove ${root}: ${by} references it and is kept (remove what references it)`,
        { details: { swhid: root, referrer: by } },
      )
  }
  // Everything reachable from an externally referenced candidate is kept.
  const kept = new Set<string>()
  const stack = [...external.keys()]
  while (stack.length > 0) {
    const key = stack.pop()!
    if (kept.has(key) || !children.has(key)) continue
    kept.add(key)
    stack.push(...children.get(key)!)
  }
  return { roots: rootsIn, ...order(roots, children, kept), kept: kept.size }
}

/** The removed objects top-down (see the module documentation), with counts per type. */
function order(
  roots: readonly string[],
  children: ReadonlyMap<string, readonly string[]>,
  kept: ReadonlySet<string>,
): { swhids: string[]; counts: Record<string, number> } {
  const removed = (k: string): boolean => children.has(k) && !kept.has(k)
  // Depth-first post-order (iterative): every object after all it references; reversed, every
  // referrer comes before what it references.
  const post: string[] = []
  const seen = new Set<string>()
  for (const root of roots) {
    if (!removed(root) || seen.has(root)) continue
    const stack: [string, number][] = [[root, 0]]
    seen.add(root)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const kids = children.get(top[0])!
      if (top[1] < kids.length) {
        const k = kids[top[1]++]!
        if (removed(k) && !seen.has(k)) {
          seen.add(k)
          stack.push([k, 0])
        }
      } else {
        post.push(top[0])
        stack.pop()
      }
    }
  }
  const swhids = post.reverse()
  const counts: Record<string, number> = {}
  for (const k of swhids) counts[k.slice(6, 9)] = (counts[k.slice(6, 9)] ?? 0) + 1
  return { swhids, counts }
}
