/**
 * The mirror replayer: reads the upstream's journal topic by topic, re-verifies every record,
 * and writes into the local archive so that it never shows a dangling edge.
 *
 * Per batch of records of a topic:
 * 1. decode each record, recompute its id (contents: fetch the bytes and recompute all four
 *    hashes and the length); a malformed or mismatching record is rejected with its offset and
 *    reason, and replay goes on;
 * 2. find what each object references (a directory's entries, a revision's tree and parents, a
 *    release's target, a snapshot's branches, a visit's origin, a status's visit and snapshot);
 *    an object whose references are all present (locally, or earlier in the batch) is written,
 *    dependencies first; the others are held back in the mirror state with what they wait for;
 * 3. held objects waiting for what was just written are re-checked and written when complete;
 * 4. the batch's offset, rejects, held and released objects are committed in one transaction.
 *
 * Content bytes are fetched in parallel requests (bounded), and the next batch of records is
 * read while the current one is written, so the upstream, the network and the local disk work
 * at once; nothing else is read ahead (backpressure).
 *
 * @module
 */

import { CorruptError, InvalidInputError } from '../errors.js'
import type { JournalRecord, JournalWriter, Topic } from '../journal/interface.js'
import {
  decodeValue,
  encodeRecord,
  keyOf,
  type TakedownRecord,
  type TopicObjects,
} from '../journal/serde.js'
import { verify } from '../model/manifest.js'
import { epochMicros } from '../model/micro-date.js'
import type {
  Content,
  Directory,
  ExtId,
  Origin,
  OriginVisit,
  OriginVisitStatus,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../model/objects.js'
import { formatSwhid, swhidString } from '../model/swhid.js'
import type { ObjStorage } from '../objstorage/interface.js'
import type { Archive } from '../storage/archive.js'
import type { Storage } from '../storage/interface.js'
import { isWithheld } from '../storage/proxies/masking-journal.js'
import type { HeldObject, MirrorState } from './state.js'
import type { ObjectFetchKind, Upstream } from './upstream.js'

/** Topics in replay order: an object's references are in the same or an earlier topic. */
export const REPLAY_ORDER: readonly Topic[] = [
  'origin',
  'content',
  'skipped_content',
  'directory',
  'revision',
  'release',
  'snapshot',
  'origin_visit',
  'origin_visit_status',
  'extid',
  'takedown',
]

/** Settings of {@link Replayer}. */
export interface ReplayerInit {
  readonly archive: Archive
  /** Where objects are written (the archive's backend, without layers). */
  readonly storage: Storage
  /**
   * The mirror's own journal: every object written is appended to it first, with the record
   * bytes it came with (so this mirror can itself be mirrored); contents after their bytes.
   */
  readonly journal?: JournalWriter
  /** The content store (contents are stored bytes first, then journal, then rows). */
  readonly objstorage?: ObjStorage
  readonly upstream: Upstream
  readonly state: MirrorState
  /** Records per batch. */
  readonly batchSize?: number
  /** Content ids per byte request, and requests in flight. */
  readonly contentBatch?: number
  readonly contentConcurrency?: number
  /**
   * Selective mirror: origin URL globs (`*` any run of characters, `?` one). Only matching
   * origins are kept, with everything reachable from their visits' snapshots (fetched top-down
   * from the upstream); the graph topics are then not read.
   */
  readonly select?: readonly string[]
  /** Progress callback, after each batch. */
  readonly onBatch?: (topic: Topic, offset: number, end: number) => void
  readonly signal?: AbortSignal
}

/** Totals of one {@link Replayer.catchUp}. */
export interface ReplaySummary {
  records: number
  written: number
  rejected: number
  held: number
  released: number
}

interface Decoded {
  readonly topic: Topic
  readonly offset: number
  readonly key: string
  readonly value: Uint8Array
  readonly obj: unknown
  readonly waitsFor: string[]
}

const RELEASE_TARGET_PREFIX = {
  content: 'cnt',
  directory: 'dir',
  revision: 'rev',
  release: 'rel',
  snapshot: 'snp',
} as const

/** Most keys remembered as stored (about 100 bytes each). */
const KNOWN_MAX = 1_000_000

/** Topics a selective mirror reads (the graph comes top-down from the snapshots). */
export const SELECTIVE_TOPICS: readonly Topic[] = [
  'origin',
  'origin_visit',
  'origin_visit_status',
  'takedown',
]

const FETCH_KIND = {
  cnt: 'content',
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
} as const satisfies Record<string, ObjectFetchKind>

const PREFIX_OF_KIND = {
  content: 'cnt',
  directory: 'dir',
  revision: 'rev',
  release: 'rel',
  snapshot: 'snp',
} as const

/** An origin URL glob as a regular expression (`*`: any run of characters, `?`: one). */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  for (const ch of glob) {
    if (ch === '*') re += '.*'
    else if (ch === '?') re += '.'
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`, 's')
}

/** The origin a visit-level object belongs to (null for other topics). */
function originOf(d: Decoded): string | null {
  switch (d.topic) {
    case 'origin':
      return (d.obj as Origin).url
    case 'origin_visit':
      return (d.obj as OriginVisit).origin
    case 'origin_visit_status':
      return (d.obj as OriginVisitStatus).origin
    default:
      return null
  }
}

function dedupeRejects(
  rejects: readonly { offset: number; reason: string }[],
): { offset: number; reason: string }[] {
  const byOffset = new Map<number, string[]>()
  for (const r of rejects) byOffset.set(r.offset, [...(byOffset.get(r.offset) ?? []), r.reason])
  return [...byOffset].map(([offset, reasons]) => ({ offset, reason: reasons.join('; ') }))
}

const visitKey = (origin: string, visit: number): string => `visit:${visit}:${origin}`
const originKey = (url: string): string => `origin:${url}`

/** Replays an upstream into the local archive. */
export class Replayer {
  readonly #init: ReplayerInit
  readonly #storage: Storage
  readonly #batch: number
  readonly #select: RegExp[] | null
  /**
   * Keys known to be stored (written by this run or found present): most references point at
   * objects just written, so this spares most presence queries. Bounded: cleared when full.
   */
  #known = new Set<string>()

  constructor(init: ReplayerInit) {
    this.#init = init
    this.#storage = init.storage
    this.#batch = init.batchSize ?? 2000
    this.#select =
      init.select && init.select.length > 0 ? init.select.map((p) => globToRegExp(p)) : null
  }

  #selected(url: string): boolean {
    return this.#select === null || this.#select.some((r) => r.test(url))
  }

  /** Replays every topic up to the upstream's current end; returns what was done. */
  async catchUp(): Promise<ReplaySummary> {
    const summary: ReplaySummary = { records: 0, written: 0, rejected: 0, held: 0, released: 0 }
    // Objects held back by an earlier run may have become complete (e.g. after a crash between
    // a write and its commit): retry them all once.
    await this.#releaseHeld(this.#init.state.allHeld(), summary, true)
    this.#init.upstream.bindConsumer?.(this.#init.state.consumerGroup())
    const ends = await this.#init.upstream.endOffsets()
    for (const topic of this.#select ? SELECTIVE_TOPICS : REPLAY_ORDER) {
      const end = ends[topic]
      let from = this.#init.state.committed(topic)
      let next = from < end ? this.#readBatch(topic, from, end) : null
      while (next) {
        this.#init.signal?.throwIfAborted()
        const records = await next
        if (records.length === 0) break
        const last = records[records.length - 1]!.offset + 1
        // Read ahead one batch while this one is written.
        next = last < end ? this.#readBatch(topic, last, end) : null
        next?.catch(() => undefined)
        await this.#applyBatch(topic, records, last, summary)
        from = last
        this.#init.onBatch?.(topic, from, end)
      }
    }
    // Anything still held whose references arrived by another path (e.g. released in a
    // cascade while it was being held) is retried.
    await this.#releaseHeld(this.#init.state.allHeld(), summary, true)
    return summary
  }

  async #readBatch(topic: Topic, from: number, end: number): Promise<JournalRecord[]> {
    const out: JournalRecord[] = []
    for await (const r of this.#init.upstream.read(topic, from, Math.min(this.#batch, end - from)))
      out.push(r)
    return out
  }

  async #applyBatch(
    topic: Topic,
    records: readonly JournalRecord[],
    nextOffset: number,
    summary: ReplaySummary,
  ): Promise<void> {
    const rejects: { offset: number; reason: string }[] = []
    let decoded: Decoded[] = []
    for (const r of records) {
      // A record the upstream withholds (a masked object): its offset is passed, nothing else.
      if (isWithheld(r)) continue
      try {
        decoded.push(this.#decode(topic, r.offset, r.value))
      } catch (e) {
        rejects.push({ offset: r.offset, reason: (e as Error).message })
      }
    }
    if (this.#select) {
      decoded = decoded.filter((d) => {
        const origin = originOf(d)
        return origin === null || this.#selected(origin)
      })
      for (const d of decoded) {
        const snapshot =
          d.topic === 'origin_visit_status' ? (d.obj as OriginVisitStatus).snapshot : null
        if (snapshot) rejects.push(...(await this.#ensureClosure(snapshot, d.offset)))
      }
    }
    const { written, held, rejected } = await this.#writeReady(decoded)
    rejects.push(...rejected)
    // The batch is accounted first (its held objects are then visible to the release below,
    // which may free some of them); releases are committed after.
    this.#init.state.commit({
      topic,
      offset: nextOffset,
      replayed: decoded.length - held.length - rejected.length,
      rejects: dedupeRejects(rejects),
      held: held.map((h) => ({
        topic: h.topic,
        key: h.key,
        offset: h.offset,
        value: h.value,
        waitsFor: h.waitsFor,
      })),
      released: [],
    })
    await this.#init.upstream.acknowledge?.(topic, nextOffset)
    await this.#releaseHeld(this.#init.state.heldWaitingFor(written), summary, true)
    summary.records += records.length
    summary.written += decoded.length - held.length - rejected.length
    summary.rejected += rejects.length
    summary.held += held.length
  }

  /**
   * Re-checks held objects; writes those now complete (and, in cascade, those waiting for
   * them). With `commitNow`, records the releases at once (else the caller's batch does).
   */
  async #releaseHeld(
    candidates: HeldObject[],
    summary: ReplaySummary,
    commitNow: boolean,
    released: { topic: Topic; key: string }[] = [],
  ): Promise<void> {
    const seen = new Set<string>()
    let pending = candidates
    while (pending.length > 0) {
      const fresh = pending.filter((h) => !seen.has(`${h.topic} ${h.key}`))
      if (fresh.length === 0) break
      for (const h of fresh) seen.add(`${h.topic} ${h.key}`)
      const decoded = fresh.map((h) => this.#decode(h.topic, h.offset, h.value))
      const order = new Map(REPLAY_ORDER.map((t, i) => [t, i]))
      decoded.sort((a, b) => order.get(a.topic)! - order.get(b.topic)!)
      const { written, held } = await this.#writeReady(decoded)
      const heldKeys = new Set(held.map((h) => `${h.topic} ${h.key}`))
      for (const d of decoded) {
        if (!heldKeys.has(`${d.topic} ${d.key}`)) released.push({ topic: d.topic, key: d.key })
      }
      summary.released += decoded.length - held.length
      pending = this.#init.state.heldWaitingFor(written)
    }
    if (commitNow && released.length > 0) {
      const byTopic = new Map<Topic, { topic: Topic; key: string }[]>()
      for (const r of released) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r])
      for (const [topic, list] of byTopic) {
        this.#init.state.commit({
          topic,
          offset: this.#init.state.committed(topic),
          replayed: 0,
          rejects: [],
          held: [],
          released: list,
        })
      }
    }
  }

  /** Decodes and verifies one record; throws with the reason to record when it is bad. */
  #decode(topic: Topic, offset: number, value: Uint8Array): Decoded {
    const obj = decodeValue(topic, value)
    const base = { topic, offset, value, obj }
    switch (topic) {
      case 'content': {
        const c = obj as Content
        return { ...base, key: swhidString('cnt', c.sha1Git), waitsFor: [] }
      }
      case 'skipped_content': {
        const c = obj as SkippedContent
        const k = `${c.sha1Git ?? ''}:${c.sha1 ?? ''}:${c.sha256 ?? ''}:${c.blake2s256 ?? ''}`
        return { ...base, key: `skipped:${k}`, waitsFor: [] }
      }
      case 'directory': {
        const d = obj as Directory
        verify.directory(d)
        const waits = new Set<string>()
        for (const e of d.entries) {
          if (e.type === 'file') waits.add(swhidString('cnt', e.target))
          else if (e.type === 'dir') waits.add(swhidString('dir', e.target))
        }
        return { ...base, key: swhidString('dir', d.id), waitsFor: [...waits] }
      }
      case 'revision': {
        const r = obj as Revision
        verify.revision(r)
        const waits = [
          swhidString('dir', r.directory),
          ...r.parents.map((p) => swhidString('rev', p)),
        ]
        return { ...base, key: swhidString('rev', r.id), waitsFor: [...new Set(waits)] }
      }
      case 'release': {
        const r = obj as Release
        verify.release(r)
        const waits =
          r.target === null ? [] : [swhidString(RELEASE_TARGET_PREFIX[r.targetType], r.target)]
        return { ...base, key: swhidString('rel', r.id), waitsFor: waits }
      }
      case 'snapshot': {
        const s = obj as Snapshot
        verify.snapshot(s)
        const waits = new Set<string>()
        for (const b of s.branches) {
          if (b.target && b.target.targetType !== 'alias')
            waits.add(swhidString(RELEASE_TARGET_PREFIX[b.target.targetType], b.target.target))
        }
        return { ...base, key: swhidString('snp', s.id), waitsFor: [...waits] }
      }
      case 'origin': {
        const o = obj as Origin
        return { ...base, key: originKey(o.url), waitsFor: [] }
      }
      case 'origin_visit': {
        const v = obj as OriginVisit
        if (!Number.isSafeInteger(v.visit) || v.visit < 1)
          throw new InvalidInputError(`Malformed origin_visit record: visit ${v.visit}`)
        return { ...base, key: visitKey(v.origin, v.visit), waitsFor: [originKey(v.origin)] }
      }
      case 'origin_visit_status': {
        const s = obj as OriginVisitStatus
        const waits = [visitKey(s.origin, s.visit)]
        if (s.snapshot) waits.push(swhidString('snp', s.snapshot))
        return {
          ...base,
          // Two statuses of one visit may share a date: the status tells them apart.
          key: `status:${s.visit}:${epochMicros(s.date, s.dateExtraMicros)}:${s.status}:${s.snapshot ?? '-'}:${s.origin}`,
          waitsFor: waits,
        }
      }
      case 'extid': {
        const e = obj as ExtId
        verify.extid(e)
        return { ...base, key: `extid:${e.id}`, waitsFor: [formatSwhid(e.target)] }
      }
      case 'takedown': {
        const t = obj as TakedownRecord
        return { ...base, key: `takedown:${t.id}:${t.date.getTime()}`, waitsFor: [] }
      }
    }
    throw new InvalidInputError(`Unknown topic ${String(topic)}`)
  }

  /**
   * Selective mirrors: fetches from the upstream everything reachable from snapshot `id` that
   * is not here yet (top-down, level by level; an object present here has its whole closure
   * here already), verifies it, and writes it bottom-up. Returns what could not be completed.
   */
  async #ensureClosure(id: string, offset: number): Promise<{ offset: number; reason: string }[]> {
    const rejects: { offset: number; reason: string }[] = []
    const seen = new Set<string>()
    const fetched = new Map<Topic, Decoded[]>()
    let frontier = [swhidString('snp', id)]
    while (frontier.length > 0) {
      this.#init.signal?.throwIfAborted()
      const fresh = [...new Set(frontier)].filter((k) => !seen.has(k))
      for (const k of fresh) seen.add(k)
      const present = await this.#present(fresh)
      const byKind = new Map<ObjectFetchKind, string[]>()
      for (const k of fresh) {
        if (present.has(k)) continue
        const kind = FETCH_KIND[k.slice(6, 9) as keyof typeof FETCH_KIND]
        let list = byKind.get(kind)
        if (!list) byKind.set(kind, (list = []))
        list.push(k.slice(10))
      }
      const next: string[] = []
      for (const [kind, ids] of byKind) {
        const got = await this.#init.upstream.objects(kind, ids)
        got.forEach((g, i) => {
          const want = swhidString(PREFIX_OF_KIND[kind], ids[i]!)
          if (g === null) {
            rejects.push({ offset, reason: `${want}: referenced but unknown upstream` })
            return
          }
          let d: Decoded
          try {
            d = this.#decode(g.topic, offset, g.value)
          } catch (e) {
            rejects.push({ offset, reason: `${want}: ${(e as Error).message}` })
            return
          }
          if (g.topic !== 'skipped_content' && d.key !== want) {
            rejects.push({ offset, reason: `${want}: upstream answered ${d.key}` })
            return
          }
          let list = fetched.get(g.topic)
          if (!list) fetched.set(g.topic, (list = []))
          list.push(d)
          next.push(...d.waitsFor)
        })
      }
      frontier = next
    }
    for (const topic of REPLAY_ORDER) {
      const list = fetched.get(topic)
      if (!list) continue
      const { held, rejected } = await this.#writeReady(list)
      rejects.push(...rejected)
      for (const h of held)
        rejects.push({
          offset,
          reason: `${h.key}: references missing upstream: ${h.waitsFor.join(', ')}`,
        })
    }
    return rejects
  }

  /** Which of `keys` exist locally. */
  #remember(keys: Iterable<string>): void {
    if (this.#known.size > KNOWN_MAX) this.#known = new Set()
    for (const k of keys) this.#known.add(k)
  }

  async #present(keys: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>()
    const byType = new Map<string, string[]>()
    for (const k of keys) {
      if (this.#known.has(k)) {
        out.add(k)
        continue
      }
      const core = k.startsWith('swh:1:') && k.length === 50
      const type = core ? k.slice(6, 9) : k.slice(0, k.indexOf(':'))
      let list = byType.get(type)
      if (!list) byType.set(type, (list = []))
      list.push(core ? k.slice(10) : k)
    }
    const s = this.#storage
    const missingOf: Record<string, (ids: string[]) => Promise<string[]>> = {
      cnt: (ids) => s.contentMissing(ids),
      dir: (ids) => s.directoryMissing(ids),
      rev: (ids) => s.revisionMissing(ids),
      rel: (ids) => s.releaseMissing(ids),
      snp: (ids) => s.snapshotMissing(ids),
    }
    for (const [type, list] of byType) {
      const ids = [...new Set(list)]
      if (type in missingOf) {
        const missing = new Set(await missingOf[type]!(ids))
        for (const id of ids) {
          if (!missing.has(id)) out.add(`swh:1:${type}:${id}`)
          else if (type === 'cnt' && (await s.skippedContentFind(id)).length > 0)
            out.add(`swh:1:cnt:${id}`)
        }
      } else if (type === 'origin') {
        const urls = ids.map((k) => k.slice('origin:'.length))
        const got = await s.originGet(urls)
        got.forEach((o, i) => o && out.add(ids[i]!))
      } else if (type === 'visit') {
        for (const k of ids) {
          const m = /^visit:(\d+):(.*)$/s.exec(k)!
          if (await s.originVisitGetByNumber(m[2]!, Number(m[1]))) out.add(k)
        }
      }
    }
    this.#remember(out)
    return out
  }

  /**
   * Writes the objects whose references are all present (or written before them here), in
   * dependency order; returns the keys written, the objects held back, and contents rejected
   * for their bytes.
   */
  async #writeReady(decoded: readonly Decoded[]): Promise<{
    written: string[]
    held: (Decoded & { waitsFor: string[] })[]
    rejected: { offset: number; reason: string }[]
  }> {
    const allWaits = new Set<string>()
    for (const d of decoded) for (const w of d.waitsFor) allWaits.add(w)
    const present = await this.#present([...allWaits])
    // Topological order (Kahn): an object is ready when each of its references is present or
    // ready before it; linear in the number of references whatever the order of the batch.
    const inBatch = new Set(decoded.map((d) => d.key))
    const unmet = new Map<Decoded, number>()
    const dependents = new Map<string, Decoded[]>()
    const ready: Decoded[] = []
    const queue: Decoded[] = []
    for (const d of decoded) {
      let n = 0
      for (const w of d.waitsFor) {
        if (present.has(w) || !inBatch.has(w) || w === d.key) continue
        n++
        let list = dependents.get(w)
        if (!list) dependents.set(w, (list = []))
        list.push(d)
      }
      const missingOutside = d.waitsFor.some((w) => !present.has(w) && !inBatch.has(w))
      unmet.set(d, missingOutside ? Number.POSITIVE_INFINITY : n)
      if (n === 0 && !missingOutside) queue.push(d)
    }
    const readyKeys = new Set<string>()
    for (let q = 0; q < queue.length; q++) {
      const d = queue[q]!
      ready.push(d)
      if (readyKeys.has(d.key)) continue // a duplicate record of the same object
      readyKeys.add(d.key)
      for (const dep of dependents.get(d.key) ?? []) {
        const left = unmet.get(dep)! - 1
        unmet.set(dep, left)
        if (left === 0) queue.push(dep)
      }
    }
    const readySet = new Set(ready)
    const held = decoded
      .filter((d) => !readySet.has(d))
      .map((d) => ({
        ...d,
        waitsFor: d.waitsFor.filter((w) => !present.has(w) && !readyKeys.has(w)),
      }))
    const rejected = await this.#write(ready)
    const rejectedOffsets = new Set(rejected.map((r) => r.offset))
    const written = ready.filter((d) => !rejectedOffsets.has(d.offset)).map((d) => d.key)
    this.#remember(written)
    return { written, held, rejected }
  }

  /** Writes objects (already in dependency order), grouped by consecutive topic. */
  async #write(ready: readonly Decoded[]): Promise<{ offset: number; reason: string }[]> {
    const rejected: { offset: number; reason: string }[] = []
    let i = 0
    while (i < ready.length) {
      const topic = ready[i]!.topic
      let j = i
      while (j < ready.length && ready[j]!.topic === topic) j++
      const group = ready.slice(i, j)
      i = j
      if (topic === 'content') {
        rejected.push(...(await this.#writeContents(group)))
        continue
      }
      await this.#journalAppend(topic, group)
      // One storage call is one transaction: objects of the group that reference each other
      // become visible together, never a dependent before what it references.
      await this.#writeTopic(
        topic,
        group.map((d) => d.obj),
      )
    }
    return rejected
  }

  async #journalAppend(topic: Topic, group: readonly Decoded[]): Promise<void> {
    if (!this.#init.journal || group.length === 0) return
    await this.#init.journal.append(
      topic,
      group.map((d) => ({
        key: keyOf(topic, d.obj as TopicObjects[typeof topic]),
        value: d.value,
      })),
    )
  }

  async #writeTopic(topic: Topic, objs: unknown[]): Promise<void> {
    const s = this.#storage
    switch (topic) {
      case 'skipped_content':
        await s.skippedContentAdd(objs as SkippedContent[])
        return
      case 'directory':
        await s.directoryAdd(objs as Directory[])
        return
      case 'revision':
        await s.revisionAdd(objs as Revision[])
        return
      case 'release':
        await s.releaseAdd(objs as Release[])
        return
      case 'snapshot':
        await s.snapshotAdd(objs as Snapshot[])
        return
      case 'origin':
        await s.originAdd(objs as Origin[])
        return
      case 'origin_visit':
        await s.originVisitAdd(
          (objs as OriginVisit[]).map((v) => ({
            origin: v.origin,
            visit: v.visit,
            date: v.date,
            ...(v.dateExtraMicros ? { dateExtraMicros: v.dateExtraMicros } : {}),
            type: v.type,
          })),
        )
        return
      case 'origin_visit_status':
        await s.originVisitStatusAdd(objs as OriginVisitStatus[])
        return
      case 'extid':
        await s.extidAdd(objs as ExtId[])
        return
      case 'takedown':
        for (const t of objs as TakedownRecord[]) {
          await this.#init.archive.backend.maskSet(
            t.id,
            t.reason,
            t.swhids,
            t.action === 'mask' ? 'restricted' : null,
            t.date,
          )
          if (t.action === 'mask') await this.#recordWithheld(t)
        }
        return
      case 'content':
        throw new Error('contents are written by #writeContents')
    }
  }

  /**
   * The upstream withholds masked contents (record and bytes): each one this node lacks is
   * recorded as a skipped content, so that what references it (directories and up, held back
   * meanwhile) completes, as for any content archived without its bytes.
   */
  async #recordWithheld(t: TakedownRecord): Promise<void> {
    const ids = t.swhids.filter((x) => x.startsWith('swh:1:cnt:')).map((x) => x.slice(10))
    const missing = ids.length > 0 ? await this.#storage.contentMissing(ids) : []
    const skipped: SkippedContent[] = []
    for (const id of missing) {
      if ((await this.#storage.skippedContentFind(id)).length > 0) continue
      skipped.push({
        sha1: null,
        sha1Git: id,
        sha256: null,
        blake2s256: null,
        length: null,
        status: 'absent',
        reason: `Masked upstream (takedown ${t.id}): bytes withheld`,
        origin: null,
        ctime: t.date,
      })
    }
    if (skipped.length === 0) return
    // Journaled first, like every object this node writes (its own mirrors replay it).
    await this.#init.journal?.append(
      'skipped_content',
      skipped.map((c) => encodeRecord('skipped_content', c)),
    )
    await this.#storage.skippedContentAdd(skipped)
  }

  /** Fetches, verifies and stores contents; returns the rejected ones. */
  async #writeContents(group: readonly Decoded[]): Promise<{ offset: number; reason: string }[]> {
    const contents = group.map((d) => ({ d, c: d.obj as Content }))
    const missing = new Set(await this.#storage.contentMissing(contents.map((x) => x.c.sha1Git)))
    const todo = contents.filter((x) => missing.has(x.c.sha1Git))
    const rejected: { offset: number; reason: string }[] = []
    const per = this.#init.contentBatch ?? 500
    const chunks: (typeof todo)[] = []
    let cur: typeof todo = []
    let bytes = 0
    for (const x of todo) {
      cur.push(x)
      bytes += x.c.length
      if (cur.length >= per || bytes >= 32 << 20) {
        chunks.push(cur)
        cur = []
        bytes = 0
      }
    }
    if (cur.length > 0) chunks.push(cur)
    const concurrency = this.#init.contentConcurrency ?? 4
    let nextChunk = 0
    const worker = async (): Promise<void> => {
      while (nextChunk < chunks.length) {
        const chunk = chunks[nextChunk++]!
        const got = await this.#init.upstream.contents(chunk.map((x) => x.c.sha1Git))
        const ok: (Content & { data: Uint8Array })[] = []
        const okDecoded: Decoded[] = []
        got.forEach((g, k) => {
          const { d, c } = chunk[k]!
          if (g.data === null) {
            rejected.push({
              offset: d.offset,
              reason: `content ${c.sha1Git}: bytes not available upstream`,
            })
            return
          }
          try {
            verify.content(c, g.data)
            ok.push({ ...c, data: g.data })
            okDecoded.push(d)
          } catch (e) {
            const why = e instanceof CorruptError ? e.message : String(e)
            rejected.push({ offset: d.offset, reason: `content ${c.sha1Git}: ${why}` })
          }
        })
        if (ok.length === 0) continue
        if (this.#init.journal && this.#init.objstorage) {
          // Bytes, then the journal record, then the rows that make the content visible.
          await this.#init.objstorage.addBatch(ok.map((c) => ({ id: c.sha1Git, data: c.data })))
          await this.#journalAppend('content', okDecoded)
          await this.#storage.contentAddMetadata(ok.map(({ data: _data, ...c }) => c))
        } else await this.#storage.contentAdd(ok)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker))
    return rejected
  }
}
