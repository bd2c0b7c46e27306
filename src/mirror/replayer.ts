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
 * The parts: `decode.ts` (decoding, verification, keys and references), `order.ts` (dependency
 * ordering), `presence.ts` (what the archive has), `write.ts` (writing), `selective.ts` (the
 * `--select` mode); this module runs them batch by batch and keeps the held objects.
 *
 * @module
 */

import type { JournalRecord, JournalWriter, Topic } from '../journal/index.js'
import type { OriginVisitStatus } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import { isWithheld, type MaskWriter, type Storage, type StorageRemoval } from '../storage/index.js'
import { type Decoded, decodeRecord, type Reject, REPLAY_ORDER } from './decode.js'
import { orderBatch } from './order.js'
import { Presence } from './presence.js'
import {
  type ClosureContext,
  ensureClosure,
  originOf,
  originSelection,
  SELECTIVE_TOPICS,
} from './selective.js'
import type { HeldObject, MirrorState } from './state.js'
import type { Upstream } from './upstream.js'
import { ObjectWriter } from './write.js'

export { REPLAY_ORDER } from './decode.js'
export { globToRegExp, SELECTIVE_TOPICS } from './selective.js'

/** Settings of {@link Replayer}. */
export interface ReplayerInit {
  /** Where takedowns are recorded (the archive's backend). */
  readonly masks: MaskWriter
  /**
   * Where removals are applied (the archive's backend): a `takedown` record with action
   * `remove` deletes the listed objects here and records the removal in its audit table.
   */
  readonly removals?: StorageRemoval
  /**
   * Where objects are written: the archive opened for the `mirror` writer (its layers, in
   * `WRITER_STACKS`, validate ids once more below the replayer's own per-record checks).
   */
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

function dedupeRejects(rejects: readonly Reject[]): Reject[] {
  const byOffset = new Map<number, string[]>()
  for (const r of rejects) byOffset.set(r.offset, [...(byOffset.get(r.offset) ?? []), r.reason])
  return [...byOffset].map(([offset, reasons]) => ({ offset, reason: reasons.join('; ') }))
}

/** Replays an upstream into the local archive. */
export class Replayer {
  readonly #init: ReplayerInit
  readonly #batch: number
  /** The selective mirror's origin predicate (null: a full mirror). */
  readonly #selected: ((url: string) => boolean) | null
  readonly #presence: Presence
  readonly #writer: ObjectWriter

  constructor(init: ReplayerInit) {
    this.#init = init
    this.#batch = init.batchSize ?? 2000
    this.#selected = originSelection(init.select)
    this.#presence = new Presence(init.storage)
    this.#writer = new ObjectWriter(init)
  }

  /** What the selective closure works with. */
  get #closure(): ClosureContext {
    return {
      upstream: this.#init.upstream,
      presence: this.#presence,
      writeReady: (decoded) => this.#writeReady(decoded),
      signal: this.#init.signal,
    }
  }

  /** Replays every topic up to the upstream's current end; returns what was done. */
  async catchUp(): Promise<ReplaySummary> {
    const summary: ReplaySummary = { records: 0, written: 0, rejected: 0, held: 0, released: 0 }
    // Objects held back by an earlier run may have become complete (e.g. after a crash between
    // a write and its commit): retry them all once.
    await this.#releaseHeld(this.#init.state.allHeld(), summary, true)
    this.#init.upstream.bindConsumer?.(this.#init.state.consumerGroup())
    const ends = await this.#init.upstream.endOffsets()
    for (const topic of this.#selected ? SELECTIVE_TOPICS : REPLAY_ORDER) {
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
    const rejects: Reject[] = []
    let decoded: Decoded[] = []
    for (const r of records) {
      // A record the upstream withholds (a masked object): its offset is passed, nothing else.
      if (isWithheld(r)) continue
      try {
        decoded.push(decodeRecord(topic, r.offset, r.value))
      } catch (e) {
        rejects.push({ offset: r.offset, reason: (e as Error).message })
      }
    }
    const selected = this.#selected
    if (selected) {
      decoded = decoded.filter((d) => {
        const origin = originOf(d)
        return origin === null || selected(origin)
      })
      for (const d of decoded) {
        const snapshot =
          d.topic === 'origin_visit_status' ? (d.obj as OriginVisitStatus).snapshot : null
        if (snapshot) rejects.push(...(await ensureClosure(this.#closure, snapshot, d.offset)))
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
      const decoded = fresh.map((h) => decodeRecord(h.topic, h.offset, h.value))
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

  /**
   * Writes the objects whose references are all present (or written before them here), in
   * dependency order; returns the keys written, the objects held back, and contents rejected
   * for their bytes.
   */
  async #writeReady(decoded: readonly Decoded[]): Promise<{
    written: string[]
    held: (Decoded & { waitsFor: string[] })[]
    rejected: Reject[]
  }> {
    const allWaits = new Set<string>()
    for (const d of decoded) for (const w of d.waitsFor) allWaits.add(w)
    const present = await this.#presence.present([...allWaits])
    const { ready, held } = orderBatch(decoded, present)
    const rejected = await this.#writer.write(ready)
    const rejectedOffsets = new Set(rejected.map((r) => r.offset))
    const written = ready.filter((d) => !rejectedOffsets.has(d.offset)).map((d) => d.key)
    this.#presence.remember(written)
    return { written, held, rejected }
  }
}
