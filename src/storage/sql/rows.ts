/**
 * Row codecs: column values to model values and back (hashes as bytes, people, dates,
 * JSON), and one decoder per stored object kind.
 *
 * @module
 */

import {
  type BranchTarget,
  type Content,
  type CoreType,
  type ExtId,
  type OriginVisit,
  type OriginVisitStatus,
  type Person,
  type Release,
  type ReleaseTargetType,
  type Revision,
  revisionManifest,
  type RevisionType,
  type SkippedContent,
  type SnapshotBranch,
  type TimestampWithTimezone,
  toHex,
  type VisitStatusValue,
} from '../../model/index.js'
import { plainBytes, unpackHeaders, unpackIds } from '../codec.js'
import type { SqlValue } from './executor.js'
import { dateFields } from './visit-dates.js'

/** A result row. */
export type Row = Record<string, unknown>

/** The bytes of a hex hash (as a parameter). */
export const b = (hex: string): Buffer => Buffer.from(hex, 'hex')
/** The hex of a bytes column. */
export const hex = (v: unknown): string => toHex(v as Uint8Array)
/** The hex of a nullable bytes column. */
export const hexOrNull = (v: unknown): string | null =>
  v === null || v === undefined ? null : hex(v)
/** A nullable bytes column as plain bytes. */
export const bytesOrNull = (v: unknown): Uint8Array | null =>
  v === null || v === undefined ? null : plainBytes(v as Uint8Array)
/** A numeric column (SQLite and pg may give numbers, bigints or strings). */
export const num = (v: unknown): number => Number(v)
/** A text column. */
export const str = (v: unknown): string => {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString()
  throw new TypeError(`Expected a string column, got ${typeof v}`)
}

function person(v: unknown): Person | null {
  return v === null || v === undefined ? null : { fullname: plainBytes(v as Uint8Array) }
}

function dateOf(seconds: unknown, micro: unknown, offset: unknown): TimestampWithTimezone | null {
  if (seconds === null || seconds === undefined) return null
  return {
    timestamp: { seconds: num(seconds), microseconds: num(micro) },
    offsetBytes: plainBytes(offset as Uint8Array),
  }
}

/** The three columns (seconds, microseconds, offset bytes) of a nullable date. */
export function dateCols(d: TimestampWithTimezone | null): SqlValue[] {
  return d === null
    ? [null, null, null]
    : [d.timestamp.seconds, d.timestamp.microseconds, Buffer.from(d.offsetBytes)]
}

function parseJson(v: unknown): Readonly<Record<string, unknown>> | null {
  if (v === null || v === undefined) return null
  return JSON.parse(str(v)) as Record<string, unknown>
}

/** A `content` row as a model content. */
export function contentFromRow(r: Row): Content {
  return {
    sha1: hex(r['sha1']),
    sha1Git: hex(r['sha1_git']),
    sha256: hex(r['sha256']),
    blake2s256: hex(r['blake2s256']),
    length: num(r['length']),
    status: str(r['status']) as Content['status'],
    ctime: r['ctime'] === null || r['ctime'] === undefined ? null : new Date(num(r['ctime'])),
  }
}

/** A `skipped_content` row as a model skipped content. */
export function skippedFromRow(r: Row): SkippedContent {
  return {
    sha1: hexOrNull(r['sha1']),
    sha1Git: hexOrNull(r['sha1_git']),
    sha256: hexOrNull(r['sha256']),
    blake2s256: hexOrNull(r['blake2s256']),
    length: r['length'] === null ? null : num(r['length']),
    status: 'absent',
    reason: str(r['reason']),
    origin: r['origin'] === null ? null : str(r['origin']),
    ctime: r['ctime'] === null || r['ctime'] === undefined ? null : new Date(num(r['ctime'])),
  }
}

/** A `revision` row as a model revision. */
export function revisionFromRow(r: Row): Revision {
  return {
    id: hex(r['id']),
    directory: hex(r['directory']),
    parents: unpackIds(r['parents'] as Uint8Array),
    author: person(r['author']),
    committer: person(r['committer']),
    date: dateOf(r['date_seconds'], r['date_micro'], r['date_offset']),
    committerDate: dateOf(
      r['committer_date_seconds'],
      r['committer_date_micro'],
      r['committer_date_offset'],
    ),
    message: bytesOrNull(r['message']),
    type: str(r['type']) as RevisionType,
    synthetic: num(r['synthetic']) !== 0,
    metadata: parseJson(r['metadata']),
    extraHeaders: unpackHeaders(r['extra_headers'] as Uint8Array),
    rawManifest: bytesOrNull(r['raw_manifest']),
  }
}

