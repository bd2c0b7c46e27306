/**
 * Add Forge Now (`/add-forge/request/…`), as Software Heritage serves it: `create/` (POST, an
 * authenticated caller: any valid token; 201, 409 for a forge already requested), `list/`
 * (paged with `page` and `per_page` ≤ 1000, newest first, `Link` next/previous;
 * `user_requests_only=1` keeps the caller's), `ID/get/` (the request and its history) and
 * `ID/update/` (POST `text` and/or `new_status`, moderators only: tokens with the `admin`
 * scope). Moderators see every field, others the public ones. Bodies are JSON or
 * form-encoded, as SWH takes both.
 *
 * @module
 */

import type { Context } from 'hono'

import { ForbiddenError, InvalidInputError, isArcaError } from '../../errors.js'
import {
  addForgeService,
  forgeHistoryJson,
  forgeRequestJson,
  isModerator,
} from '../add-forge-json.js'
import type { WebContext } from '../context.js'
import type { AppEnv } from '../env.js'
import { baseUrl, linkHeader, respond, withQuery } from '../http.js'
import type { RouteDef } from './route.js'

const NO_STORE = { 'Cache-Control': 'no-store' }

type TokenInfo = AppEnv['Variables']['token']

const tokenOf = (c: Context): TokenInfo => (c.get('token') as TokenInfo | undefined) ?? null

