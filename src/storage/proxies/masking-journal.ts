/**
 * Journal records through the masking rules, for the mirror feed: a record of a masked object
 * (content, skipped content, directory, revision, release, snapshot), of a masked origin or of
 * its visits and visit statuses, or an extid naming a masked object is withheld: it keeps its
 * offset (so a mirror's position still advances past it) but its key and value are empty.
 * Takedown records always flow (mirrors apply them). Checked in batches, one masking query per
 * {@link CHECK_CHUNK} records.
 *
 * @module
 */

import {
  type AbortOptions,
  decodeValue,
  type JournalReader,
  type JournalReadOptions,
  type JournalRecord,
  type Topic,
} from '../../journal/index.js'
import {
  type CoreType,
  formatSwhid,
  SWHID_TYPE_OF_KIND,
  swhidString,
  toHex,
} from '../../model/index.js'
import { type MaskChecker, originSwhid } from './masking.js'

/** Records checked per masking query. */
const CHECK_CHUNK = 500

/** Whether a record is a withheld one (empty key and value: no real record is empty). */
export function isWithheld(r: { readonly key: Uint8Array; readonly value: Uint8Array }): boolean {
  return r.key.length === 0 && r.value.length === 0
}

/** The SWHID type of the objects of each object topic. */
const ID_PREFIX: Partial<Record<Topic, CoreType>> = SWHID_TYPE_OF_KIND

/** The SWHID whose mask withholds a record, or null (takedowns, undecodable records). */
function recordSwhid(topic: Topic, r: JournalRecord): string | null {
  const prefix = ID_PREFIX[topic]
  // Keys of object topics are the 20-byte id; no need to decode the (possibly big) value.
  if (prefix) return r.key.length === 20 ? swhidString(prefix, toHex(r.key)) : null
  try {
    switch (topic) {
      case 'skipped_content': {
        const id = decodeValue(topic, r.value).sha1Git
        return id ? swhidString('cnt', id) : null
      }
      case 'origin':
        return originSwhid(decodeValue(topic, r.value).url)
      case 'origin_visit':
      case 'origin_visit_status':
        return originSwhid(decodeValue(topic, r.value).origin)
      case 'extid':
      case 'raw_extrinsic_metadata':
        return formatSwhid(decodeValue(topic, r.value).target)
      default:
        return null
    }
  } catch {
    return null // a malformed record: the mirror rejects it itself
  }
}

/** A journal reader that withholds masked records (see the module notes). */
export class MaskingJournalReader implements Pick<JournalReader, 'read' | 'endOffset'> {
  constructor(
    readonly inner: Pick<JournalReader, 'read' | 'endOffset'>,
    readonly masks: MaskChecker,
  ) {}

  endOffset(topic: Topic, options?: AbortOptions): Promise<number> {
    return this.inner.endOffset(topic, options)
  }

  async *read(
    topic: Topic,
    fromOffset: number,
    options?: JournalReadOptions,
  ): AsyncIterable<JournalRecord> {
    let chunk: JournalRecord[] = []
    const masks = this.masks
    async function* flush(): AsyncGenerator<JournalRecord> {
      const ids = chunk.map((r) => recordSwhid(topic, r))
      const masked = await masks.masked(
        ids.filter((x): x is string => x !== null),
        options,
      )
      for (let i = 0; i < chunk.length; i++) {
        const r = chunk[i]!
        const id = ids[i]
        if (id !== null && id !== undefined && masked.has(id))
          yield {
            topic: r.topic,
            offset: r.offset,
            key: new Uint8Array(0),
            value: new Uint8Array(0),
          }
        else yield r
      }
      chunk = []
    }
    if (topic === 'takedown') {
      yield* this.inner.read(topic, fromOffset, options)
      return
    }
    for await (const r of this.inner.read(topic, fromOffset, options)) {
      chunk.push(r)
      if (chunk.length >= CHECK_CHUNK) yield* flush()
    }
    if (chunk.length > 0) yield* flush()
  }
}
