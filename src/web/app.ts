/**
 * The web application: `/api/1` (Software Heritage compatible) on Hono. Other modules (the
 * browse pages) mount their routes on the same app.
 *
 * Request pipeline: CORS and OPTIONS (`middleware/cors.ts`) → body limit (every route) → authentication (bearer token,
 * optional; it needs the `api` scope) → rate limit of the route's scope → handler → errors
 * mapped to `{exception, reason}` with their status. The mirror feed and the admin routes check
 * their own scopes (`auth/scopes.ts`).
 *
 * @module
 */

import { type Context, Hono } from 'hono'

import { ArcaError } from '../errors.js'
import { mountAdmin } from './admin.js'
import { mountSaveAdmin } from './admin-save.js'
import { apiRoutes, type RouteDef } from './api/routes.js'
import { bearerSecret, checkScope, verifiedToken } from './auth/scopes.js'
import { clientIp } from './client-ip.js'
import type { WebContext } from './context.js'
import type { AppEnv } from './env.js'
import { mountFeed } from './feed.js'
import { mountGit } from './git/routes.js'
import { baseUrl, errorBody, respond } from './http.js'
import { allowedMethods, methodNotAllowedBody } from './method-not-allowed.js'
import { bodyLimits } from './middleware/body-limit.js'
import { cors } from './middleware/cors.js'
import { openApiDocument } from './openapi.js'

/** The methods the app serves (HEAD answers as GET does). */
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST'] as const

export type { AppEnv } from './env.js'

/**
 * Builds the app.
 *
 * @example
 * ```ts
 * const app = createApp(ctx)
 * const res = await app.request('/api/1/ping/')
 * ```
 */
export function createApp(
  ctx: WebContext,
  extra: (app: Hono<AppEnv>) => void = () => undefined,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false })
  const routes = apiRoutes()

  app.onError((err, c) => {
    const { status, body } = errorBody(err)
    return respond(c, body, { status })
  })
  const allowed = allowedMethods(app)
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname
    const allow = allowed(path)
    if (allow.length > 0)
      return respond(c, methodNotAllowedBody(c, allow), {
        status: 405,
        headers: { Allow: allow.join(', ') },
      })
    return respond(
      c,
      { exception: 'NotFoundExc', reason: `No such route: ${path}` },
      { status: 404 },
    )
  })

  // OPTIONS is answered by the CORS middleware (204); `Allow` names the methods served.
  app.use('*', async (c, next) => {
    await next()
    if (c.req.method === 'OPTIONS') c.res.headers.set('Allow', METHODS.join(', '))
  })
  app.use(
    '*',
    cors({
      allowMethods: [...METHODS],
      allowHeaders: ['Authorization', 'Content-Type', 'Accept'],
      exposeHeaders: [
        'Link',
        'X-Total-Count',
        'X-Total-Count-Relation',
        'X-Search-Partial',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
    }),
  )

  app.use('*', bodyLimits())

  app.use('/api/*', async (c, next) => {
    c.set('token', null)
    c.set('tokenSecret', null)
    const secret = bearerSecret(c)
    if (secret !== null) {
      const token = await verifiedToken(ctx.tokens, secret)
      checkScope(token, 'api', 'The Web API with a token')
      c.set('token', token)
      c.set('tokenSecret', secret)
    }
    await next()
  })

  const limited = (r: RouteDef) => async (c: Context<AppEnv>) => {
    const token = c.get('token')
    const decision = await ctx.limiter.check(r.scope, {
      ip: clientIp(c, ctx.config.trustProxy),
      token: token?.id ?? null,
    })
    if (!decision.allowed) {
      const retry = Math.max(
        1,
        Number(decision.headers['X-RateLimit-Reset']) - Math.floor(Date.now() / 1000),
      )
      // Software Heritage's wording (Django REST framework's): the wait in whole seconds.
      const { status, body } = errorBody(
        new ArcaError(
          'throttled',
          `Request was throttled. Expected available in ${retry} second${retry === 1 ? '' : 's'}.`,
        ),
      )
      return respond(c, body, {
        status,
        headers: { ...decision.headers, 'Retry-After': String(retry) },
      })
    }
    const res = await r.handler(c, ctx)
    for (const [k, v] of Object.entries(decision.headers)) res.headers.set(k, v)
    return res
  }

  app.get('/api/1', (c) =>
    respond(c, {
      description: 'Arca Web API (Software Heritage compatible). See openapi.json for details.',
      openapi: `${baseUrl(c, ctx.config)}/api/1/openapi.json`,
      routes: routes.map((r) => ({
        method: r.method,
        path: `/api/1${r.docPath}`,
        summary: r.summary,
      })),
    }),
  )
  app.get('/api/1/openapi.json', (c) => c.json(openApiDocument(routes, baseUrl(c, ctx.config))))

  for (const r of routes) {
    // Routes are registered without their trailing slash: with `strict: false`, Hono then
    // answers both `/x` and `/x/` (clients use the slash, people often forget it).
    const path = `/api/1${r.path}`.replace(/\/$/, '')
    if (r.method === 'GET') app.get(path, limited(r))
    else app.post(path, limited(r))
  }
  mountFeed(app, ctx)
  mountGit(app, ctx)
  mountAdmin(app, ctx)
  mountSaveAdmin(app, ctx)
  extra(app)
  return app
}
