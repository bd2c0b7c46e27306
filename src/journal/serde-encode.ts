/**
 * Per-kind encoders of journal records: each model object as the dict Software Heritage's
 * `to_dict()` gives (see `serde.ts`), and its unique key.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import {
  type Content,
  type CoreSwhid,
  type Directory,
  type ExtId,
  formatSwhid,
  fromHex,
  type Origin,
  type OriginVisit,
  type OriginVisitStatus,
  type Person,
  type RawExtrinsicMetadata,
  type Release,
  type Revision,
  type SkippedContent,
  type Snapshot,
  type TimestampWithTimezone,
} from '../model/index.js'
import type { Topic } from './interface.js'
import {
  type Dict,
  packr,
  type TakedownRecord,
  TimeSpec,
  type TopicObjects,
} from './serde-codec.js'

const idBytes = (hex: string): Uint8Array => fromHex(hex)
const nullableId = (hex: string | null): Uint8Array | null => (hex === null ? null : fromHex(hex))

function person(p: Person | null): Dict | null {
  return p === null ? null : { fullname: p.fullname }
}

function date(d: TimestampWithTimezone | null): Dict | null {
  return d === null
    ? null
    : {
        timestamp: { seconds: d.timestamp.seconds, microseconds: d.timestamp.microseconds },
        offset_bytes: d.offsetBytes,
      }
}

/** The dict of an object of `topic`. */
export function toDict<T extends Topic>(topic: T, obj: TopicObjects[T]): Dict {
  switch (topic) {
    case 'content': {
      const c = obj as Content
      return {
        sha1: idBytes(c.sha1),
        sha1_git: idBytes(c.sha1Git),
        sha256: fromHex(c.sha256),
        blake2s256: fromHex(c.blake2s256),
        length: c.length,
        status: c.status,
        ctime: c.ctime,
      }
    }
    case 'skipped_content': {
      const c = obj as SkippedContent
      return {
        sha1: c.sha1 === null ? null : fromHex(c.sha1),
        sha1_git: nullableId(c.sha1Git),
        sha256: c.sha256 === null ? null : fromHex(c.sha256),
        blake2s256: c.blake2s256 === null ? null : fromHex(c.blake2s256),
        length: c.length,
        status: 'absent',
        reason: c.reason,
        origin: c.origin,
        ctime: c.ctime,
      }
    }
    case 'directory': {
      const d = obj as Directory
      return {
        id: idBytes(d.id),
        entries: d.entries.map((e) => ({
          name: e.name,
          type: e.type,
          target: idBytes(e.target),
          perms: e.perms,
        })),
        raw_manifest: d.rawManifest,
      }
    }
    case 'revision': {
      const r = obj as Revision
      return {
        id: idBytes(r.id),
        message: r.message,
        author: person(r.author),
        committer: person(r.committer),
        date: date(r.date),
        committer_date: date(r.committerDate),
        type: r.type,
        directory: idBytes(r.directory),
        synthetic: r.synthetic,
        metadata: r.metadata === null ? null : JSON.stringify(r.metadata),
        parents: r.parents.map(idBytes),
        extra_headers: r.extraHeaders.map(([k, v]) => [k, v]),
        raw_manifest: r.rawManifest,
      }
    }
    case 'release': {
      const r = obj as Release
      return {
        id: idBytes(r.id),
        name: r.name,
        message: r.message,
        target: nullableId(r.target),
        target_type: r.targetType,
        synthetic: r.synthetic,
        author: person(r.author),
        date: date(r.date),
        raw_manifest: r.rawManifest,
      }
    }
    case 'snapshot': {
      const s = obj as Snapshot
      return {
        id: idBytes(s.id),
        branches: s.branches.map((b) => [
          b.name,
          b.target === null
            ? null
            : {
                target_type: b.target.targetType,
                target:
                  b.target.targetType === 'alias' ? b.target.target : fromHex(b.target.target),
              },
        ]),
      }
    }
    case 'origin':
      return { url: (obj as Origin).url }
    case 'origin_visit': {
      const v = obj as OriginVisit
      return {
        origin: v.origin,
        date: TimeSpec.of(v.date, v.dateExtraMicros),
        type: v.type,
        visit: v.visit,
      }
    }
    case 'origin_visit_status': {
      const s = obj as OriginVisitStatus
      return {
        origin: s.origin,
        visit: s.visit,
        date: TimeSpec.of(s.date, s.dateExtraMicros),
        status: s.status,
        snapshot: nullableId(s.snapshot),
        metadata: s.metadata === null ? null : JSON.stringify(s.metadata),
        type: s.type,
      }
    }
    case 'extid': {
      const e = obj as ExtId
      return {
        id: idBytes(e.id),
        extid_type: e.extidType,
        extid: e.extid,
        extid_version: e.extidVersion,
        target: formatSwhid(e.target),
        payload_type: e.payloadType,
        payload: nullableId(e.payload),
      }
    }
    case 'raw_extrinsic_metadata':
      return encodeRawExtrinsicMetadata(obj as RawExtrinsicMetadata)
    case 'takedown': {
      const t = obj as TakedownRecord
      return { id: t.id, swhids: [...t.swhids], action: t.action, reason: t.reason, date: t.date }
    }
  }
  throw new InvalidInputError(`Unknown journal topic "${String(topic)}"`)
}

/** The unique key of an object of `topic` (SWH's `unique_key()`), as bytes. */
export function keyOf<T extends Topic>(topic: T, obj: TopicObjects[T]): Uint8Array {
  switch (topic) {
    case 'content':
      return idBytes((obj as Content).sha1Git)
    case 'skipped_content': {
      const c = obj as SkippedContent
      return packr.pack({
        sha1: c.sha1,
        sha1_git: c.sha1Git,
        sha256: c.sha256,
        blake2s256: c.blake2s256,
      })
    }
    case 'directory':
    case 'revision':
    case 'release':
    case 'snapshot':
    case 'extid':
    case 'raw_extrinsic_metadata':
      return idBytes((obj as { id: string }).id)
    case 'origin':
      return packr.pack({ url: (obj as Origin).url })
    case 'origin_visit': {
      const v = obj as OriginVisit
      return packr.pack({ origin: v.origin, visit: v.visit })
    }
    case 'origin_visit_status': {
      const s = obj as OriginVisitStatus
      return packr.pack({
        origin: s.origin,
        visit: s.visit,
        date: TimeSpec.of(s.date, s.dateExtraMicros),
      })
    }
    case 'takedown':
      return packr.pack({ id: (obj as TakedownRecord).id })
  }
  throw new InvalidInputError(`Unknown journal topic "${String(topic)}"`)
}

/** A raw extrinsic metadata record, with SWH's field names (SWHIDs as strings). */
function encodeRawExtrinsicMetadata(m: RawExtrinsicMetadata): Dict {
  const core = (s: CoreSwhid | null): string | null => (s === null ? null : formatSwhid(s))
  return {
    id: idBytes(m.id),
    target: formatSwhid(m.target),
    discovery_date: TimeSpec.of(m.discoveryDate),
    authority: { type: m.authority.type, url: m.authority.url },
    fetcher: { name: m.fetcher.name, version: m.fetcher.version },
    format: m.format,
    metadata: m.metadata,
    origin: m.origin,
    visit: m.visit,
    snapshot: core(m.snapshot),
    release: core(m.release),
    revision: core(m.revision),
    path: m.path,
    directory: core(m.directory),
  }
}
