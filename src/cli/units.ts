/**
 * Parsers of the units command-line options take: seconds (`90`, `2.5`) and sizes (`100MiB`,
 * `512k`, `1G`, or bytes).
 *
 * @module
 */

import { InvalidArgumentError } from 'commander'

/** A positive number of seconds. */
export function parseSeconds(v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || Number(v) <= 0)
    throw new InvalidArgumentError(`"${v}" is not a number of seconds`)
  return Number(v)
}

/** A size in bytes, with an optional k/M/G unit (powers of 1024). */
export function parseSize(v: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(v.trim())
  if (!m) throw new InvalidArgumentError(`"${v}" is not a size (e.g. 100MiB, 512k, 1G)`)
  const unit = (m[2] ?? '').toLowerCase()[0]
  return (
    Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1)
  )
}
