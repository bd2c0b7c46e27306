/**
 * Checks of one page of scanned objects: each graph object is hashed again from its stored
 * fields (its id must come out), content bytes are read back, and every reference is looked up
 * (one batched query per referenced kind for the whole page).
 *
 * @module
 */

import { errorMessage } from '../errors.js'
import {
  type CoreType,
  type Reference,
  references,
  sha1Hex,
  SWHID_TYPE_OF_KIND,
  verify,
} from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { ScanItem, ScanKind, ScannedObject, Storage } from '../storage/index.js'
import { checkContents } from './contents.js'
import type { FsckFinding } from './findings.js'
import type { KnownIds } from './known.js'

/** What a finding says about the object it is about. */
type Subject = Pick<FsckFinding, 'kind' | 'swhid' | 'origin' | 'visit'>

/** The SWHID (or, for a visit status, the origin's) of a scanned row. */
export function subjectOf(kind: ScanKind, key: string, object?: ScannedObject): Subject {
  if (kind === 'origin_visit_status') {
    if (object?.kind !== 'origin_visit_status')
      return { kind, swhid: `swh:1:ori:${'0'.repeat(40)}`, visit: Number(key) }
    const s = object.value
    return {
      kind,
      swhid: `swh:1:ori:${sha1Hex(Buffer.from(s.origin))}`,
      origin: s.origin,
      visit: s.visit,
    }
  }
  return { kind, swhid: `swh:1:${SWHID_TYPE_OF_KIND[kind]}:${key}` }
}

/** The id check of a graph object; null when it hashes to its id. */
function idProblem(object: ScannedObject): string | null {
  try {
    switch (object.kind) {
      case 'directory':
        verify.directory(object.value)
        break
      case 'revision':
        verify.revision(object.value)
        break
      case 'release':
        verify.release(object.value)
        break
      case 'snapshot':
        verify.snapshot(object.value)
        break
      default:
        break
    }
    return null
  } catch (e) {
    return errorMessage(e)
  }
}

/**
 * References already found present, so that objects shared by many referrers (a file in every
 * revision's tree) are looked up once. Two generations of at most `limit` keys each: memory is
 * bounded whatever the archive's size. Presence is never revoked (rows are not deleted while
 * fsck runs), so a cached answer stays true.
 */
export class PresentCache {
  readonly #limit: number
  #size = 0
  #current = new Map<CoreType, Set<string>>()
  #previous = new Map<CoreType, Set<string>>()

  constructor(limit = 250_000) {
    this.#limit = limit
  }

  has(type: CoreType, id: string): boolean {
    return this.#current.get(type)?.has(id) === true || this.#previous.get(type)?.has(id) === true
  }

  add(type: CoreType, id: string): void {
    if (this.#size >= this.#limit) {
      this.#previous = this.#current
      this.#current = new Map()
      this.#size = 0
    }
    let set = this.#current.get(type)
    if (!set) this.#current.set(type, (set = new Set()))
    set.add(id)
    this.#size++
  }
}

/** Which of `refs` (by `type:id`) the archive does not hold. */
export async function absent(
  storage: Storage,
  refs: readonly Reference[],
  cache: PresentCache,
  known?: KnownIds,
): Promise<Set<string>> {
  const byType = new Map<CoreType, Set<string>>()
  for (const r of refs) {
    if (known?.has(r.type, r.id) || cache.has(r.type, r.id)) continue
    let set = byType.get(r.type)
    if (!set) byType.set(r.type, (set = new Set()))
    set.add(r.id)
  }
  const out = new Set<string>()
  for (const [type, set] of byType) {
    const ids = [...set]
    let missing: string[]
    if (type === 'cnt') {
      missing = []
      // A content too large to archive is recorded as skipped: present, without bytes.
      for (const id of await storage.contentMissing(ids))
        if ((await storage.skippedContentFind(id)).length === 0) missing.push(id)
    } else if (type === 'dir') missing = await storage.directoryMissing(ids)
    else if (type === 'rev') missing = await storage.revisionMissing(ids)
    else if (type === 'rel') missing = await storage.releaseMissing(ids)
    else missing = await storage.snapshotMissing(ids)
    for (const id of missing) out.add(`${type}:${id}`)
    const gone = new Set(missing)
    for (const id of ids) if (!gone.has(id)) cache.add(type, id)
  }
  return out
}

function referencesOf(object: ScannedObject): Reference[] {
  switch (object.kind) {
    case 'content':
      return []
    case 'origin_visit_status':
      return object.value.snapshot === null ? [] : [{ type: 'snp', id: object.value.snapshot }]
    case 'directory': {
      // The edges `references` gives (file and dir entries, not submodules), without its
      // de-duplication: the page's lookups are de-duplicated anyway, and findings below.
      const out: Reference[] = []
      for (const e of object.value.entries) {
        if (e.type === 'file') out.push({ type: 'cnt', id: e.target })
        else if (e.type === 'dir') out.push({ type: 'dir', id: e.target })
      }
      return out
    }
    default:
      return references(object.value)
  }
}

function describeVisit(object: ScannedObject): string {
  if (object.kind !== 'origin_visit_status') return 'it'
  const s = object.value
  return `visit ${s.visit} of ${s.origin} (status ${s.status} of ${s.date.toISOString()})`
}

/** The findings of one page of `kind`, in page order. */
export async function checkPage(
  storage: Storage,
  store: ObjStorage,
  kind: ScanKind,
  items: readonly ScanItem[],
  cache: PresentCache = new PresentCache(),
  known?: KnownIds,
): Promise<FsckFinding[]> {
  const findings: FsckFinding[] = []
  const sound: { subject: Subject; object: ScannedObject }[] = []
  for (const item of items) {
    const subject = subjectOf(kind, item.key, item.object)
    if (item.object === undefined) {
      findings.push({
        ...subject,
        problem: 'corrupt',
        detail: `its stored row does not decode (${item.error})`,
      })
      continue
    }
    const problem = idProblem(item.object)
    if (problem !== null) findings.push({ ...subject, problem: 'corrupt', detail: problem })
    sound.push({ subject, object: item.object })
  }
  if (kind === 'content') {
    findings.push(
      ...(await checkContents(
        store,
        sound.flatMap((s) => (s.object.kind === 'content' ? [s.object.value] : [])),
      )),
    )
    return findings
  }
  // References are resolved even for an object whose id is wrong: its fields are what an
  // reader of the archive follows.
  const refs = sound.map((s) => referencesOf(s.object))
  const gone = await absent(storage, refs.flat(), cache, known)
  if (gone.size === 0) return findings
  sound.forEach((s, i) => {
    const reported = new Set<string>()
    for (const r of refs[i]!) {
      if (!gone.has(`${r.type}:${r.id}`)) continue
      const target = `swh:1:${r.type}:${r.id}`
      if (reported.has(target)) continue
      reported.add(target)
      findings.push({
        ...s.subject,
        problem: 'dangling',
        detail: `${s.subject.kind === 'origin_visit_status' ? describeVisit(s.object) : 'it'} references ${target}, which is not in the archive`,
        target,
      })
    }
  })
  return findings
}
