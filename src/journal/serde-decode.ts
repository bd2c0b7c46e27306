/**
 * Per-kind decoders of journal records: a decoded msgpack dict back to a model object, checking
 * the shape of every field and throwing InvalidInputError that names the bad one.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import {
  type BranchTarget,
  type Content,
  type CoreSwhid,
  type Directory,
  type DirectoryEntry,
  type EntryType,
  type ExtId,
  type Origin,
  type OriginVisit,
  type OriginVisitStatus,
  parseCoreSwhid,
  parseExtendedSwhid,
  type Person,
  type RawExtrinsicMetadata,
  type Release,
  type ReleaseTargetType,
  type Revision,
  type RevisionType,
  type SkippedContent,
  type Snapshot,
  type TimestampWithTimezone,
  toHex,
  type VisitStatusValue,
} from '../model/index.js'
import type { Topic } from './interface.js'
import { type Dict, type TakedownRecord, TimeSpec, type TopicObjects } from './serde-codec.js'

class Reader {
  constructor(
    readonly topic: string,
    readonly d: Dict,
  ) {}

  #fail(field: string, want: string): never {
    throw new InvalidInputError(`Malformed ${this.topic} record: field "${field}" is not ${want}`)
  }

  bytes(f: string): Uint8Array {
    const v = this.d[f]
    if (!(v instanceof Uint8Array)) this.#fail(f, 'bytes')
    // A plain Uint8Array (the decoder gives views of its input).
    return new Uint8Array(v)
  }
  bytesOrNull(f: string): Uint8Array | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.bytes(f)
  }
  id(f: string): string {
    const b = this.bytes(f)
    if (b.length !== 20) this.#fail(f, 'a 20-byte id')
    return toHex(b)
  }
  idOrNull(f: string): string | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.id(f)
  }
  hash(f: string, len: number): string {
    const b = this.bytes(f)
    if (b.length !== len) this.#fail(f, `a ${len}-byte hash`)
    return toHex(b)
  }
  hashOrNull(f: string, len: number): string | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.hash(f, len)
  }
  str(f: string): string {
    const v = this.d[f]
    if (typeof v !== 'string') this.#fail(f, 'a string')
    return v
  }
  strOrNull(f: string): string | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.str(f)
  }
  int(f: string): number {
    const v = this.d[f]
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.#fail(f, 'an integer')
    return v
  }
  intOrNull(f: string): number | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.int(f)
  }
  bool(f: string): boolean {
    const v = this.d[f]
    if (typeof v !== 'boolean') this.#fail(f, 'a boolean')
    return v
  }
  date(f: string): Date {
    const v = this.d[f]
    const d = v instanceof TimeSpec ? new Date(v.sec * 1000 + Math.floor(v.nsec / 1e6)) : null
    if (d === null || Number.isNaN(d.getTime())) this.#fail(f, 'a date')
    return d
  }
  /** A date with its microseconds: `date` and, when not zero, `dateExtraMicros`. */
  microDate(f: string): { date: Date; dateExtraMicros?: number } {
    const date = this.date(f)
    const extra = Math.floor((this.d[f] as TimeSpec).nsec / 1000) % 1000
    return extra === 0 ? { date } : { date, dateExtraMicros: extra }
  }
  dateOrNull(f: string): Date | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.date(f)
  }
  oneOf<T extends string>(f: string, values: readonly T[]): T {
    const v = this.str(f)
    if (!(values as readonly string[]).includes(v)) this.#fail(f, `one of ${values.join(', ')}`)
    return v as T
  }
  dict(f: string): Dict {
    const v = this.d[f]
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
      this.#fail(f, 'a map')
    return v as Dict
  }
  dictOrNull(f: string): Dict | null {
    return this.d[f] === null || this.d[f] === undefined ? null : this.dict(f)
  }
  array(f: string): unknown[] {
    const v = this.d[f]
    if (!Array.isArray(v)) this.#fail(f, 'a list')
    return v
  }
  json(f: string): Readonly<Record<string, unknown>> | null {
    const s = this.strOrNull(f)
    if (s === null) return null
    try {
      return JSON.parse(s) as Record<string, unknown>
    } catch {
      this.#fail(f, 'JSON text')
    }
  }
  sub(f: string, d: Dict): Reader {
    return new Reader(`${this.topic}.${f}`, d)
  }
}

