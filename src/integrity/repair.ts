/**
 * Repair: each corrupt or missing object fsck found is fetched from a peer archive (a mirror, or
 * the upstream of a mirror), verified, and written back; whatever a dangling reference names is
 * brought over with everything it references, bottom-up (contents before the directories naming
 * them, and so on), so no write ever leaves a new dangling edge. Each repaired object is checked
 * again; what no peer holds intact stays reported, with why.
 *
 * A peer is read, never written. Objects are verified twice: against their own id (every id is
 * recomputed from the peer's fields and bytes) and, for contents, against every hash the local
 * row records. Rows are rewritten in one transaction each and bytes by an atomic rename, so a
 * repair killed at any point leaves the archive no worse, and a rerun (of fsck, then repair)
 * finishes it.
 *
 * @module
 */

import { type AbortOptions, errorMessage, isArcaError } from '../errors.js'
import {
  type Content,
  ContentHasher,
  type ContentHashes,
  type CoreType,
  parseSwhid,
  type Reference,
  references,
  type SkippedContent,
  verify,
} from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { RepairObject, Storage, StorageRepair } from '../storage/index.js'
import { checkContent } from './contents.js'
import type { FsckFinding } from './findings.js'

/** What a peer holds of one content. */
export type PeerContent =
  /** Its row, and its bytes (null: the peer has the row but not the bytes). */
  | { readonly row: Content; readonly data: Uint8Array | null }
  /** The peer records it as skipped (too large: no bytes anywhere). */
  | { readonly skipped: readonly SkippedContent[] }

/**
 * A place to repair from: another archive's data directory ({@link archivePeer}), a node's
 * mirror feed or its journal (see the mirror area). Only read; whatever it answers is verified
 * here before it is stored.
 */
export interface RepairPeer {
  /** How reports name it (its data directory or URL, without credentials). */
  readonly name: string
  /** The graph object `type:id` as the peer holds it, or null. */
  graph(type: GraphType, id: string): Promise<RepairObject | null>
  /** The content `id` (sha1_git) as the peer holds it, or null. */
  content(id: string): Promise<PeerContent | null>
}

/** A peer reading another archive's storage and content store directly. */
export function archivePeer(name: string, storage: Storage, objstorage: ObjStorage): RepairPeer {
  return {
    name,
    graph: (type, id) => getGraph(storage, type, id),
    async content(id) {
      const [row] = await storage.contentGet([id])
      if (!row) {
        const skipped = await storage.skippedContentFind(id)
        return skipped.length > 0 ? { skipped } : null
      }
      try {
        return { row, data: await objstorage.getBytes(id) }
      } catch (e) {
        if (isArcaError(e, 'not_found')) return { row, data: null }
        throw e
      }
    },
  }
}

/** Settings of {@link repair}. */
export interface RepairOptions extends AbortOptions {
  /** The archive's backend (rows are rewritten there; no layers, no journal). */
  readonly storage: Storage & StorageRepair
  readonly objstorage: ObjStorage
  /** Peers, tried in order for each object. */
  readonly peers: readonly RepairPeer[]
  /** What fsck found. */
  readonly findings: readonly FsckFinding[]
  readonly onProgress?: (p: { readonly done: number; readonly total: number }) => void
}

/** What became of one finding. */
export interface RepairOutcome {
  readonly finding: FsckFinding
  readonly repaired: boolean
  /** The peer the repair came from. */
  readonly from?: string
  /** Why it could not be repaired. */
  readonly reason?: string
}

/** The result of {@link repair}. */
export interface RepairReport {
  readonly outcomes: readonly RepairOutcome[]
  readonly repaired: number
  readonly unrepaired: number
  /** Objects brought over from peers beneath dangling references. */
  readonly added: number
}

/** The kinds of graph objects (all but contents). */
export type GraphType = Exclude<CoreType, 'cnt'>

const HASH_KEYS: readonly (keyof ContentHashes)[] = ['sha1', 'sha1Git', 'sha256', 'blake2s256']

/** The graph object `type:id` of `storage`, or null. */
async function getGraph(
  storage: Storage,
  type: GraphType,
  id: string,
): Promise<RepairObject | null> {
  if (type === 'dir') {
    const [v] = await storage.directoryGet([id])
    return v ? { kind: 'directory', value: v } : null
  }
  if (type === 'rev') {
    const [v] = await storage.revisionGet([id])
    return v ? { kind: 'revision', value: v } : null
  }
  if (type === 'rel') {
    const [v] = await storage.releaseGet([id])
    return v ? { kind: 'release', value: v } : null
  }
  const [v] = await storage.snapshotGet([id])
  return v ? { kind: 'snapshot', value: v } : null
}

