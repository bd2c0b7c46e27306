/**
 * Dates as registries give them (ISO 8601 strings) turned into Software Heritage timestamps
 * exactly as swh-model does (`TimestampWithTimezone.from_iso8601` / `from_datetime`): a string
 * without an offset is UTC, the offset becomes `[+-]HHMM` bytes, and microseconds are kept
 * unless the loader drops them (npm). Also Python's `str(datetime)`, which crates' ExtID
 * manifest embeds.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import { type TimestampWithTimezone, utf8 } from '../../model/index.js'

/** The parts of an ISO 8601 date-time. */
interface IsoParts {
  readonly seconds: number
  readonly microseconds: number
  /** Minutes east of UTC. */
  readonly offset: number
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i

function parseIso(text: string): IsoParts {
  const m = ISO.exec(text.trim())
  if (!m) throw new InvalidInputError(`Cannot read the date "${text}" (not ISO 8601)`)
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz = 'Z'] = m
  let offset = 0
  if (tz.toUpperCase() !== 'Z') {
    const digits = tz.slice(1).replace(':', '')
    offset =
      (tz[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'))
  }
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  if (Number.isNaN(local)) throw new InvalidInputError(`Cannot read the date "${text}"`)
  // Python reads at most 6 fractional digits (iso8601 rounds beyond; registries send ≤ 6)
  const microseconds = Number(frac.slice(0, 6).padEnd(6, '0'))
  return { seconds: local / 1000 - offset * 60, microseconds, offset }
}

/** `+HHMM` / `-HHMM` of an offset in minutes (swh-model's offset bytes). */
export function offsetBytes(minutes: number): Uint8Array {
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return utf8(`${minutes < 0 ? '-' : '+'}${hh}${mm}`)
}

/**
 * The timestamp of an ISO 8601 date, as `TimestampWithTimezone.from_iso8601` makes it.
 *
 * @example
 * ```ts
 * isoTimestamp('2019-12-19T10:47:30.123Z') // {timestamp: {seconds: 1576752450, microseconds: 123000}, offsetBytes: '+0000'}
 * ```
 */
export function isoTimestamp(
  text: string,
  options: { readonly dropMicroseconds?: boolean } = {},
): TimestampWithTimezone {
  const p = parseIso(text)
  return {
    timestamp: { seconds: p.seconds, microseconds: options.dropMicroseconds ? 0 : p.microseconds },
    offsetBytes: offsetBytes(p.offset),
  }
}

/**
 * Python's `str()` of the aware datetime an ISO 8601 date parses to
 * (`2022-08-31 22:11:43.155470+00:00`; no fraction when the microseconds are 0).
 */
export function pythonDatetimeStr(text: string): string {
  const p = parseIso(text)
  const local = new Date((p.seconds + p.offset * 60) * 1000)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  const frac = p.microseconds === 0 ? '' : `.${pad(p.microseconds, 6)}`
  const abs = Math.abs(p.offset)
  const tz = `${p.offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  return `${date} ${time}${frac}${tz}`
}
