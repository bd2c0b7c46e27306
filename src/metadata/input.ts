/**
 * What a citation is made from: the record, the cited object's qualified SWHID, and the origin
 * and visit date a citation falls back on when the tree carries no metadata.
 *
 * @module
 */

import { type CoreType, type LineRange, parseQualifiedSwhid } from '../model/index.js'
import { isEmptyMetadata, type SoftwareMetadata } from './record.js'

/** The cited object. */
export interface CitationTarget {
  /** Its SWHID with the qualifiers of its context (origin, visit, anchor, path, lines). */
  readonly swhid: string
  readonly type: CoreType
  readonly id: string
  readonly lines?: LineRange | undefined
}

/** Everything a citation is written from. */
export interface CitationInput {
  readonly metadata: SoftwareMetadata
  readonly target: CitationTarget | null
  /** The origin the object was archived from, when known. */
  readonly origin?: string | null
  /** Date of the visit that archived it, when known. */
  readonly visitDate?: Date | null
}

/** The target of a qualified SWHID text. */
export function citationTarget(swhid: string): CitationTarget {
  const q = parseQualifiedSwhid(swhid)
  return { swhid, type: q.type, id: q.id, lines: q.qualifiers.lines }
}

/**
 * What to cite when the tree has no usable metadata: a title from the origin URL's last path
 * component, the origin as repository and URL (dates come from the visit, see the formats).
 */
export function fallbackMetadata(origin: string | null | undefined): SoftwareMetadata {
  if (!origin) return {}
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(origin)
  let path = origin
  let host = ''
  if (isUrl) {
    try {
      const u = new URL(origin)
      path = u.pathname
      host = u.host
    } catch {
      // Not parsable: its text is its path.
    }
  }
  const last =
    path
      .split('/')
      .filter((p) => p !== '')
      .at(-1) ?? ''
  const title = last.replace(/\.git$/, '') || host || origin
  return isUrl ? { title, repository: origin, url: origin } : { title }
}

/** The record, completed from the origin when it says nothing. */
export function citedMetadata(input: CitationInput): SoftwareMetadata {
  return isEmptyMetadata(input.metadata) ? fallbackMetadata(input.origin) : input.metadata
}

/** The date a citation gives: the release date, else the visit's day. */
export function citedDate(input: CitationInput): string | undefined {
  return input.metadata.dateReleased ?? input.visitDate?.toISOString().slice(0, 10)
}