/** Throws unless `o` hashes to its id. */
function verifyObject(o: RepairObject): void {
  if (o.kind === 'directory') verify.directory(o.value)
  else if (o.kind === 'revision') verify.revision(o.value)
  else if (o.kind === 'release') verify.release(o.value)
  else verify.snapshot(o.value)
}

/** Why an object cannot be repaired from any peer. */
class Unrepairable extends Error {}

/** A content's bytes, checked against every hash and the length of `row`. */
function matches(data: Uint8Array, row: Content): boolean {
  if (data.length !== row.length) return false
  const h = new ContentHasher(data.length).update(data).digest()
  return HASH_KEYS.every((k) => h[k] === row[k])
}

class Repairer {
  readonly #o: RepairOptions
  /** Ids known present (or just added), by `type:id`. */
  readonly #present = new Set<string>()
  added = 0

  constructor(options: RepairOptions) {
    this.#o = options
  }

  /** The verified graph object `type:id` from the first peer holding it intact. */
  async #fetchGraph(type: GraphType, id: string): Promise<{ object: RepairObject; from: string }> {
    const tried: string[] = []
    for (const peer of this.#o.peers) {
      this.#o.signal?.throwIfAborted()
      let object: RepairObject | null
      try {
        object = await peer.graph(type, id)
      } catch (e) {
        tried.push(`${peer.name}: ${errorMessage(e)}`)
        continue
      }
      if (!object) {
        tried.push(`${peer.name}: not there`)
        continue
      }
      try {
        verifyObject(object)
      } catch (e) {
        tried.push(`${peer.name}: corrupt there too (${errorMessage(e)})`)
        continue
      }
      return { object, from: peer.name }
    }
    throw new Unrepairable(`no peer holds swh:1:${type}:${id} intact (${tried.join('; ')})`)
  }

  /** The bytes of content `id` matching `row` (or the peer's own row), from the first peer. */
  async #fetchContent(
    id: string,
    row: Content | null,
  ): Promise<{ row: Content; data: Uint8Array; from: string } | { skipped: true; from: string }> {
    const tried: string[] = []
    for (const peer of this.#o.peers) {
      this.#o.signal?.throwIfAborted()
      try {
        const got = await peer.content(id)
        if (got === null) {
          tried.push(`${peer.name}: not there`)
          continue
        }
        if ('skipped' in got) {
          if (row !== null) {
            tried.push(`${peer.name}: a skipped content there (no bytes)`)
            continue
          }
          await this.#o.storage.skippedContentAdd(got.skipped)
          return { skipped: true, from: peer.name }
        }
        if (got.data === null) {
          tried.push(`${peer.name}: its bytes are not there`)
          continue
        }
        const expected = row ?? got.row
        if (!matches(got.data, expected)) {
          tried.push(`${peer.name}: its bytes do not match the recorded hashes`)
          continue
        }
        return { row: expected, data: got.data, from: peer.name }
      } catch (e) {
        tried.push(`${peer.name}: ${errorMessage(e)}`)
      }
    }
    throw new Unrepairable(`no peer holds swh:1:cnt:${id} intact (${tried.join('; ')})`)
  }

  async #isPresent(r: Reference): Promise<boolean> {
    const key = `${r.type}:${r.id}`
    if (this.#present.has(key)) return true
    const s = this.#o.storage
    let missing: string[]
    if (r.type === 'cnt') {
      missing = await s.contentMissing([r.id])
      if (missing.length > 0 && (await s.skippedContentFind(r.id)).length > 0) missing = []
    } else if (r.type === 'dir') missing = await s.directoryMissing([r.id])
    else if (r.type === 'rev') missing = await s.revisionMissing([r.id])
    else if (r.type === 'rel') missing = await s.releaseMissing([r.id])
    else missing = await s.snapshotMissing([r.id])
    if (missing.length === 0) this.#present.add(key)
    return missing.length === 0
  }

  /**
   * Makes `r` present: brought from a peer with everything it references that is absent here,
   * each stored after what it references. Returns the peer it came from (null: already here).
   */
  async ensure(r: Reference): Promise<string | null> {
    if (await this.#isPresent(r)) return null
    if (r.type === 'cnt') {
      const got = await this.#fetchContent(r.id, null)
      if ('data' in got) await this.#o.storage.contentAdd([{ ...got.row, data: got.data }])
      this.#present.add(`cnt:${r.id}`)
      this.added++
      return got.from
    }
    const { object, from } = await this.#fetchGraph(r.type, r.id)
    for (const child of references(object.value)) await this.ensure(child)
    const s = this.#o.storage
    if (object.kind === 'directory') await s.directoryAdd([object.value])
    else if (object.kind === 'revision') await s.revisionAdd([object.value])
    else if (object.kind === 'release') await s.releaseAdd([object.value])
    else await s.snapshotAdd([object.value])
    this.#present.add(`${r.type}:${r.id}`)
    this.added++
    return from
  }

  /** Rewrites the corrupt graph object `type:id` with a peer's verified copy. */
  async replace(type: GraphType, id: string): Promise<string> {
    const { object, from } = await this.#fetchGraph(type, id)
    for (const child of references(object.value)) await this.ensure(child)
    await this.#o.storage.replace([object])
    return from
  }

  /** Rewrites the missing or corrupt bytes of content `id`; its row stays. */
  async restoreContent(id: string): Promise<string> {
    const [row] = await this.#o.storage.contentGet([id])
    if (!row) throw new Unrepairable(`swh:1:cnt:${id} has no row here any more`)
    const got = await this.#fetchContent(id, row)
    if (!('data' in got)) throw new Unrepairable(`swh:1:cnt:${id} is a skipped content on the peer`)
    await this.#o.objstorage.replace(id, got.data)
    const after = await checkContent(this.#o.objstorage, row)
    if (after) throw new Unrepairable(`still ${after.problem} after the rewrite: ${after.detail}`)
    return got.from
  }

  /** Checks the graph object `type:id` again: stored, hashing to its id, references present. */
  async recheck(type: GraphType, id: string): Promise<string | null> {
    const o = await getGraph(this.#o.storage, type, id)
    if (!o) return 'not stored after the repair'
    try {
      verifyObject(o)
    } catch (e) {
      return `still corrupt: ${errorMessage(e)}`
    }
    for (const r of references(o.value))
      if (!(await this.#isPresent(r))) return `still references swh:1:${r.type}:${r.id}, absent`
    return null
  }

  /** Repairs what one finding names; returns the peer used. */
  async fix(f: FsckFinding): Promise<string> {
    if (f.problem === 'dangling') {
      const t = parseSwhid(f.target!)
      const from = await this.ensure({ type: t.type as CoreType, id: t.id })
      if (t.type !== 'cnt') {
        const problem = await this.recheck(t.type as GraphType, t.id)
        if (problem) throw new Unrepairable(problem)
      }
      return from ?? 'already here'
    }
    const s = parseSwhid(f.swhid)
    if (f.kind === 'content') return this.restoreContent(s.id)
    if (f.kind === 'origin_visit_status')
      throw new Unrepairable('a visit status row is repaired only through what it references')
    const from = await this.replace(s.type as GraphType, s.id)
    const problem = await this.recheck(s.type as GraphType, s.id)
    if (problem) throw new Unrepairable(problem)
    return from
  }
}

/**
 * Repairs what `findings` report, from the peers; returns what became of each finding.
 *
 * @example
 * ```ts
 * const report = await fsck({ … })
 * const r = await repair({ storage: archive.backend, objstorage: archive.objstorage, peers: [mirror], findings: report.findings })
 * ```
 */
export async function repair(options: RepairOptions): Promise<RepairReport> {
  const r = new Repairer(options)
  const outcomes: RepairOutcome[] = []
  // Corrupt and missing objects first (their rewrite brings what they reference), then
  // dangling references (often already healed by then).
  const order = [...options.findings].sort(
    (a, b) => Number(a.problem === 'dangling') - Number(b.problem === 'dangling'),
  )
  for (const finding of order) {
    options.signal?.throwIfAborted()
    try {
      const from = await r.fix(finding)
      outcomes.push({ finding, repaired: true, from })
    } catch (e) {
      if (!(e instanceof Unrepairable) && options.signal?.aborted) throw e
      outcomes.push({ finding, repaired: false, reason: errorMessage(e) })
    }
    options.onProgress?.({ done: outcomes.length, total: order.length })
  }
  await options.storage.flush()
  const repaired = outcomes.filter((o) => o.repaired).length
  return { outcomes, repaired, unrepaired: outcomes.length - repaired, added: r.added }
}
