/**
 * Decoding and verification of the records the replayer reads: each record is decoded, its id
 * recomputed (graph objects; contents are verified against their bytes when written), and
 * given its key and the keys of what it references (what it waits for before it may be
 * written).
 *
 * Keys: objects with a SWHID are keyed by it (`swh:1:dir:…`); origins by `origin:URL`, visits by
 * `visit:N:URL`, and the other topics by a key of their own that nothing references.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { decodeValue, type TakedownRecord, type Topic } from '../journal/index.js'
import {
  type Content,
  type Directory,
  epochMicros,
  type ExtId,
  formatSwhid,
  type Origin,
  type OriginVisit,
  type OriginVisitStatus,
  type RawExtrinsicMetadata,
  type Reference,
  references,
  type Release,
  type Revision,
  type SkippedContent,
  type Snapshot,
  swhidString,
  verify,
} from '../model/index.js'

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
  'raw_extrinsic_metadata',
  'takedown',
]

/** A decoded, verified record. */
export interface Decoded {
  readonly topic: Topic
  readonly offset: number
  /** The object's key (see the module documentation). */
  readonly key: string
  /** The record bytes, as they came (journaled as they are). */
  readonly value: Uint8Array
  readonly obj: unknown
  /** Keys of the objects it references, each once. */
  readonly waitsFor: string[]
}

/** A record that could not be replayed: its offset and why. */
export interface Reject {
  readonly offset: number
  readonly reason: string
}

/** The key of visit `visit` of `origin`. */
export const visitKey = (origin: string, visit: number): string => `visit:${visit}:${origin}`
/** The key of origin `url`. */
export const originKey = (url: string): string => `origin:${url}`

const keysOf = (refs: readonly Reference[]): string[] => refs.map((r) => swhidString(r.type, r.id))

/** Decodes and verifies one record; throws with the reason to record when it is bad. */
export function decodeRecord(topic: Topic, offset: number, value: Uint8Array): Decoded {
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
      return { ...base, key: swhidString('dir', d.id), waitsFor: keysOf(references(d)) }
    }
    case 'revision': {
      const r = obj as Revision
      verify.revision(r)
      return { ...base, key: swhidString('rev', r.id), waitsFor: keysOf(references(r)) }
    }
    case 'release': {
      const r = obj as Release
      verify.release(r)
      return { ...base, key: swhidString('rel', r.id), waitsFor: keysOf(references(r)) }
    }
    case 'snapshot': {
      const s = obj as Snapshot
      verify.snapshot(s)
      return { ...base, key: swhidString('snp', s.id), waitsFor: keysOf(references(s)) }
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
    case 'raw_extrinsic_metadata': {
      const m = obj as RawExtrinsicMetadata
      verify.rawExtrinsicMetadata(m)
      // metadata on a core object waits for it; on an origin (known by its hash only) it does not
      const target = formatSwhid(m.target)
      const waits = m.target.type === 'ori' || m.target.type === 'emd' ? [] : [target]
      return { ...base, key: swhidString('emd', m.id), waitsFor: waits }
    }
    case 'takedown': {
      const t = obj as TakedownRecord
      return { ...base, key: `takedown:${t.id}:${t.date.getTime()}`, waitsFor: [] }
    }
  }
  throw new InvalidInputError(`Unknown topic ${String(topic)}`)
}
