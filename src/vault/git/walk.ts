/**
 * Planning a git pack: which objects a client that wants some objects (and has others) needs,
 * walked from the graph storage. Only ids are kept (in compact lists), never object bytes, so
 * the pack's object count is known before its first byte is written and memory grows with the
 * number of objects only.
 *
 * Rules, as git's `upload-pack` applies them:
 * - wants are walked through releases (their targets), revisions (parents and root
 *   directory), directories (subdirectories and file entries); gitlink entries (`rev`) are
 *   not followed (the submodule's commit is not part of the repository);
 * - haves (commit ids the client has) exclude every commit reachable from them, and the trees
 *   and blobs of the boundary commits (the ones the wanted history stops at);
 * - a depth (`git clone --depth N`) keeps N commits along each path; the last ones that have
 *   parents are the new shallow commits.
 *
 * Reads go through the storage given (the masking layer for public readers): a masked object
 * throws MaskedError, a missing one NotFoundError; a file whose bytes the archive skipped cannot
 * be packed (its id could not be reproduced) and throws NotFoundError naming it.
 *
 * @module
 */

import {
  type AbortOptions,
  CorruptError,
  InvalidInputError,
  MaskedError,
  NotFoundError,
} from '../../errors.js'
import { IdSet, latin1, toHex } from '../../model/index.js'
import type { Storage } from '../../storage/index.js'
import { type Deflated, deflatePool } from './deflate-pool.js'
import { DeltaBases } from './delta.js'
import { IdList } from './ids.js'

/** An object a client wants, with its kind. */
export interface PackWant {
  readonly type: 'rev' | 'rel' | 'dir' | 'cnt'
  readonly id: string
}

/** What to plan a pack for. */
export interface PackRequest extends AbortOptions {
  readonly wants: readonly PackWant[]
  /** Commit ids the client has (other ids are ignored). */
  readonly haves?: readonly string[]
  /** Commits the client has without their parents (a shallow clone). */
  readonly clientShallow?: readonly string[]
  /** Commits to keep along each path from the wants (`deepen N`); absent: the whole history. */
  readonly depth?: number
  /** Choose delta bases for the blobs (by path, `delta.ts`); default false. */
  readonly deltas?: boolean
  readonly progress?: (message: string) => void
  /** Stop after the commits (the shallow boundary is all that is asked). */
  readonly commitsOnly?: boolean
  /** Bytes of manifests kept for the writer ({@link MANIFEST_BUDGET}; 0: none). */
  readonly manifestBudget?: number
  /**
   * zlib level at which trees are checked and compressed on the deflate pool as the walk reads
   * them, for a writer at the same level (default 1, the writer's default; null: not done).
   */
  readonly deflateLevel?: number | null
}

/** The objects of a pack, by git type, and the shallow boundary. */
export interface PackPlan {
  readonly commits: IdList
  readonly trees: IdList
  readonly blobs: IdList
  readonly tags: IdList
  /** Commits sent without their parents (`shallow <id>` lines). */
  readonly shallow: readonly string[]
  /** Client-shallow commits whose parents are now sent (`unshallow <id>` lines). */
  readonly unshallow: readonly string[]
  /**
   * Manifests read while planning, kept (up to a byte budget) so that writing the pack does not
   * read them again; the pack writer takes what is there and reads the rest.
   */
  readonly manifests: ManifestCache
  /** Delta bases of the blobs, by index in `blobs` (none unless the request asked). */
  readonly bases: DeltaBases | null
  /**
   * The length of each blob, by index in `blobs`, as the plan's check of them found it (the
   * writer need not ask again); null when the plan stopped before (`commitsOnly`).
   */
  blobLengths: Float64Array | null
}

/** Trees the walk gave to the deflate pool: their ids, in plan order, and the pool's work. */
export interface DeflatingBatch {
  readonly ids: readonly string[]
  readonly done: Promise<Deflated>
}

