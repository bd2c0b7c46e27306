/**
 * The msgpack coder of journal records (dates as msgpack timestamps, kept to the nanosecond on
 * decoding) and the types the per-kind encoders (`serde-encode.ts`) and decoders
 * (`serde-decode.ts`) share.
 *
 * @module
 */

import {
  Decoder,
  decodeTimestampToTimeSpec,
  Encoder,
  encodeTimeSpecToTimestamp,
  encodeTimestampExtension,
  EXT_TIMESTAMP,
  ExtensionCodec,
} from '@msgpack/msgpack'

import type {
  Content,
  Directory,
  ExtId,
  Origin,
  OriginVisit,
  OriginVisitStatus,
  RawExtrinsicMetadata,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../model/index.js'

/** A msgpack timestamp (seconds and nanoseconds): what dates encode to and decode from. */
export class TimeSpec {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}

  static of(date: Date, extraMicros = 0): TimeSpec {
    const ms = date.getTime()
    const sec = Math.floor(ms / 1000)
    return new TimeSpec(sec, (ms - sec * 1000) * 1_000_000 + extraMicros * 1000)
  }
}

// The standard timestamp extension, with nanoseconds kept on decoding (the default decoder
// rounds to a Date's milliseconds).
const extensionCodec = new ExtensionCodec()
extensionCodec.register({
  type: EXT_TIMESTAMP,
  encode: (v: unknown) =>
    v instanceof TimeSpec ? encodeTimeSpecToTimestamp(v) : encodeTimestampExtension(v),
  decode: (data: Uint8Array) => {
    const t = decodeTimestampToTimeSpec(data)
    return new TimeSpec(t.sec, t.nsec)
  },
})

// Reused coder instances (encoding and decoding are synchronous, so sharing is safe). Dates use
// the msgpack timestamp extension; 64-bit integers decode to numbers.
const encoder = new Encoder({ ignoreUndefined: false, extensionCodec })
const decoder = new Decoder({ extensionCodec })
export const packr = {
  pack: (value: unknown): Uint8Array => encoder.encode(value),
  unpack: (bytes: Uint8Array): unknown => decoder.decode(bytes),
}

/**
 * A takedown record (see the mirror's takedown propagation): masking or unmasking objects, or
 * removing them for real (`remove`: the SWHIDs are in deletion order, top-down; one removal may
 * span several records, each with its part of the list).
 */
export interface TakedownRecord {
  readonly id: string
  readonly swhids: readonly string[]
  readonly action: 'mask' | 'unmask' | 'remove'
  readonly reason: string
  readonly date: Date
}

/** The model object carried by each topic. */
export interface TopicObjects {
  content: Content
  skipped_content: SkippedContent
  directory: Directory
  revision: Revision
  release: Release
  snapshot: Snapshot
  origin: Origin
  origin_visit: OriginVisit
  origin_visit_status: OriginVisitStatus
  extid: ExtId
  raw_extrinsic_metadata: RawExtrinsicMetadata
  takedown: TakedownRecord
}

/** A record's value before msgpack: a dict with snake_case keys. */
export type Dict = Record<string, unknown>
