/**
 * Display helpers for persons and dates: derived views only, never used for hashing.
 *
 * @module
 */

import { utf8 } from './bytes.js'
import { showDate } from './date-display.js'
import type { Person, TimestampWithTimezone } from './objects.js'

/** Name and email guessed from a raw fullname in the `name <email>` form (swh-model rules). */
export interface PersonParts {
  readonly name: Uint8Array | null
  readonly email: Uint8Array | null
}

const LT = 0x3c
const GT = 0x3e

function trimAsciiSpace(b: Uint8Array): Uint8Array {
  let s = 0
  let e = b.length
  const ws = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d)
  while (s < e && ws(b[s]!)) s++
  while (e > s && ws(b[e - 1]!)) e--
  return b.subarray(s, e)
}

/**
 * Splits a fullname into name and email: the name is what precedes the first `<` (trimmed),
 * the email what lies between it and the last `>`. The fullname itself stays authoritative.
 */
export function splitFullname(fullname: Uint8Array): PersonParts {
  const open = fullname.indexOf(LT)
  if (open < 0) return { name: fullname.length > 0 ? fullname : null, email: null }
  const rawName = fullname.subarray(0, open)
  const rawEmail = fullname.subarray(open + 1)
  const name = rawName.length === 0 ? null : trimAsciiSpace(rawName)
  const close = rawEmail.lastIndexOf(GT)
  const email = close < 0 ? rawEmail : rawEmail.subarray(0, close)
  return {
    name: name !== null && name.length > 0 ? name : null,
    email: email.length > 0 ? email : null,
  }
}

/** A person from a `Name <email>` text (for tests and synthetic objects). */
export function personFromText(text: string): Person {
  return { fullname: utf8(text) }
}

/**
 * Offset in minutes of raw offset bytes (`+HHMM`, tolerating `+HMM` and `+HH`); anything that
 * cannot be read as a sane offset counts as UTC, as swh-model does.
 */
export function offsetMinutes(offsetBytes: Uint8Array): number {
  const s = String.fromCharCode(...offsetBytes)
  const m = /^([+-])(\d+)$/.exec(s)
  if (!m) return 0
  const sign = m[1] === '-' ? -1 : 1
  const digits = m[2]!
  const hours = Number(digits.length <= 2 ? digits : digits.slice(0, -2))
  const minutes = digits.length <= 2 ? 0 : Number(digits.slice(-2))
  const offset = sign * (hours * 60 + minutes)
  if (minutes <= 59 && offset >= -(2 ** 15) && offset < 2 ** 15) return offset
  return 0
}

/** Raw offset bytes for a number of minutes (`-0000` when `negativeUtc`). */
export function offsetBytesFromMinutes(minutes: number, negativeUtc = false): Uint8Array {
  const negative = minutes < 0 || negativeUtc
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return utf8(`${negative ? '-' : '+'}${hh}${mm}`)
}

/**
 * RFC 3339 text of a date in its original offset, with microseconds when present:
 * `2023-11-14T22:13:20+01:00`. The offset is read as Software Heritage shows it (see
 * {@link showDate}: one that cannot be read, or of 24 hours or more, is shown as UTC); a date
 * outside years 1–9999 in its offset is shown as its number of seconds.
 */
export function formatDateRfc3339(d: TimestampWithTimezone): string {
  return showDate(d).text ?? String(d.timestamp.seconds)
}
