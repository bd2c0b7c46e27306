/**
 * Reading the raw offset bytes of a date (`+0200`, `-0000`, …) the way Software Heritage shows
 * them: swh-model reads `[+-]HHMM` (also `+HMM`, `+HH`; minutes above 59 or an absurd value
 * count as UTC), and a date whose offset is 24 hours or more is shown in UTC (Python's fixed
 * offsets must be under a day, as RFC 3339's are). An offset git tolerates but that is not of
 * that form (trailing whitespace such as a CR) is read as the Python git library Software
 * Heritage loads with reads it. Each reading says why the offset shown differs from the raw
 * bytes, when it does.
 *
 * @module
 */

import { latin1 } from './bytes.js'

/** How an offset is shown. */
export interface OffsetReading {
  /** Minutes east of UTC the date is shown in (`-1439`–`1439`). */
  readonly minutes: number
  /** Why the offset shown is not what the raw bytes say, or null when it is. */
  readonly problem: string | null
}

/** Fixed offsets must be under a day (Python's `timezone`, RFC 3339's `time-numoffset`). */
const DAY_MINUTES = 24 * 60

const WS = '[ \\t\\n\\v\\f\\r]*'

/** Text quoted for a warning (JSON string), cut after 40 characters. */
export function quoteForWarning(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

/** `[+-]digits` in swh-model's reading: the last two digits are minutes when there are more than two. */
function strictMinutes(sign: string, digits: string): number | null {
  const hours = Number(digits.length <= 2 ? digits : digits.slice(0, -2))
  const minutes = digits.length <= 2 ? 0 : Number(digits.slice(-2))
  const offset = (sign === '-' ? -1 : 1) * (hours * 60 + minutes)
  return minutes <= 59 && offset >= -(2 ** 15) && offset < 2 ** 15 ? offset : null
}

/** The shown offset of raw offset bytes, with what was changed to show it. */
export function readOffset(offsetBytes: Uint8Array): OffsetReading {
  const raw = latin1(offsetBytes)
  const quoted = quoteForWarning(raw)
  let minutes: number | null
  let problem: string | null = null
  const strict = /^([+-])(\d+)$/.exec(raw)
  // Python's int() of what follows the sign: surrounding whitespace allowed.
  const loose = strict ? null : new RegExp(`^([+-])${WS}(\\d+)${WS}$`).exec(raw)
  if (strict) {
    minutes = strictMinutes(strict[1]!, strict[2]!)
    if (minutes === null) problem = `offset ${quoted} is not an offset; shown as UTC`
  } else if (loose) {
    // Read as a number of the form HHMM, minutes carried into hours.
    const n = Number(loose[2])
    minutes = Number.isSafeInteger(n)
      ? (loose[1] === '-' ? -1 : 1) * (Math.floor(n / 100) * 60 + (n % 100))
      : null
    problem =
      minutes === null
        ? `offset ${quoted} is not an offset; shown as UTC`
        : `offset ${quoted} is not in the [+-]HHMM form; read as ${formatOffset(minutes)}`
  } else {
    minutes = null
    problem = `offset ${quoted} is not an offset; shown as UTC`
  }
  if (minutes === null) return { minutes: 0, problem }
  if (Math.abs(minutes) >= DAY_MINUTES)
    return { minutes: 0, problem: `offset ${quoted} is 24 hours or more; shown as UTC` }
  if (minutes === 0 && (strict?.[1] ?? loose?.[1]) === '-')
    return {
      minutes: 0,
      problem: `offset ${quoted} (negative zero: UTC, local time unknown) shown as +00:00`,
    }
  return { minutes, problem }
}

/** `+HH:MM` of a number of minutes (RFC 3339's `time-numoffset`). */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${minutes < 0 ? '-' : '+'}${hh}:${mm}`
}
