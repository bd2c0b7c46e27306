/**
 * Parsing of path and query parameters (clear 400 errors naming the parameter), and the
 * documentation of the parameters several routes share.
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError } from '../../errors.js'
import { isSha1Hex } from '../../model/index.js'
import type { ParamDoc } from './route.js'

/** A 40-hex path parameter. */
export function sha1Param(c: Context, name: string): string {
  const v = c.req.param(name) ?? ''
  if (!isSha1Hex(v))
    throw new InvalidInputError(`Invalid ${name} "${v}": expected 40 lowercase hexadecimal digits`)
  return v
}

/** An integer query parameter, clamped to `[min, max]`; `def` when absent. */
export function intParam(c: Context, name: string, def: number, min: number, max: number): number {
  const v = c.req.query(name)
  if (v === undefined || v === '') return def
  if (!/^\d{1,9}$/.test(v))
    throw new InvalidInputError(`Invalid ${name} "${v}": expected a non-negative integer`)
  return Math.min(max, Math.max(min, Number(v)))
}

/** A boolean query parameter (true, 1, yes, on). */
export function boolParam(c: Context, name: string): boolean {
  const v = (c.req.query(name) ?? '').toLowerCase()
  return v === 'true' || v === '1' || v === 'yes' || v === 'on'
}

/** The origin URL embedded raw in a path (`https:/x` fixed back to `https://x`). */
export function originFromPath(raw: string): string {
  let url = raw
  try {
    url = decodeURIComponent(raw)
  } catch {
    // Keep the raw text: the URL is data.
  }
  return url.replace(/^([a-z][a-z0-9+.-]*):\/(?!\/)/i, '$1://')
}

/** A path below a directory, as the raw bytes of its components. */
export function pathParts(path: string): Uint8Array[] {
  return path
    .split('/')
    .filter((p) => p.length > 0)
    .map((p) => {
      try {
        return Buffer.from(decodeURIComponent(p), 'utf8')
      } catch {
        throw new InvalidInputError(`Invalid path component "${p}"`)
      }
    })
}

export const hashParam: ParamDoc = {
  name: 'q',
  in: 'path',
  description: '[hash_type:]hash, hash_type one of sha1 (default), sha1_git, sha256, blake2s256',
  required: true,
}
export const sha1GitParam = (name: string, what: string): ParamDoc => ({
  name,
  in: 'path',
  description: `${what} identifier (sha1_git, 40 hex digits)`,
  required: true,
})
export const originParam: ParamDoc = {
  name: 'origin_url',
  in: 'path',
  description: 'origin URL, embedded raw (slashes included)',
  required: true,
}