/** The body's fields: a JSON object or a form. */
async function fields(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? ''
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data'))
    return await c.req.parseBody()
  const text = await c.req.text()
  if (text.trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new InvalidInputError('The request body is neither JSON nor a form')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidInputError('The request body must be a JSON object')
  return v as Record<string, unknown>
}

function str(body: Record<string, unknown>, name: string, required: boolean): string {
  const v = body[name]
  if (v === undefined || v === null || v === '') {
    if (required) throw new InvalidInputError(`${name}: this field is required`)
    return ''
  }
  if (typeof v !== 'string') throw new InvalidInputError(`${name}: must be a string`)
  return v.trim()
}

const truthy = (v: unknown): boolean => v === true || v === 'true' || v === 'on' || v === '1'

function idParam(c: Context): number {
  const id = Number(c.req.param('request_id'))
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidInputError('Invalid request id')
  return id
}

function intQuery(c: Context, name: string, dflt: number): number {
  const v = c.req.query(name)
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidInputError(`${name} must be a positive integer, not "${v}"`)
  return n
}

async function create(c: Context, ctx: WebContext): Promise<Response> {
  const token = tokenOf(c)
  if (!token)
    throw new ForbiddenError('You must be authenticated to create a new add-forge request')
  const body = await fields(c)
  let r
  try {
    r = await addForgeService(ctx).create({
      forgeType: str(body, 'forge_type', true),
      forgeUrl: str(body, 'forge_url', true),
      forgeContactEmail: str(body, 'forge_contact_email', true),
      forgeContactName: str(body, 'forge_contact_name', true),
      forgeContactComment: str(body, 'forge_contact_comment', false),
      submitterForwardUsername: truthy(body['submitter_forward_username']),
      submitterName: token.name,
      submitterEmail: str(body, 'submitter_email', false),
    })
  } catch (e) {
    // a forge already requested: SWH's 409 (a conflict is otherwise an internal error)
    if (isArcaError(e, 'conflict'))
      return respond(c, { exception: 'ConflictExc', reason: e.message }, { status: 409 })
    throw e
  }
  return respond(c, forgeRequestJson(r, true), { status: 201, headers: NO_STORE })
}

async function update(c: Context, ctx: WebContext): Promise<Response> {
  const token = tokenOf(c)
  if (!token)
    throw new ForbiddenError('You must be authenticated to update a new add-forge request')
  if (!isModerator(token)) throw new ForbiddenError('You are not a moderator')
  const id = idParam(c)
  const body = await fields(c)
  const status = str(body, 'new_status', false)
  const r = await addForgeService(ctx).update(id, {
    text: str(body, 'text', false),
    newStatus: status === '' ? null : status,
    moderator: token.name,
  })
  return respond(c, forgeRequestJson(r.request, true), { headers: NO_STORE })
}

async function list(c: Context, ctx: WebContext): Promise<Response> {
  const token = tokenOf(c)
  const page = intQuery(c, 'page', 1)
  const perPage = Math.min(1000, intQuery(c, 'per_page', 10))
  const mine = c.req.query('user_requests_only') === '1' && token !== null
  const { requests, total } = await addForgeService(ctx).store.list({
    offset: (page - 1) * perPage,
    limit: perPage,
    ...(mine ? { submitter: token.name } : {}),
  })
  const base = baseUrl(c, ctx.config)
  const next =
    page * perPage < total
      ? withQuery(c, base, { page: String(page + 1), per_page: String(perPage) })
      : null
  const prev =
    page > 1 ? withQuery(c, base, { page: String(page - 1), per_page: String(perPage) }) : null
  const link = linkHeader(next, prev)
  const moderator = isModerator(token)
  return respond(
    c,
    requests.map((r) => forgeRequestJson(r, moderator)),
    { headers: { ...NO_STORE, 'X-Total-Count': String(total), ...(link ? { Link: link } : {}) } },
  )
}

async function get(c: Context, ctx: WebContext): Promise<Response> {
  const moderator = isModerator(tokenOf(c))
  const r = await addForgeService(ctx).get(idParam(c))
  return respond(
    c,
    {
      request: forgeRequestJson(r.request, moderator),
      history: r.history.map((h) => forgeHistoryJson(h, moderator)),
    },
    { headers: NO_STORE },
  )
}

const ID = {
  name: 'request_id',
  in: 'path',
  description: 'The request id',
  type: 'integer',
} as const

/** The Add Forge Now routes. */
export const addForgeRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/add-forge/request/create/',
    docPath: '/add-forge/request/create/',
    summary:
      'Request that a forge be listed and archived (authenticated; body forge_type, forge_url, forge_contact_email, forge_contact_name, forge_contact_comment, submitter_email)',
    body: 'A JSON object (or a form): forge_type, forge_url, forge_contact_email, forge_contact_name, forge_contact_comment, submitter_email (how moderators reach the submitter; shown to moderators only), submitter_forward_username',
    scope: 'swh_add_forge_now_post',
    handler: create,
  },
  {
    method: 'GET',
    path: '/add-forge/request/list/',
    docPath: '/add-forge/request/list/',
    summary: 'Add-forge requests, newest first (public fields unless a moderator asks)',
    params: [
      { name: 'page', in: 'query', description: 'Page number (default 1)', type: 'integer' },
      {
        name: 'per_page',
        in: 'query',
        description: 'Requests per page (default 10, at most 1000)',
        type: 'integer',
      },
      {
        name: 'user_requests_only',
        in: 'query',
        description: "1: only the caller's requests",
        type: 'integer',
      },
    ],
    scope: 'swh_add_forge_now',
    handler: list,
  },
  {
    method: 'GET',
    path: '/add-forge/request/:request_id{[0-9]+}/get/',
    docPath: '/add-forge/request/{request_id}/get/',
    summary: 'One add-forge request and its history',
    params: [ID],
    scope: 'swh_add_forge_now',
    handler: get,
  },
  {
    method: 'POST',
    path: '/add-forge/request/:request_id{[0-9]+}/update/',
    docPath: '/add-forge/request/{request_id}/update/',
    summary:
      'Comment on and/or change the status of an add-forge request (moderators: tokens with the admin scope); ACCEPTED starts the first listing',
    params: [ID],
    body: 'A JSON object (or a form): text, new_status',
    scope: 'swh_add_forge_now_post',
    handler: update,
  },
]
