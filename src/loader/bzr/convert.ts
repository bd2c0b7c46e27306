/**
 * Bazaar revisions and tags as model objects, by Software Heritage's conventions (its bzr
 * loader, `swh.loader.bzr.loader`): revision type `bzr`; author the first of the "apparent
 * authors" (the `authors` property, else `author`, else the committer), committer the committer,
 * both with one date (whole seconds, timestamp truncated; offset the `timezone` seconds divided
 * by 60 and rounded half to even, as Python's `round`); extra headers `time_offset_seconds` (the
 * exact offset in seconds) then one `bug` header per fixed bug, `<status> <url>`; a tag a release
 * with an empty tagger, no date and no message. See docs/loader-bzr.md.
 *
 * @module
 */

import {
  type ExtraHeader,
  makeRelease,
  makeRevision,
  type Release,
  type Revision,
  type TimestampWithTimezone,
  utf8,
} from '../../model/index.js'

/** A revision's metadata as the reader sends it (byte strings in hex). */
export interface BzrRevisionMeta {
  readonly id: string
  readonly parents: readonly string[]
  readonly committer: string | null
  readonly author: string | null
  readonly timestamp: number
  readonly timezone: number | null
  readonly message: string
  /** `[url, status]` pairs, in the order of the `bugs` property. */
  readonly bugs: readonly (readonly [string, string])[]
}

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

/** `seconds / 60` rounded to the nearest integer, halves to the even one (Python's `round`). */
export function offsetMinutesOf(seconds: number): number {
  const q = Math.floor(seconds / 60)
  const r = seconds - q * 60
  if (r * 2 < 60) return q
  if (r * 2 > 60) return q + 1
  return q % 2 === 0 ? q : q + 1
}

/** `+HHMM` / `-HHMM` of minutes, as swh-model's `from_numeric_offset` writes it. */
export function offsetBytesOf(minutes: number): Uint8Array {
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return utf8(`${minutes < 0 ? '-' : '+'}${hh}${mm}`)
}

/**
 * The revision of `meta` with its `directory` and `parents` (ids of archived revisions, ghosts
 * and the null revision left out by the caller).
 */
export function bzrRevision(
  meta: BzrRevisionMeta,
  directory: string,
  parents: readonly string[],
): Revision {
  // A revision without a timezone (SWH's loader fails on one) is taken as UTC.
  const tz = meta.timezone ?? 0
  const date: TimestampWithTimezone = {
    timestamp: { seconds: meta.timestamp, microseconds: 0 },
    offsetBytes: offsetBytesOf(offsetMinutesOf(tz)),
  }
  const extraHeaders: ExtraHeader[] = [[utf8('time_offset_seconds'), utf8(String(tz))]]
  for (const [url, status] of meta.bugs)
    extraHeaders.push([utf8('bug'), Buffer.concat([hex(status), Buffer.from(' '), hex(url)])])
  const committer = meta.committer === null ? null : { fullname: hex(meta.committer) }
  return makeRevision({
    directory,
    parents,
    author: { fullname: hex(meta.author ?? meta.committer ?? '') },
    committer,
    date,
    committerDate: committer === null ? null : date,
    message: hex(meta.message),
    extraHeaders,
    type: 'bzr',
    synthetic: false,
  })
}

/** The release of tag `name` (bytes) on revision `target`. */
export function bzrTagRelease(name: Uint8Array, target: string): Release {
  return makeRelease({
    name,
    target,
    targetType: 'revision',
    author: { fullname: new Uint8Array() },
    date: null,
    message: null,
    synthetic: false,
  })
}
