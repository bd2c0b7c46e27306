/**
 * Dates to the microsecond. Software Heritage's visit and visit status dates carry microseconds;
 * a JavaScript `Date` holds milliseconds. The model keeps the `Date` (the instant to the
 * millisecond, for every use that needs no more) and, next to it, the microseconds beyond that
 * millisecond (0–999): together they are the exact date.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'

/** A date to the microsecond, as the model carries it. */
export interface MicroDate {
  readonly date: Date
  /** Microseconds past the millisecond of `date`, 0–999. */
  readonly extraMicros: number
}

/** Microseconds since the Unix epoch (a safe integer until the year 2255). */
export function epochMicros(date: Date, extraMicros = 0): number {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new InvalidInputError('Invalid date')
  if (!Number.isInteger(extraMicros) || extraMicros < 0 || extraMicros > 999)
    throw new InvalidInputError(`Invalid sub-millisecond microseconds ${extraMicros}`)
  return ms * 1000 + extraMicros
}

/** The date of a count of microseconds since the Unix epoch. */
export function fromEpochMicros(us: number): MicroDate {
  const ms = Math.floor(us / 1000)
  return { date: new Date(ms), extraMicros: us - ms * 1000 }
}

/**
 * The date in UTC as Python's `datetime.isoformat()` writes it, as Software Heritage's Web API
 * shows dates: `2023-01-05T10:12:13.123456+00:00`, without the fraction when it is zero.
 *
 * @example
 * ```ts
 * isoformatUtc(new Date('2023-01-05T10:12:13.123Z'), 456) // '2023-01-05T10:12:13.123456+00:00'
 * isoformatUtc(new Date('2023-01-05T10:12:13Z')) // '2023-01-05T10:12:13+00:00'
 * ```
 */
export function isoformatUtc(date: Date, extraMicros = 0): string {
  const iso = date.toISOString()
  const micros = date.getUTCMilliseconds() * 1000 + extraMicros
  const base = iso.slice(0, iso.lastIndexOf('.'))
  return `${base}${micros === 0 ? '' : `.${String(micros).padStart(6, '0')}`}+00:00`
}
