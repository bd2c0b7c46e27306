/**
 * Helpers shared by the browse pages: query parameters, content bytes and their kind, masked
 * parts of a page, person names.
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, isArcaError } from '../../errors.js'
import { type Content, decodeForDisplay, isSha1Hex, splitFullname } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { show } from './layout.js'

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
}

/** The `:id` parameter of a route, which must be the hex id of an object of `kind`. */
export function idParam(c: Context, kind: string): string {
  const id = c.req.param('id') ?? ''
  if (!isSha1Hex(id)) throw new InvalidInputError(`Invalid ${kind} id "${id}"`)
  return id
}

/** The image MIME type of a file name, or null when not an image. */
export function imageType(name: string): string | null {
  const ext = name.toLowerCase().split('.').pop() ?? ''
  return IMAGE_TYPES[ext] ?? null
}

/** The query parameters of a request, the last value of each. */
export function q(c: Context): Record<string, string | undefined> {
  const url = new URL(c.req.url)
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of url.searchParams) out[k] = v
  return out
}

/** Whether bytes look binary (a NUL, or mostly undecodable), so they are not shown as text. */
export function isBinary(data: Uint8Array): boolean {
  const head = data.subarray(0, 8192)
  if (head.includes(0)) return true
  return (
    !decodeForDisplay(head).ok && decodeForDisplay(head).text.split('\\x').length > head.length / 20
  )
}

/** The bytes of a content. */
export async function readContent(ctx: WebContext, c: Content): Promise<Uint8Array> {
  return ctx.archive.objstorage.getBytes(c.sha1Git)
}

/**
 * The value of `p`, or `fallback` when it reads a masked object: for the parts of a page that
 * show a masked object beside visible ones (a README, a diff, a branch's message).
 */
export async function orMasked<T, F>(p: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await p
  } catch (e) {
    if (isArcaError(e) && e.code === 'masked') return fallback
    throw e
  }
}

/** The display name of a person, from their git fullname. */
export function personName(fullname: Uint8Array | null): string {
  if (!fullname) return ''
  const p = splitFullname(fullname)
  return show(p.name ?? fullname)
}
