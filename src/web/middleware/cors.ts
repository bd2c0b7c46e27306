/**
 * CORS for a public API (any origin, no credentials): every answer carries
 * `Access-Control-Allow-Origin: *` and the exposed headers; any OPTIONS request is answered at
 * once with a 204 naming the allowed methods and request headers (the preflight).
 *
 * The same headers as `hono/cors` with `origin: '*'`, but written onto the handler's answer
 * after it is made, rather than onto a placeholder answer made before the handler runs: Hono
 * then has to copy the handler's answer into a new one (`c.res = …` over an existing response),
 * which turns the Node adapter's lightweight response (a string body written with one
 * `res.end`) into a full web `Response` whose body is read back as a stream — most of the
 * server's own time on a small JSON answer.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from 'hono'

/** Settings of {@link cors}. */
export interface CorsOptions {
  /** `Access-Control-Allow-Methods` of the preflight. */
  readonly allowMethods: readonly string[]
  /** `Access-Control-Allow-Headers` of the preflight. */
  readonly allowHeaders: readonly string[]
  /** `Access-Control-Expose-Headers` of every answer. */
  readonly exposeHeaders: readonly string[]
}

/** Sets `headers` on the answer, remade first if its headers are immutable (`Response.redirect`). */
function setAll(c: Context, headers: readonly (readonly [string, string])[]): void {
  try {
    for (const [k, v] of headers) c.res.headers.set(k, v)
  } catch {
    c.res = new Response(c.res.body, c.res)
    for (const [k, v] of headers) c.res.headers.set(k, v)
  }
}

/** The middleware (mount it before every route). */
export function cors(options: CorsOptions): MiddlewareHandler {
  const always: [string, string][] = [['Access-Control-Allow-Origin', '*']]
  if (options.exposeHeaders.length > 0)
    always.push(['Access-Control-Expose-Headers', options.exposeHeaders.join(',')])
  const preflight: [string, string][] = [...always]
  if (options.allowMethods.length > 0)
    preflight.push(['Access-Control-Allow-Methods', options.allowMethods.join(',')])
  if (options.allowHeaders.length > 0)
    preflight.push(['Access-Control-Allow-Headers', options.allowHeaders.join(',')])
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') {
      const headers = new Headers(preflight)
      if (options.allowHeaders.length > 0) headers.append('Vary', 'Access-Control-Request-Headers')
      return new Response(null, { status: 204, statusText: 'No Content', headers })
    }
    await next()
    // Hono answers HEAD by copying the GET answer (`new Response(null, res)`), and the Node
    // adapter's lightweight response copies the headers it was made with, not those set on it
    // since: a HEAD answer is made a full response first, its current headers copied in.
    if (c.req.method === 'HEAD') {
      const headers = new Headers(c.res.headers) // before `body`, which makes the full response
      c.res = new Response(c.res.body, { status: c.res.status, headers })
    }
    setAll(c, always)
    return undefined
  }
}