function readPerson(r: Reader, f: string): Person | null {
  const d = r.dictOrNull(f)
  return d === null ? null : { fullname: r.sub(f, d).bytes('fullname') }
}

function readDate(r: Reader, f: string): TimestampWithTimezone | null {
  const d = r.dictOrNull(f)
  if (d === null) return null
  const dr = r.sub(f, d)
  const ts = dr.sub('timestamp', dr.dict('timestamp'))
  const microseconds = ts.int('microseconds')
  if (microseconds < 0 || microseconds > 999_999) {
    throw new InvalidInputError(
      `Malformed ${r.topic} record: "${f}.timestamp.microseconds" out of range`,
    )
  }
  return {
    timestamp: { seconds: ts.int('seconds'), microseconds },
    offsetBytes: dr.bytes('offset_bytes'),
  }
}

const ENTRY_TYPES: readonly EntryType[] = ['file', 'dir', 'rev']
const RELEASE_TARGETS: readonly ReleaseTargetType[] = [
  'content',
  'directory',
  'revision',
  'release',
  'snapshot',
]
const REVISION_TYPES: readonly RevisionType[] = ['git', 'tar', 'dsc', 'svn', 'hg', 'cvs', 'bzr']
const VISIT_STATUSES: readonly VisitStatusValue[] = [
  'created',
  'ongoing',
  'full',
  'partial',
  'not_found',
  'failed',
]

/** The model object of a decoded dict of `topic`; throws InvalidInputError if malformed. */
export function fromDict<T extends Topic>(topic: T, d: Dict): TopicObjects[T] {
  return fromReader(topic, new Reader(topic, d)) as TopicObjects[T]
}

