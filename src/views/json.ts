/**
 * Model objects as JSON in the shapes of Software Heritage's Web API (without the `*_url`
 * links, which the web layer adds): bytes decoded as UTF-8 where they are, `\xNN`-escaped where
 * they are not, with the names of such fields listed in `decoding_failures`; dates in RFC 3339
 * with their original offset. Shared by the CLI and the web API.
 *
 * @module
 */

import {
  type Content,
  decodeForDisplay,
  type Directory,
  formatDateRfc3339,
  isoformatUtc,
  type OriginVisit,
  type OriginVisitStatus,
  type Person,
  type Release,
  type Revision,
  showDate,
  showUnreadDate,
  type Snapshot,
  splitFullname,
  type TimestampWithTimezone,
} from '../model/index.js'
import type { DirectoryEntryInfo } from '../storage/index.js'

/** A JSON object. */
export type Json = Record<string, unknown>

/** Decodes bytes for JSON, recording `field` in `failures` when they are not UTF-8. */
export function text(bytes: Uint8Array | null, field: string, failures: string[]): string | null {
  if (bytes === null) return null
  const d = decodeForDisplay(bytes)
  if (!d.ok) failures.push(field)
  return d.text
}

/** `{name, email, fullname}` of a person. */
export function personJson(p: Person | null, field: string, failures: string[]): Json | null {
  if (p === null) return null
  const parts = splitFullname(p.fullname)
  return {
    email: text(parts.email, `${field}.email`, failures),
    fullname: text(p.fullname, `${field}.fullname`, failures),
    name: text(parts.name, `${field}.name`, failures),
  }
}

/** RFC 3339 date with the original offset, or null. */
export function dateJson(d: TimestampWithTimezone | null): string | null {
  return d === null ? null : formatDateRfc3339(d)
}

/**
 * A revision's or release's date as Software Heritage shows it, recording in `warnings` why it
 * is shown otherwise than the object writes it (an offset shown as UTC or read leniently, a
 * negative zero, a date the model could not read, read again from the person line, or one
 * that cannot be shown: null).
 */
function shownDate(
  d: TimestampWithTimezone | null,
  person: Person | null,
  field: string,
  warnings: Json,
): string | null {
  const shown = d !== null ? showDate(d) : person ? showUnreadDate(person.fullname) : null
  if (shown?.problem) warnings[field] = shown.problem
  return shown?.text ?? null
}

function withFailures(obj: Json, failures: string[], dateWarnings: Json = {}): Json {
  if (failures.length > 0) obj['decoding_failures'] = failures
  if (Object.keys(dateWarnings).length > 0) obj['date_warnings'] = dateWarnings
  return obj
}

/** A revision (`/api/1/revision/<id>/` shape). */
export function revisionJson(r: Revision): Json {
  const f: string[] = []
  const w: Json = {}
  return withFailures(
    {
      author: personJson(r.author, 'author', f),
      committer: personJson(r.committer, 'committer', f),
      committer_date: shownDate(r.committerDate, r.committer, 'committer_date', w),
      date: shownDate(r.date, r.author, 'date', w),
      directory: r.directory,
      extra_headers: r.extraHeaders.map(([k, v], i) => [
        text(k, `extra_headers[${i}][0]`, f),
        text(v, `extra_headers[${i}][1]`, f),
      ]),
      id: r.id,
      merge: r.parents.length > 1,
      message: text(r.message, 'message', f),
      metadata: r.metadata ?? {},
      parents: r.parents.map((id) => ({ id })),
      synthetic: r.synthetic,
      type: r.type,
    },
    f,
    w,
  )
}

/** A release (`/api/1/release/<id>/` shape). */
export function releaseJson(r: Release): Json {
  const f: string[] = []
  const w: Json = {}
  return withFailures(
    {
      author: personJson(r.author, 'author', f),
      date: shownDate(r.date, r.author, 'date', w),
      id: r.id,
      message: text(r.message, 'message', f),
      name: text(r.name, 'name', f),
      synthetic: r.synthetic,
      target: r.target,
      target_type: r.targetType,
    },
    f,
    w,
  )
}

/** A content's metadata (`/api/1/content/` shape). */
export function contentJson(c: Content): Json {
  return {
    checksums: { blake2s256: c.blake2s256, sha1: c.sha1, sha1_git: c.sha1Git, sha256: c.sha256 },
    length: c.length,
    status: c.status,
  }
}

/** A directory entry (`/api/1/directory/<id>/` item shape). */
export function directoryEntryJson(e: DirectoryEntryInfo): Json {
  const f: string[] = []
  const out: Json = {
    dir_id: e.dirId,
    name: text(e.path, 'name', f),
    perms: e.perms,
    target: e.target,
    type: e.type,
  }
  if (e.type === 'file') {
    out['length'] = e.length
    out['status'] = e.status ?? 'absent'
    out['checksums'] =
      e.sha1 === null
        ? null
        : { sha1: e.sha1, sha1_git: e.target, sha256: e.sha256, blake2s256: e.blake2s256 }
  }
  return withFailures(out, f)
}

/** A directory's entries without content details (for objects outside storage). */
export function directoryJson(d: Directory): Json[] {
  return d.entries.map((e) => {
    const f: string[] = []
    return withFailures(
      {
        dir_id: d.id,
        name: text(e.name, 'name', f),
        perms: e.perms,
        target: e.target,
        type: e.type,
      },
      f,
    )
  })
}

/** A snapshot's branches as `{name: {target, target_type}}` (undecodable names escaped). */
export function branchesJson(s: Pick<Snapshot, 'branches'>): Json {
  const out: Json = {}
  for (const b of s.branches) {
    const name = decodeForDisplay(b.name).text
    out[name] =
      b.target === null
        ? null
        : {
            target:
              b.target.targetType === 'alias'
                ? decodeForDisplay(b.target.target).text
                : b.target.target,
            target_type: b.target.targetType,
          }
  }
  return out
}

/** A snapshot (`/api/1/snapshot/<id>/` shape, without paging). */
export function snapshotJson(s: Snapshot): Json {
  return { branches: branchesJson(s), id: s.id, next_branch: null }
}

/** A visit with its latest status (`/api/1/origin/<url>/visit/<n>/` shape). */
export function visitJson(v: OriginVisit, s: OriginVisitStatus | null): Json {
  return {
    // Python's isoformat(), as Software Heritage: microseconds, no fraction when zero.
    date: isoformatUtc(v.date, v.dateExtraMicros),
    metadata: s?.metadata ?? {},
    origin: v.origin,
    snapshot: s?.snapshot ?? null,
    status: s?.status ?? 'created',
    type: v.type,
    visit: v.visit,
  }
}
