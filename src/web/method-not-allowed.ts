/**
 * 405 for a path that exists under other methods: a PUT or DELETE on a GET route answers
 * `405 Method Not Allowed` with `Allow` naming the methods it serves (RFC 9110 §15.5.6), not 404.
 *
 * @module
 */

import type { Context, Hono } from 'hono'
import { TrieRouter } from 'hono/router/trie-router'

import type { AppEnv } from './env.js'

/** Methods a route can be registered under (middleware is registered under ALL). */
const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const

/**
 * The methods served at a path, from the app's routes (read once, on first use, when every
 * route is registered). Empty when no route matches the path under any method.
 */
export function allowedMethods(app: Hono<AppEnv>): (path: string) => readonly string[] {
  let router: TrieRouter<true> | null = null
  return (path) => {
    if (router === null) {
      router = new TrieRouter<true>()
      for (const r of app.routes)
        if ((ROUTE_METHODS as readonly string[]).includes(r.method))
          router.add(r.method, r.path, true)
    }
    // With `strict: false` a trailing slash is ignored, as Hono's own matching does.
    const p = path.length > 1 ? path.replace(/\/+$/, '') || '/' : path
    const served = ROUTE_METHODS.filter((m) => router!.match(m, p)[0].length > 0)
    if (served.length === 0) return []
    return [...served.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])), 'OPTIONS']
  }
}

/** The 405 response body, in the API's `{exception, reason}` form. */
export function methodNotAllowedBody(
  c: Context,
  allow: readonly string[],
): { exception: string; reason: string } {
  return {
    exception: 'MethodNotAllowed',
    reason: `Method "${c.req.method}" is not allowed on ${new URL(c.req.url).pathname}; use ${allow.join(', ')}`,
  }
}