function fromReader(topic: Topic, r: Reader): unknown {
  switch (topic) {
    case 'content':
      return {
        sha1: r.hash('sha1', 20),
        sha1Git: r.id('sha1_git'),
        sha256: r.hash('sha256', 32),
        blake2s256: r.hash('blake2s256', 32),
        length: r.int('length'),
        status: r.oneOf('status', ['visible', 'hidden'] as const),
        ctime: r.dateOrNull('ctime'),
      } satisfies Content
    case 'skipped_content':
      return {
        sha1: r.hashOrNull('sha1', 20),
        sha1Git: r.idOrNull('sha1_git'),
        sha256: r.hashOrNull('sha256', 32),
        blake2s256: r.hashOrNull('blake2s256', 32),
        length: r.intOrNull('length'),
        status: 'absent',
        reason: r.str('reason'),
        origin: r.strOrNull('origin'),
        ctime: r.dateOrNull('ctime'),
      } satisfies SkippedContent
    case 'directory':
      return {
        id: r.id('id'),
        entries: r.array('entries').map((e, i): DirectoryEntry => {
          if (typeof e !== 'object' || e === null)
            throw new InvalidInputError(`Malformed directory record: entry ${i}`)
          const er = r.sub(`entries[${i}]`, e as Dict)
          return {
            name: er.bytes('name'),
            type: er.oneOf('type', ENTRY_TYPES),
            target: er.id('target'),
            perms: er.int('perms'),
          }
        }),
        rawManifest: r.bytesOrNull('raw_manifest'),
      } satisfies Directory
    case 'revision':
      return {
        id: r.id('id'),
        message: r.bytesOrNull('message'),
        author: readPerson(r, 'author'),
        committer: readPerson(r, 'committer'),
        date: readDate(r, 'date'),
        committerDate: readDate(r, 'committer_date'),
        type: r.oneOf('type', REVISION_TYPES),
        directory: r.id('directory'),
        synthetic: r.bool('synthetic'),
        metadata: r.json('metadata'),
        parents: r.array('parents').map((p, i) => {
          if (!(p instanceof Uint8Array) || p.length !== 20) {
            throw new InvalidInputError(
              `Malformed revision record: parent ${i} is not a 20-byte id`,
            )
          }
          return toHex(p)
        }),
        extraHeaders: r.array('extra_headers').map((h, i) => {
          if (
            !Array.isArray(h) ||
            h.length !== 2 ||
            !(h[0] instanceof Uint8Array) ||
            !(h[1] instanceof Uint8Array)
          ) {
            throw new InvalidInputError(`Malformed revision record: extra header ${i}`)
          }
          return [new Uint8Array(h[0]), new Uint8Array(h[1])] as const
        }),
        rawManifest: r.bytesOrNull('raw_manifest'),
      } satisfies Revision
    case 'release':
      return {
        id: r.id('id'),
        name: r.bytes('name'),
        message: r.bytesOrNull('message'),
        target: r.idOrNull('target'),
        targetType: r.oneOf('target_type', RELEASE_TARGETS),
        synthetic: r.bool('synthetic'),
        author: readPerson(r, 'author'),
        date: readDate(r, 'date'),
        rawManifest: r.bytesOrNull('raw_manifest'),
      } satisfies Release
    case 'snapshot':
      return {
        id: r.id('id'),
        branches: r.array('branches').map((b, i) => {
          if (!Array.isArray(b) || b.length !== 2 || !(b[0] instanceof Uint8Array)) {
            throw new InvalidInputError(`Malformed snapshot record: branch ${i}`)
          }
          const name = new Uint8Array(b[0])
          if (b[1] === null) return { name, target: null }
          const tr = r.sub(`branches[${i}]`, b[1] as Dict)
          const targetType = tr.oneOf('target_type', [...RELEASE_TARGETS, 'alias'] as const)
          const target: BranchTarget =
            targetType === 'alias'
              ? { targetType, target: tr.bytes('target') }
              : { targetType, target: tr.id('target') }
          return { name, target }
        }),
      } satisfies Snapshot
    case 'origin':
      return { url: r.str('url') } satisfies Origin
    case 'origin_visit':
      return {
        origin: r.str('origin'),
        visit: r.int('visit'),
        ...r.microDate('date'),
        type: r.str('type'),
      } satisfies OriginVisit
    case 'origin_visit_status':
      return {
        origin: r.str('origin'),
        visit: r.int('visit'),
        ...r.microDate('date'),
        status: r.oneOf('status', VISIT_STATUSES),
        snapshot: r.idOrNull('snapshot'),
        metadata: r.json('metadata'),
        type: r.str('type'),
      } satisfies OriginVisitStatus
    case 'extid': {
      let target
      try {
        target = parseCoreSwhid(r.str('target'))
      } catch (e) {
        throw new InvalidInputError('Malformed extid record: field "target" is not a core SWHID', {
          cause: e,
        })
      }
      return {
        id: r.id('id'),
        extidType: r.str('extid_type'),
        extid: r.bytes('extid'),
        extidVersion: r.int('extid_version'),
        target,
        payloadType: r.strOrNull('payload_type'),
        payload: r.idOrNull('payload'),
      } satisfies ExtId
    }
    case 'raw_extrinsic_metadata':
      return decodeRawExtrinsicMetadata(r)
    case 'takedown':
      return {
        id: r.str('id'),
        swhids: r.array('swhids').map((s) => {
          if (typeof s !== 'string')
            throw new InvalidInputError('Malformed takedown record: swhids')
          return s
        }),
        action: r.oneOf('action', ['mask', 'unmask', 'remove'] as const),
        reason: r.str('reason'),
        date: r.date('date'),
      } satisfies TakedownRecord
  }
}

/** A SWHID field, or an InvalidInputError naming it. */
function swhidField<T>(r: Reader, f: string, parse: (s: string) => T): T {
  try {
    return parse(r.str(f))
  } catch (e) {
    throw new InvalidInputError(`Malformed ${r.topic} record: field "${f}" is not a SWHID`, {
      cause: e,
    })
  }
}

function decodeRawExtrinsicMetadata(r: Reader): RawExtrinsicMetadata {
  const core = (f: string): CoreSwhid | null =>
    r.strOrNull(f) === null ? null : swhidField(r, f, parseCoreSwhid)
  const authority = r.sub('authority', r.dict('authority'))
  const fetcher = r.sub('fetcher', r.dict('fetcher'))
  return {
    id: r.id('id'),
    target: swhidField(r, 'target', parseExtendedSwhid),
    discoveryDate: r.date('discovery_date'),
    authority: {
      type: authority.oneOf('type', ['deposit_client', 'forge', 'registry'] as const),
      url: authority.str('url'),
    },
    fetcher: { name: fetcher.str('name'), version: fetcher.str('version') },
    format: r.str('format'),
    metadata: r.bytes('metadata'),
    origin: r.strOrNull('origin'),
    visit: r.intOrNull('visit'),
    snapshot: core('snapshot'),
    release: core('release'),
    revision: core('revision'),
    path: r.bytesOrNull('path'),
    directory: core('directory'),
  }
}
