/**
 * Writing replayed objects into the local archive, already in dependency order: each group of
 * consecutive objects of one topic is journaled (with the record bytes it came with, so this
 * mirror can itself be mirrored), then stored in one storage call (one transaction). Contents
 * are fetched from the upstream, verified against their bytes, and stored bytes first, then
 * journal, then rows.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import {
  encodeRecord,
  type JournalWriter,
  keyOf,
  type TakedownRecord,
  type Topic,
  type TopicObjects,
} from '../journal/index.js'
import type { Content, SkippedContent } from '../model/index.js'
import { verify } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import {
  addTopicObjects,
  type GraphTopic,
  isGraphTopic,
  type MaskWriter,
  missingIds,
  type RemovalRecord,
  type Storage,
  type StorageRemoval,
} from '../storage/index.js'
import type { Decoded, Reject } from './decode.js'
import type { Upstream } from './upstream.js'

/** Settings of {@link ObjectWriter} (see `ReplayerInit`). */
export interface WriterInit {
  readonly masks: MaskWriter
  readonly removals?: StorageRemoval
  readonly storage: Storage
  readonly journal?: JournalWriter
  readonly objstorage?: ObjStorage
  readonly upstream: Upstream
  readonly contentBatch?: number
  readonly contentConcurrency?: number
}

/** Writes replayed objects (see the module documentation). */
export class ObjectWriter {
  readonly #init: WriterInit
  readonly #storage: Storage

  constructor(init: WriterInit) {
    this.#init = init
    this.#storage = init.storage
  }

  /** Writes objects (already in dependency order), grouped by consecutive topic. */
  async write(ready: readonly Decoded[]): Promise<Reject[]> {
    const rejected: Reject[] = []
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
    if (isGraphTopic(topic)) {
      await addTopicObjects(this.#storage, topic, objs as TopicObjects[GraphTopic][])
      return
    }
    switch (topic) {
      case 'takedown':
        for (const t of objs as TakedownRecord[]) {
          if (t.action === 'remove') {
            await this.#applyRemoval(t)
            continue
          }
          await this.#init.masks.maskSet(
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
   * A removal made upstream (`arca remove`): the listed objects, in their deletion order
   * (top-down), are deleted here too, with their bytes, and recorded in this archive's removal
   * audit (actor `journal`). Idempotent: a record delivered again deletes nothing more.
   */
  async #applyRemoval(t: TakedownRecord): Promise<void> {
    const removals = this.#init.removals
    if (!removals)
      throw new Error(`Removal ${t.id} received, but this replayer has no backend to remove from`)
    if (!(await removals.removalGet(t.id))) {
      const counts: Record<string, number> = {}
      for (const s of t.swhids) counts[s.slice(6, 9)] = (counts[s.slice(6, 9)] ?? 0) + 1
      const record: RemovalRecord = {
        id: t.id,
        date: t.date,
        actor: 'journal',
        reason: t.reason,
        roots: [],
        counts,
        state: 'bundled',
        bundle: null,
        finished: null,
      }
      await removals.removalCreate(record, t.swhids)
    }
    // Masked too, as upstream: this mirror's own feed withholds its old records of them.
    await this.#init.masks.maskSet(t.id, `removal: ${t.reason}`, t.swhids, 'restricted', t.date)
    await removals.removeObjects(t.swhids)
    await removals.removalUpdate(t.id, { state: 'done', finished: new Date() })
  }

  /**
   * The upstream withholds masked contents (record and bytes): each one this node lacks is
   * recorded as a skipped content, so that what references it (directories and up, held back
   * meanwhile) completes, as for any content archived without its bytes.
   */
  async #recordWithheld(t: TakedownRecord): Promise<void> {
    const ids = t.swhids.filter((x) => x.startsWith('swh:1:cnt:')).map((x) => x.slice(10))
    const missing = await missingIds(this.#storage, 'cnt', ids)
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
  async #writeContents(group: readonly Decoded[]): Promise<Reject[]> {
    const contents = group.map((d) => ({ d, c: d.obj as Content }))
    const missing = await missingIds(
      this.#storage,
      'cnt',
      contents.map((x) => x.c.sha1Git),
    )
    const todo = contents.filter((x) => missing.has(x.c.sha1Git))
    const rejected: Reject[] = []
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
        // Each content is checked once, here, against the bytes then stored: the same objects
        // go on to the storage, whose validating layer knows them (`verify.checked`).
        const stored = this.#init.journal && this.#init.objstorage ? this.#init.objstorage : null
        const ok: Content[] = []
        const okBytes: Uint8Array[] = []
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
            const checked = stored ? c : { ...c, data: g.data }
            verify.content(checked, g.data)
            ok.push(checked)
            okBytes.push(g.data)
            okDecoded.push(d)
          } catch (e) {
            const why = e instanceof CorruptError ? e.message : String(e)
            rejected.push({ offset: d.offset, reason: `content ${c.sha1Git}: ${why}` })
          }
        })
        if (ok.length === 0) continue
        if (stored) {
          // Bytes the content store held already (an earlier run's, not these) are not
          // rewritten: their contents go on as copies, which the validating layer does not know,
          // so it reads those bytes back and checks them.
          const absent = new Set(await stored.missing(ok.map((c) => c.sha1Git)))
          const rows = ok.map((c) => (absent.has(c.sha1Git) ? c : { ...c }))
          // Bytes, then the journal record, then the rows that make the content visible.
          await stored.addBatch(ok.map((c, n) => ({ id: c.sha1Git, data: okBytes[n]! })))
          await this.#journalAppend('content', okDecoded)
          await this.#storage.contentAddMetadata(rows)
        } else await this.#storage.contentAdd(ok as (Content & { data: Uint8Array })[])
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker))
    return rejected
  }
}
