/**
 * Dates of revisions and releases as Software Heritage shows them (Python's `isoformat()` of
 * the date in its offset, read by {@link readOffset}), with the reason whenever what is shown
 * is not exactly what the object says: an offset shown otherwise, or a date that cannot be
 * shown at all. A person line whose date the model could not read (git accepts more than
 * `<seconds> <offset>`) is read again as the git library Software Heritage loads with reads it.
 *
 * @module
 */

import { fromLatin1, latin1 } from './bytes.js'
import type { TimestampWithTimezone } from './objects.js'
import { formatOffset, quoteForWarning, readOffset } from './offset.js'

/** A date as shown, and why it is shown otherwise than written (null when it is not). */
export interface ShownDate {
  /** `2023-11-14T22:13:20+01:00` (microseconds when present), or null when it cannot be shown. */
  readonly text: string | null
  readonly problem: string | null
}

/** Seconds of 0001-01-02T00:00:00Z and 9999-12-31T23:59:59Z (swh-model's `Timestamp` bounds). */
const MIN_SECONDS = -62135510961
const MAX_SECONDS = 253402297199

const join = (...parts: (string | null)[]): string | null =>
  parts.filter((p): p is string => p !== null).join('; ') || null

/** The date shown for `d`, in its offset as Software Heritage reads it. */
export function showDate(d: TimestampWithTimezone): ShownDate {
  const off = readOffset(d.offsetBytes)
  const local = new Date(d.timestamp.seconds * 1000 + off.minutes * 60_000)
  const year = local.getUTCFullYear()
  if (Number.isNaN(local.getTime()) || year < 1 || year > 9999)
    return {
      text: null,
      problem: join(
        `${d.timestamp.seconds} seconds in offset ${formatOffset(off.minutes)} is outside years 1–9999`,
        off.problem,
      ),
    }
  const iso = local.toISOString() // UTC fields of the local time: the offset was added above
  const base = iso.slice(0, iso.lastIndexOf('.'))
  const us = d.timestamp.microseconds
  const frac = us === 0 ? '' : '.' + String(us).padStart(6, '0')
  return { text: base + frac + formatOffset(off.minutes), problem: off.problem }
}

/**
 * The date of a person line the model read no date from (`value` is that whole line: the
 * model then keeps it all as the fullname), read as dulwich does: after the last `> `, a
 * number (sign and surrounding spaces allowed) and an offset. Null when there is no text
 * after the person.
 */
export function showUnreadDate(value: Uint8Array): ShownDate | null {
  const text = latin1(value)
  const gt = text.lastIndexOf('> ')
  if (gt < 0 || text.slice(gt + 2).trim() === '') return null
  const rest = text.slice(gt + 2)
  const quoted = quoteForWarning(rest)
  const sp = rest.lastIndexOf(' ')
  const secondsText =
    sp < 0 ? null : /^[ \t\n\v\f\r]*([+-]?\d+)[ \t\n\v\f\r]*$/.exec(rest.slice(0, sp))
  if (sp < 0 || !secondsText)
    return { text: null, problem: `date ${quoted} is not <seconds> <offset>; not shown` }
  const seconds = Number(secondsText[1])
  if (!Number.isSafeInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS)
    return { text: null, problem: `date ${quoted} is outside years 1–9999; not shown` }
  const shown = showDate({
    timestamp: { seconds, microseconds: 0 },
    offsetBytes: fromLatin1(rest.slice(sp + 1)),
  })
  return {
    text: shown.text,
    problem: join(
      `date ${quoted} is not in git's canonical form; read as ${seconds}`,
      shown.problem,
    ),
  }
}