/** Columns {@link revisionManifestFromRow} reads. */
export const REVISION_MANIFEST_COLUMNS =
  'directory, parents, author, committer, date_seconds, date_micro, date_offset, ' +
  'committer_date_seconds, committer_date_micro, committer_date_offset, message, ' +
  'extra_headers, raw_manifest'

/**
 * The git commit object of a `revision` row (its raw manifest where one is kept): the fields
 * go to the manifest writer as views of the row's bytes, which it copies into the object (no
 * revision object, no copies of each field, no metadata parsed).
 */
export function revisionManifestFromRow(r: Row): Uint8Array {
  const raw = r['raw_manifest']
  if (raw !== null && raw !== undefined) return plainBytes(raw as Uint8Array)
  const personView = (v: unknown): Person | null =>
    v === null || v === undefined ? null : { fullname: v as Uint8Array }
  const dateView = (s: unknown, m: unknown, off: unknown): TimestampWithTimezone | null =>
    s === null || s === undefined
      ? null
      : { timestamp: { seconds: num(s), microseconds: num(m) }, offsetBytes: off as Uint8Array }
  const message = r['message']
  return revisionManifest({
    directory: hex(r['directory']),
    parents: unpackIds(r['parents'] as Uint8Array),
    author: personView(r['author']),
    committer: personView(r['committer']),
    date: dateView(r['date_seconds'], r['date_micro'], r['date_offset']),
    committerDate: dateView(
      r['committer_date_seconds'],
      r['committer_date_micro'],
      r['committer_date_offset'],
    ),
    extraHeaders: unpackHeaders(r['extra_headers'] as Uint8Array),
    message: message === null || message === undefined ? null : (message as Uint8Array),
  })
}

/** A `release` row as a model release. */
export function releaseFromRow(r: Row): Release {
  return {
    id: hex(r['id']),
    target: hexOrNull(r['target']),
    targetType: str(r['target_type']) as ReleaseTargetType,
    name: plainBytes(r['name'] as Uint8Array),
    message: bytesOrNull(r['message']),
    author: person(r['author']),
    date: dateOf(r['date_seconds'], r['date_micro'], r['date_offset']),
    synthetic: num(r['synthetic']) !== 0,
    rawManifest: bytesOrNull(r['raw_manifest']),
  }
}

/** A `snapshot_branch` row as a model branch. */
export function branchFromRow(r: Row): SnapshotBranch {
  const name = plainBytes(r['name'] as Uint8Array)
  const type = r['target_type']
  if (type === null || type === undefined) return { name, target: null }
  const target: BranchTarget =
    type === 'alias'
      ? { targetType: 'alias', target: plainBytes(r['target'] as Uint8Array) }
      : { targetType: str(type) as ReleaseTargetType, target: hex(r['target']) }
  return { name, target }
}

/** An `origin_visit` row as a model visit. */
export function visitFromRow(origin: string, r: Row): OriginVisit {
  return { origin, visit: num(r['visit']), ...dateFields(r['date']), type: str(r['type']) }
}

/** An `origin_visit_status` row as a model visit status. */
export function statusFromRow(origin: string, r: Row): OriginVisitStatus {
  return {
    origin,
    visit: num(r['visit']),
    ...dateFields(r['date']),
    status: str(r['status']) as VisitStatusValue,
    snapshot: hexOrNull(r['snapshot']),
    type: str(r['type']),
    metadata: parseJson(r['metadata']),
  }
}

/** An `extid` row as a model ExtID. */
export function extidFromRow(r: Row): ExtId {
  return {
    id: hex(r['id']),
    extidType: str(r['extid_type']),
    extid: plainBytes(r['extid'] as Uint8Array),
    extidVersion: num(r['extid_version']),
    target: { type: str(r['target_type']) as CoreType, id: hex(r['target']) },
    payloadType: r['payload_type'] === null ? null : str(r['payload_type']),
    payload: hexOrNull(r['payload']),
  }
}
