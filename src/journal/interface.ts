/**
 * The journal: an append-only log of every new object of the archive, one topic per object kind,
 * with monotonically increasing offsets per topic. Types only. Backends: embedded (segment
 * files), NATS JetStream. Mirrors replay it; records carry whole objects (contents: hashes and
 * length, never bytes), encoded by `serde.ts`.
 *
 * @module
 */

/** Options every call accepts. */
export interface AbortOptions {
  readonly signal?: AbortSignal
}

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

/** Reading side of the journal. */
export interface JournalReader {
  /** Records of `topic` from `fromOffset` (inclusive) up to the current end or `limit`. */
  read(topic: Topic, fromOffset: number, options?: JournalReadOptions): AsyncIterable<JournalRecord>
  /** Offset the next appended record of `topic` will get (= number of records). */
  endOffset(topic: Topic, options?: AbortOptions): Promise<number>
  /** Offset up to which consumer `group` has processed `topic` (0 when never committed). */
  committed(group: string, topic: Topic, options?: AbortOptions): Promise<number>
  /** Records that `group` has processed every record of `topic` before `offset`. */
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
