/**
 * Save Code Now (`/origin/save/…`), as Software Heritage serves it: `POST` makes a request and
 * answers it (accepted, pending; 403 when rejected), `GET` by origin lists the origin's
 * requests newest first, `GET` by id answers one. The origin URL is embedded raw in the path,
 * or given with the visit type as query parameters (for URLs with `?` or spaces). Rate-limit
 * scope `swh_save_origin`, and `swh_save_origin_post` for making requests (SWH's per-method
 * rate of that scope).
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError } from '../../errors.js'
import { originUrlFromPath } from '../../scheduler/index.js'
import type { WebContext } from '../context.js'
import { baseUrl, respond } from '../http.js'
import { NEVER_CACHE, saveRequestJson, saveService } from '../save-json.js'
import type { ParamDoc, RouteDef } from './route.js'

/** `token:ID` for a token holder, else `anonymous`. */
function requesterOf(c: Context): string {
  const token = (c.get('token') as { id: string } | null | undefined) ?? null
  return token ? `token:${token.id}` : 'anonymous'
}

/** Visit type and origin URL of a request: from the path, or from the query parameters. */
function target(c: Context): { visitType: string; originUrl: string } {
  const path = new URL(c.req.url).pathname
  const m = /\/api\/1\/origin\/save\/([^/]+)\/url\/(.+?)\/?$/.exec(path)
  if (m) return { visitType: decodeURIComponent(m[1]!), originUrl: originUrlFromPath(m[2]!) }
  const visitType = c.req.query('visit_type')
  const originUrl = c.req.query('origin_url')
  if (!visitType || !originUrl)
    throw new InvalidInputError('Both visit_type and origin_url query parameters must be provided')
  return { visitType, originUrl }
}

async function submit(c: Context, ctx: WebContext): Promise<Response> {
  const { visitType, originUrl } = target(c)
  const info = await saveService(ctx).submit({ visitType, originUrl, requester: requesterOf(c) })
  return respond(c, saveRequestJson(info, baseUrl(c, ctx.config)), {
    headers: { 'Cache-Control': NEVER_CACHE },
  })
}

async function byOrigin(c: Context, ctx: WebContext): Promise<Response> {
  const { visitType, originUrl } = target(c)
  const infos = await saveService(ctx).byOrigin(visitType, originUrl)
  const base = baseUrl(c, ctx.config)
  return respond(
    c,
    infos.map((i) => saveRequestJson(i, base)),
    { headers: { 'Cache-Control': NEVER_CACHE } },
  )
}

async function byId(c: Context, ctx: WebContext): Promise<Response> {
  const id = Number(c.req.param('request_id'))
  const info = await saveService(ctx).get(id)
  return respond(c, saveRequestJson(info, baseUrl(c, ctx.config)), {
    headers: { 'Cache-Control': NEVER_CACHE },
  })
}

const TARGET_PARAMS: readonly ParamDoc[] = [
  {
    name: 'visit_type',
    in: 'path',
    description: 'The kind of origin (git, hg, svn, …: every type this archive loads)',
  },
  { name: 'origin_url', in: 'path', description: 'The origin URL, embedded raw' },
]
const QUERY_PARAMS: readonly ParamDoc[] = [
  { name: 'visit_type', in: 'query', description: 'The kind of origin', required: true },
  { name: 'origin_url', in: 'query', description: 'The origin URL', required: true },
]

const SAVE_PATH = '/origin/save/:visit_type/url/:origin_url{.+}/'
const SAVE_DOC = '/origin/save/{visit_type}/url/{origin_url}/'

/** The Save Code Now routes (before `/origin/…`, whose wildcard would also match them). */
export const saveRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: SAVE_PATH,
    docPath: SAVE_DOC,
    summary:
      'Request the archival of an origin: accepted (load task enqueued), pending (moderation) or rejected (403)',
    params: TARGET_PARAMS,
    scope: 'swh_save_origin_post',
    handler: submit,
  },
  {
    method: 'GET',
    path: SAVE_PATH,
    docPath: SAVE_DOC,
    summary: "The origin's save requests, newest first, with their loading status",
    params: TARGET_PARAMS,
    scope: 'swh_save_origin',
    handler: byOrigin,
  },
  {
    method: 'GET',
    path: '/origin/save/:request_id{[0-9]+}/',
    docPath: '/origin/save/{request_id}/',
    summary: 'One save request, with its loading status',
    params: [{ name: 'request_id', in: 'path', description: 'The request id', type: 'integer' }],
    scope: 'swh_save_origin',
    handler: byId,
  },
  {
    method: 'POST',
    path: '/origin/save/',
    docPath: '/origin/save/',
    summary: 'Request the archival of an origin given as query parameters',
    params: QUERY_PARAMS,
    scope: 'swh_save_origin_post',
    handler: submit,
  },
  {
    method: 'GET',
    path: '/origin/save/',
    docPath: '/origin/save/',
    summary: 'The save requests of an origin given as query parameters',
    params: QUERY_PARAMS,
    scope: 'swh_save_origin',
    handler: byOrigin,
  },
]
