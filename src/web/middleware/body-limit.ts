/**
 * Request body limits, on every route: a `Content-Length` above the route's limit is refused
 * before anything is read; a body without one (chunked) is counted while it streams in and
 * refused as soon as it passes the limit, so at most the limit is ever held in memory (GET and HEAD
 * requests have no body and pass at once). The
 * answer is a 413 with the API's `{exception, reason}` body.
 *
 * Limits: {@link DEFAULT_BODY_LIMIT} for every route, more where a route takes a large body
 * ({@link BODY_LIMITS}).
 *
 * @module
 */

import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'

import { TooLargeError } from '../../errors.js'

/** Limit of a route without its own, in bytes. */
export const DEFAULT_BODY_LIMIT = 64 * 1024

/**
 * `POST /api/1/known/` takes at most 1000 SWHIDs: 50 characters each, plus quotes, commas and
 * whatever indentation a client pretty-prints with; 1 MiB leaves room for all of that.
 */
export const KNOWN_BODY_LIMIT = 1024 * 1024

/** `POST /git/…/git-upload-pack`: a fetch's haves (50 bytes each, gzip-compressed by git). */
export const GIT_BODY_LIMIT = 8 * 1024 * 1024

/** A bulk save's list: 1000 URLs (`BULK_MAX_URLS`) of up to 1 KiB each, as text or JSON. */
export const BULK_SAVE_BODY_LIMIT = 1024 * 1024

/** Routes with their own limit: a path prefix and its limit in bytes. */
export const BODY_LIMITS: readonly { readonly prefix: string; readonly maxSize: number }[] = [
  { prefix: '/api/1/known', maxSize: KNOWN_BODY_LIMIT },
  { prefix: '/api/1/origin/save/bulk', maxSize: BULK_SAVE_BODY_LIMIT },
  { prefix: '/save/bulk', maxSize: BULK_SAVE_BODY_LIMIT },
  { prefix: '/git', maxSize: GIT_BODY_LIMIT },
]

function mebibytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`
}

function limiter(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new TooLargeError(`Request body too large: at most ${mebibytes(maxSize)} on this route`)
    },
  })
}

/** The middleware: each request checked against its route's limit. */
export function bodyLimits(
  rules = BODY_LIMITS,
  defaultLimit = DEFAULT_BODY_LIMIT,
): MiddlewareHandler {
  const byRule = rules.map((r) => ({ prefix: r.prefix, check: limiter(r.maxSize) }))
  const fallback = limiter(defaultLimit)
  return (c, next) => {
    // GET and HEAD have no body (the Node adapter and the Fetch API give them none); asking
    // for one would make the adapter build a full web Request for nothing.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const path = c.req.path
    const rule = byRule.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`))
    return (rule?.check ?? fallback)(c, next)
  }
}
