/**
 * Visit and visit status rows: dates stored as microseconds since the epoch (Software
 * Heritage's precision), statuses ordered by (date, seq) where `seq` is the order they were
 * added in, and the page tokens of that order.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import { epochMicros, fromEpochMicros } from '../../model/index.js'

/** The stored date (microseconds since the epoch) of a model date. */
export function dateMicros(d: { readonly date: Date; readonly dateExtraMicros?: number }): number {
  return epochMicros(d.date, d.dateExtraMicros ?? 0)
}

/** The model's date fields of a stored date (`dateExtraMicros` only when not zero). */
export function dateFields(stored: unknown): { date: Date; dateExtraMicros?: number } {
  const { date, extraMicros } = fromEpochMicros(Number(stored))
  return extraMicros === 0 ? { date } : { date, dateExtraMicros: extraMicros }
}

/** The page token after a status: its stored date and sequence number. */
export function statusToken(date: unknown, seq: unknown): string {
  return `${Number(date)}.${Number(seq)}`
}

/** The (date, seq) a status page token names, or null for the first page. */
export function parseStatusToken(t: string | null | undefined): [number, number] | null {
  if (t === null || t === undefined || t === '') return null
  const m = /^(-?\d{1,17})\.(\d{1,15})$/.exec(t)
  if (!m) throw new InvalidInputError(`Invalid visit status page token "${t}"`)
  return [Number(m[1]), Number(m[2])]
}
