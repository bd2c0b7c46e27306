/**
 * Journal records: every model kind encoded as msgpack of a dict shaped like Software Heritage's
 * `to_dict()` (snake_case keys, ids as 20 raw bytes, names and messages as bytes, timestamps as
 * `{timestamp: {seconds, microseconds}, offset_bytes}`), and decoded back to model objects.
 * Differences: snapshot branches are a list of `[name, target]` pairs (msgpack maps with byte
 * keys do not round-trip in JavaScript), and dates are msgpack timestamps (visit and visit
 * status dates to the microsecond, in the timestamp's nanoseconds; a reader that keeps
 * milliseconds reads the same records, to the millisecond).
 *
 * Decoding validates the shape and throws InvalidInputError naming the bad field; ids are not
 * recomputed here (the mirror's validate layer does that).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import type { JournalRecordInit, Topic } from './interface.js'
import { type Dict, packr, type TopicObjects } from './serde-codec.js'
import { fromDict } from './serde-decode.js'
import { keyOf, toDict } from './serde-encode.js'
import { packDirectoryRecord } from './serde-fast.js'

export type { TakedownRecord, TopicObjects } from './serde-codec.js'
export { fromDict } from './serde-decode.js'
export { keyOf, toDict } from './serde-encode.js'

/** A journal record (key and msgpack value) for an object of `topic`. */
export function encodeRecord<T extends Topic>(topic: T, obj: TopicObjects[T]): JournalRecordInit {
  // Directories, the most frequent kind, have a direct writer of the same bytes.
  const fast = topic === 'directory' ? packDirectoryRecord(obj as TopicObjects['directory']) : null
  return { key: keyOf(topic, obj), value: fast ?? packr.pack(toDict(topic, obj)) }
}

/** Decodes a journal value of `topic` into a model object; throws InvalidInputError if malformed. */
export function decodeValue<T extends Topic>(topic: T, value: Uint8Array): TopicObjects[T] {
  let raw: unknown
  try {
    raw = packr.unpack(value)
  } catch (e) {
    throw new InvalidInputError(`Malformed ${topic} record: not msgpack`, { cause: e })
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInputError(`Malformed ${topic} record: not a map`)
  }
  return fromDict(topic, raw as Dict)
}