/**
 * Framed manifests by id, up to a fixed number of bytes (then nothing more is kept); and commits
 * and trees already given to the deflate pool, in batches covering the first ones of the plan,
 * so that they are checked and compressed on a worker while the walk goes on reading (the
 * pack's header needs the object count, so nothing can be sent before the walk ends, but the
 * work can start).
 */
export class ManifestCache {
  readonly #map = new Map<string, Uint8Array>()
  #bytes = 0
  #deflatingStopped = false
  /** Batches of the plan's first trees, in order, being compressed at `level`. */
  readonly deflating: DeflatingBatch[] = []
  /** Batches of the plan's first commits, in order, being compressed at `level`. */
  readonly deflatingCommits: DeflatingBatch[] = []
  constructor(
    readonly budget: number,
    readonly level: number | null = null,
    /** Trees in stored zlib blocks (what the writer of a pack with deltas does). */
    readonly storeTrees = false,
  ) {}

  put(id: string, manifest: () => Uint8Array): void {
    if (this.#bytes >= this.budget) return
    const m = manifest()
    this.#bytes += m.length + 100
    this.#map.set(id, m)
  }

  /**
   * Gives the next trees of the plan (`ids`, framed `manifests`) to the deflate pool, or keeps
   * them as manifests when there is no level; once the budget is reached, neither (the writer
   * reads the rest).
   */
  putTrees(ids: readonly string[], manifests: readonly Uint8Array[]): void {
    if (this.level === null) {
      ids.forEach((id, k) => this.put(id, () => manifests[k]!))
      return
    }
    if (this.#deflatingStopped || this.#bytes >= this.budget) {
      this.#deflatingStopped = true
      return
    }
    for (const m of manifests) this.#bytes += m.length + 100
    const done = deflatePool().run({
      ids,
      framed: true,
      inputs: manifests,
      level: this.level,
      store: this.storeTrees,
    })
    done.catch(() => undefined) // observed by the writer (or dropped with the plan)
    this.deflating.push({ ids, done })
  }

  /**
   * Gives the plan's commits (`ids`, in order), whose manifests the cache holds, to the deflate
   * pool in batches while the walk goes on to the trees (there is no level: nothing); stops at
   * the first batch with one not held (the writer reads it and the rest).
   */
  deflateCommits(ids: IdList): void {
    if (this.level === null) return
    for (const batch of ids.chunks(BATCH)) {
      if (!batch.every((id) => this.#map.has(id))) return
      const manifests = batch.map((id) => this.take(id)!)
      const done = deflatePool().run({
        ids: batch,
        framed: true,
        inputs: manifests,
        level: this.level,
      })
      done.catch(() => undefined) // observed by the writer (or dropped with the plan)
      this.deflatingCommits.push({ ids: batch, done })
    }
  }

  /** The manifest of `id`, dropped from the cache (each is written once). */
  take(id: string): Uint8Array | undefined {
    const m = this.#map.get(id)
    if (m !== undefined) this.#map.delete(id)
    return m
  }
}

/** Bytes of manifests a plan keeps for the writer (default). */
export const MANIFEST_BUDGET = 64 * 1024 * 1024

/** Objects in a plan. */
export function planSize(plan: PackPlan): number {
  return plan.commits.size + plan.trees.size + plan.blobs.size + plan.tags.size
}

const BATCH = 256

type GraphReader = Pick<
  Storage,
  | 'revisionManifestGet'
  | 'releaseGet'
  | 'directoryManifestGet'
  | 'revisionMissing'
  | 'contentLengthGet'
>

/** What a tree entry points to, by its mode. */
const enum EntryKind {
  Blob,
  Tree,
  Gitlink,
}

/**
 * Calls `fn` with the kind of each entry of a git tree object (header included), the offset of
 * its 20-byte id and of its name (which ends at `idAt - 1`), read straight from the bytes (no
 * entry objects, no hex strings).
 */
function forEachTreeEntry(
  id: string,
  manifest: Uint8Array,
  fn: (kind: EntryKind, idAt: number, nameAt: number) => void,
): void {
  const end = manifest.length
  let o = manifest.indexOf(0) + 1
  while (o < end) {
    let mode = 0
    for (let c = manifest[o]!; c !== 0x20; c = manifest[o]!) {
      if (c < 0x30 || c > 0x37 || ++o >= end) throw corruptTree(id)
      mode = mode * 8 + (c - 0x30)
    }
    const nul = manifest.indexOf(0, o)
    if (nul < 0 || nul + 21 > end) throw corruptTree(id)
    const type = mode & 0o170000
    const kind =
      type === 0o040000 ? EntryKind.Tree : type === 0o160000 ? EntryKind.Gitlink : EntryKind.Blob
    fn(kind, nul + 1, o + 1)
    o = nul + 21
  }
}

function corruptTree(id: string): CorruptError {
  return new CorruptError(`swh:1:dir:${id}: its stored tree object does not parse`)
}

/** A commit as the walk reads it: its git object, the tree and the parents it names. */
interface Commit {
  readonly id: string
  readonly manifest: Uint8Array
  readonly tree: string
  readonly parents: readonly string[]
}

const LF = 0x0a

/** The 40 lowercase hex digits at `at` followed by LF, or null. */
function hexIdAt(m: Uint8Array, at: number): string | null {
  if (at + 41 > m.length || m[at + 40] !== LF) return null
  for (let i = at; i < at + 40; i++) {
    const c = m[i]!
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return null
  }
  return latin1(m.subarray(at, at + 40))
}

/**
 * The tree and parents of a git commit object (header included), read from its first lines
 * (`tree <id>` then `parent <id>`…, the order git writes and `fsck` requires): what git itself
 * follows, raw manifests included.
 */
function commitOf(id: string, manifest: Uint8Array): Commit {
  let o = manifest.indexOf(0) + 1
  const word = (w: string): boolean => {
    for (let i = 0; i < w.length; i++) if (manifest[o + i] !== w.charCodeAt(i)) return false
    return true
  }
  const tree = word('tree ') ? hexIdAt(manifest, o + 5) : null
  if (o === 0 || tree === null) {
    throw new CorruptError(`swh:1:rev:${id}: its stored commit object does not parse`)
  }
  o += 46
  const parents: string[] = []
  for (;;) {
    const p = word('parent ') ? hexIdAt(manifest, o + 7) : null
    if (p === null) break
    parents.push(p)
    o += 48
  }
  return { id, manifest, tree, parents }
}

async function revisionsOf(
  storage: GraphReader,
  ids: readonly string[],
  o: AbortOptions,
): Promise<Commit[]> {
  const out: Commit[] = []
  for (let i = 0; i < ids.length; i += BATCH) {
    o.signal?.throwIfAborted()
    const slice = ids.slice(i, i + BATCH)
    const got = await storage.revisionManifestGet(slice, o)
    got.forEach((m, k) => {
      if (m === null) throw new NotFoundError(`swh:1:rev:${slice[k]} is not archived`)
      out.push(commitOf(slice[k]!, m))
    })
  }
  return out
}

/** Every commit reachable from `haves` (not past the client's shallow commits). */
async function haveClosure(
  storage: GraphReader,
  haves: readonly string[],
  shallow: ReadonlySet<string>,
  o: AbortOptions,
): Promise<IdSet> {
  const closed = new IdSet()
  if (haves.length === 0) return closed
  const missing = new Set(await storage.revisionMissing([...new Set(haves)], o))
  let frontier = [...new Set(haves)].filter((h) => !missing.has(h) && closed.add(h))
  while (frontier.length > 0) {
    const next: string[] = []
    for (const r of await revisionsOf(storage, frontier, o)) {
      if (shallow.has(r.id)) continue
      for (const p of r.parents) if (closed.add(p)) next.push(p)
    }
    frontier = next
  }
  return closed
}

/** Marks every tree and blob below `roots` in `into`. */
async function markTrees(
  storage: GraphReader,
  roots: readonly string[],
  into: IdSet,
  o: AbortOptions,
): Promise<void> {
  const queue = roots.filter((r) => into.add(r))
  while (queue.length > 0) {
    o.signal?.throwIfAborted()
    const slice = queue.splice(0, BATCH)
    const got = await storage.directoryManifestGet(slice, o)
    got.forEach((m, k) => {
      if (m === null) return
      forEachTreeEntry(slice[k]!, m, (kind, at) => {
        if (kind === EntryKind.Gitlink) return
        if (into.addBytes(m, at) && kind === EntryKind.Tree) {
          queue.push(toHex(m.subarray(at, at + 20)))
        }
      })
    })
  }
}

/**
 * Walks the graph from the wants and returns the ids of every object to send.
 *
 * @example
 * ```ts
 * const plan = await planPack(storage, { wants: [{ type: 'rev', id: head }], depth: 1 })
 * planSize(plan) // objects the pack will hold
 * ```
 */
export async function planPack(storage: GraphReader, request: PackRequest): Promise<PackPlan> {
  const o: AbortOptions = request.signal ? { signal: request.signal } : {}
  const depth = request.depth
  if (depth !== undefined && (!Number.isSafeInteger(depth) || depth < 1)) {
    throw new InvalidInputError(`Invalid depth ${depth}: a positive whole number is needed`)
  }
  const clientShallow = new Set(request.clientShallow ?? [])
  const deepen = depth !== undefined
  // The client has its shallow commits (without their parents) even when it does not say so.
  const haves = [...(request.haves ?? []), ...clientShallow]
  const excluded = await haveClosure(storage, haves, clientShallow, o)
  const plan = {
    commits: new IdList(),
    trees: new IdList(),
    blobs: new IdList(),
    tags: new IdList(),
    shallow: [] as string[],
    unshallow: [] as string[],
    manifests: new ManifestCache(
      request.manifestBudget ?? MANIFEST_BUDGET,
      request.deflateLevel === undefined ? 1 : request.deflateLevel,
      request.deltas === true,
    ),
    bases: request.deltas ? new DeltaBases() : null,
    blobLengths: null as Float64Array | null,
  }
  const bases = plan.bases
  const seen = new IdSet()
  const treeRoots: string[] = []
  const boundary = new Set<string>()
  let commitFrontier: string[] = []

  // Releases first: they name the commits, trees and blobs to walk.
  let releases = request.wants.filter((w) => w.type === 'rel').map((w) => w.id)
  for (const w of request.wants) {
    if (w.type === 'rev' && (deepen || !excluded.has(w.id)) && seen.add(w.id)) {
      commitFrontier.push(w.id)
    }
    if (w.type === 'dir' && seen.add(w.id)) treeRoots.push(w.id)
    if (w.type === 'cnt' && seen.add(w.id)) plan.blobs.push(w.id)
  }
  while (releases.length > 0) {
    const next: string[] = []
    for (let i = 0; i < releases.length; i += BATCH) {
      const slice = releases.slice(i, i + BATCH).filter((id) => seen.add(id))
      if (slice.length === 0) continue
      const got = await storage.releaseGet(slice, o)
      got.forEach((rel, k) => {
        if (rel === null) throw new NotFoundError(`swh:1:rel:${slice[k]} is not archived`)
        plan.tags.push(rel.id)
        const t = rel.target
        if (t === null) throw new NotFoundError(`swh:1:rel:${rel.id} has no target`)
        if (rel.targetType === 'release') next.push(t)
        else if (rel.targetType === 'revision') {
          if ((deepen || !excluded.has(t)) && seen.add(t)) commitFrontier.push(t)
        } else if (rel.targetType === 'directory') {
          if (seen.add(t)) treeRoots.push(t)
        } else if (rel.targetType === 'content') {
          if (seen.add(t)) plan.blobs.push(t)
        } else {
          throw new InvalidInputError(
            `swh:1:rel:${rel.id} targets a snapshot, which git cannot represent`,
          )
        }
      })
    }
    releases = next
  }

  // Commits, breadth first, generation by generation (so a depth counts along every path).
  let generation = 1
  while (commitFrontier.length > 0) {
    const next: string[] = []
    const atLimit = depth !== undefined && generation >= depth
    for (const r of await revisionsOf(storage, commitFrontier, o)) {
      // With a depth, the walk goes through what the client has (its shallow boundary moves);
      // only what it lacks is sent.
      const has = excluded.has(r.id)
      if (!has) {
        plan.commits.push(r.id)
        plan.manifests.put(r.id, () => r.manifest)
        if (seen.add(r.tree)) treeRoots.push(r.tree)
      }
      if (atLimit) {
        if (r.parents.length > 0 && !has) plan.shallow.push(r.id)
        continue
      }
      // A client-shallow commit walked past: its parents are sent ("unshallow").
      if (has && clientShallow.has(r.id) && r.parents.length > 0) plan.unshallow.push(r.id)
      for (const p of r.parents) {
        if (excluded.has(p) && !has) boundary.add(p)
        if ((deepen || !excluded.has(p)) && seen.add(p)) next.push(p)
      }
    }
    commitFrontier = next
    generation++
    request.progress?.(`Counting commits: ${plan.commits.size}`)
  }

  if (request.commitsOnly) return plan
  // Compressed on a worker while the trees are walked: not in the writer's way once it starts.
  plan.manifests.deflateCommits(plan.commits)

  // What the client has below the boundary commits is not sent again.
  const have = new IdSet()
  if (boundary.size > 0) {
    const roots = (await revisionsOf(storage, [...boundary], o)).map((r) => r.tree)
    await markTrees(storage, roots, have, o)
  }

  // Trees, breadth first; file entries are the blobs. With deltas, each tree's path goes with
  // it (a tree reached by several paths is walked once, under the first).
  const checkHave = have.size > 0
  const queue = treeRoots.filter((t) => !have.has(t))
  const paths: string[] | null = bases ? queue.map(() => '') : null
  if (bases) for (let i = 0; i < plan.blobs.size; i++) bases.add(i, null)
  while (queue.length > 0) {
    o.signal?.throwIfAborted()
    const slice = queue.splice(0, BATCH)
    const slicePaths = paths?.splice(0, BATCH)
    const got = await storage.directoryManifestGet(slice, o)
    const manifests: Uint8Array[] = []
    got.forEach((m, k) => {
      if (m === null) throw new NotFoundError(`swh:1:dir:${slice[k]} is not archived`)
      plan.trees.push(slice[k]!)
      manifests.push(m)
      const path = slicePaths?.[k]
      forEachTreeEntry(slice[k]!, m, (kind, at, nameAt) => {
        if (kind === EntryKind.Gitlink) return
        if ((checkHave && have.hasBytes(m, at)) || !seen.addBytes(m, at)) return
        const sub = path === undefined ? '' : `${path}/${latin1(m.subarray(nameAt, at - 1))}`
        if (kind === EntryKind.Tree) {
          queue.push(toHex(m.subarray(at, at + 20)))
          paths?.push(sub)
        } else {
          plan.blobs.pushBytes(m, at)
          bases?.add(plan.blobs.size - 1, sub)
        }
      })
    })
    plan.manifests.putTrees(slice, manifests)
    if (plan.trees.size % 4096 < BATCH) {
      request.progress?.(`Counting objects: ${planSize(plan)}`)
    }
  }

  bases?.doneWalking()

  // Every file must be servable before the first byte is sent (masked ones throw here).
  const lengths = new Float64Array(plan.blobs.size)
  let at = 0
  for (const ids of plan.blobs.chunks(512)) {
    o.signal?.throwIfAborted()
    const got = await storage.contentLengthGet(ids, o)
    got.forEach((c, k) => {
      if (c === null) {
        throw new NotFoundError(
          `swh:1:cnt:${ids[k]}: its bytes are not archived (skipped or missing), so no git ` +
            'object can be made of it',
        )
      }
      if (c.status === 'hidden') throw new MaskedError(`swh:1:cnt:${ids[k]} is hidden`)
      lengths[at++] = c.length
    })
  }
  plan.blobLengths = lengths
  return plan
}
