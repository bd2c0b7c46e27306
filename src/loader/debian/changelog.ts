/**
 * The newest entry of a `debian/changelog` (Debian Policy §4.4): its trailer line
 * ` -- <maintainer>  <RFC 5322 date>`, the author and date of a Debian package's synthetic
 * release in Software Heritage. The date keeps its offset; the text is UTF-8, or ISO-8859-15
 * when it is not valid UTF-8 (python-debian's fallback).
 *
 * @module
 */

import { CorruptError } from '../../errors.js'
import type { TimestampWithTimezone } from '../../model/index.js'
import { offsetBytes } from '../pkginfo/dates.js'

/** The maintainer and date of the first changelog entry. */
export interface ChangelogTrailer {
  readonly maintainer: string
  readonly date: TimestampWithTimezone
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

/** An RFC 5322 date (`Mon, 21 Mar 2016 10:20:30 +0100`, the weekday optional) with its offset. */
export function parseRfc5322(text: string): TimestampWithTimezone {
  const m =
    /^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2})(\d{2})|(UTC|GMT|UT|Z))?/.exec(
      text.trim(),
    )
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1
  if (!m || month < 0) throw new CorruptError(`Cannot read the changelog date "${text}"`)
  const offset = m[7] ? (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) : 0
  const local = Date.UTC(
    Number(m[3]),
    month,
    Number(m[1]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? '0'),
  )
  return {
    timestamp: { seconds: local / 1000 - offset * 60, microseconds: 0 },
    offsetBytes: offsetBytes(offset),
  }
}

/** Text of changelog bytes (UTF-8, else ISO-8859-15). */
function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return new TextDecoder('iso-8859-15').decode(bytes)
  }
}

/** The trailer of the first entry of a changelog's bytes. */
export function firstTrailer(bytes: Uint8Array): ChangelogTrailer {
  for (const line of decode(bytes).split('\n')) {
    const m =
      /^ -- (.*?) {2}(.+?)\s*$/.exec(line) ?? /^ -- (.*?)\s{1,}([A-Za-z]{3},.+?)\s*$/.exec(line)
    if (m) return { maintainer: m[1]!.trim(), date: parseRfc5322(m[2]!) }
  }
  throw new CorruptError('The debian/changelog has no entry trailer (" -- name <email>  date")')
}
