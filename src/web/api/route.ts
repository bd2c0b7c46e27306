/**
 * The shape of one `/api/1` route: one table drives both the router (`app.ts`) and the OpenAPI
 * document (`openapi.ts`), so the documentation cannot drift from what is served.
 *
 * @module
 */

import type { Context } from 'hono'

import type { WebContext } from '../context.js'

/** A documented parameter. */
export interface ParamDoc {
  readonly name: string
  readonly in: 'path' | 'query'
  readonly description: string
  readonly type?: 'string' | 'integer' | 'boolean'
  readonly required?: boolean
}

/** One route of the API. */
export interface RouteDef {
  readonly method: 'GET' | 'POST'
  /** Hono path below `/api/1` (with a trailing slash). */
  readonly path: string
  /** OpenAPI path (with `{params}`). */
  readonly docPath: string
  readonly summary: string
  readonly params?: readonly ParamDoc[]
  readonly body?: string
  /** Rate-limit scope. */
  readonly scope: string
  /** Content type of a successful answer (default JSON). */
  readonly produces?: string
  readonly handler: (c: Context, ctx: WebContext) => Promise<Response>
}
