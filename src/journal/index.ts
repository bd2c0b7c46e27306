/**
 * The journal: append-only log per topic (embedded segments or NATS JetStream) and its msgpack records. Other areas import the journal only from here.
 *
 * @module
 */

export { journalFromUrl } from './factory.js'
export {
  type AbortOptions,
  type Journal,
  type JournalDelivery,
  type JournalReader,
  type JournalReadOptions,
  type JournalRecord,
  type JournalWriter,
  type Topic,
  TOPICS,
} from './interface.js'
export { NatsJournal, natsJournalInitFromUrl } from './nats/nats-journal.js'
export {
  decodeValue,
  encodeRecord,
  keyOf,
  type TakedownRecord,
  type TopicObjects,
} from './serde.js'
