/**
 * The journal: an append-only log of every new object of the archive, one topic per object kind,
 * with monotonically increasing offsets per topic. Types only. Backends: embedded (segment
 * files), NATS JetStream. Mirrors replay it; records carry whole objects (contents: hashes and
 * length, never bytes), encoded by `serde.ts`.
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'

/** Options every call accepts (one definition, in `errors`). */
export type { AbortOptions }

/** Topics: one per object kind, plus the takedown topic. */
export const TOPICS = [
  'content',
  'skipped_content',
  'directory',
  'revision',
  'release',
  'snapshot',
  'origin',
  'origin_visit',
  'origin_visit_status',
  'extid',
  'raw_extrinsic_metadata',
  'takedown',
] as const
/** One of {@link TOPICS}. */
export type Topic = (typeof TOPICS)[number]

/** A record to append: a key (the object's unique key) and the encoded object. */
export interface JournalRecordInit {
  readonly key: Uint8Array
  readonly value: Uint8Array
}

/** A stored record with its offset in its topic. */
export interface JournalRecord extends JournalRecordInit {
  readonly topic: Topic
  readonly offset: number
}

/** Options of {@link JournalReader.read}. */
export interface JournalReadOptions extends AbortOptions {
  /** Maximum number of records. */
  readonly limit?: number
}

/**
 * A record delivered to a consumer group by {@link JournalReader.consume}.
 */
export interface JournalDelivery extends JournalRecord {
  /**
   * How many times the backend has delivered this record to the group (1 the first time). NATS
   * counts across processes; the embedded journal counts within one consumer.
   */
  readonly deliveries: number
  /**
   * Acknowledges this record and every earlier record of the topic for the group, durably: they
   * are never delivered to the group again. Acknowledging an older record than one already
   * acknowledged changes nothing.
   */
  ack(): Promise<void>
}

/** Options of {@link JournalReader.consume}. */
export interface JournalConsumeOptions extends AbortOptions {
  /**
   * Stop after the last record that existed when consumption began (default: keep following
   * new records until the signal aborts).
   */
  readonly untilEnd?: boolean
  /** Delivered records not acknowledged within this many milliseconds are delivered again. */
  readonly ackWaitMs?: number
  /** At most this many delivered, unacknowledged records; delivery waits beyond it. */
  readonly maxAckPending?: number
}

/** Default of {@link JournalConsumeOptions.ackWaitMs}. */
export const DEFAULT_ACK_WAIT_MS = 30_000
/** Default of {@link JournalConsumeOptions.maxAckPending}. */
export const DEFAULT_MAX_ACK_PENDING = 20_000

/** Reading side of the journal. */
export interface JournalReader {
  /** Records of `topic` from `fromOffset` (inclusive) up to the current end or `limit`. */
  read(topic: Topic, fromOffset: number, options?: JournalReadOptions): AsyncIterable<JournalRecord>
  /** Offset the next appended record of `topic` will get (= number of records). */
  endOffset(topic: Topic, options?: AbortOptions): Promise<number>
  /**
   * Durable consumption by a named consumer group (letters, digits, `_`, `-`): records of
   * `topic` in order from the group's position (its acknowledgement floor). Acknowledged records
   * are never delivered to the group again; records delivered but not acknowledged within
   * `ackWaitMs` are delivered again, and so are all unacknowledged ones when the group next
   * consumes (after a crash, say). One consumer per group at a time.
   */
  consume(
    group: string,
    topic: Topic,
    options?: JournalConsumeOptions,
  ): AsyncIterable<JournalDelivery>
  /** The group's position in `topic`: every record before it is acknowledged (0 at first). */
  committed(group: string, topic: Topic, options?: AbortOptions): Promise<number>
  /**
   * Moves the group's position in `topic` to `offset`, forwards or back (records before it count
   * as acknowledged, the others will be delivered). Not while the group is consuming.
   */
  commit(group: string, topic: Topic, offset: number, options?: AbortOptions): Promise<void>
}

/** Writing side of the journal. */
export interface JournalWriter {
  /** Appends records durably, in order; returns the offset of the first one. */
  append(
    topic: Topic,
    records: readonly JournalRecordInit[],
    options?: AbortOptions,
  ): Promise<number>
}

/**
 * A journal backend.
 *
 * @example
 * ```ts
 * const journal = new EmbeddedJournal({ root: 'arca-data/journal' })
 * await journal.open()
 * await journal.append('content', [{ key, value }])
 * for await (const r of journal.read('content', 0)) console.log(r.offset)
 * ```
 */
export interface Journal extends JournalReader, JournalWriter {
  open(options?: AbortOptions): Promise<void>
  close(): Promise<void>
}
