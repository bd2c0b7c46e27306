/**
 * Moderation of Save Code Now over HTTP, for tokens with the `admin` scope:
 *
 * - `GET /admin/1/save/requests?status=pending&before=ID&limit=N` — requests, newest first;
 * - `POST /admin/1/save/requests/ID/accept` (body `{"note": …}` optional) — accepts a pending
 *   request: its URL becomes an authorized prefix, its load task is enqueued;
 * - `POST /admin/1/save/requests/ID/reject` (body `{"reason": …}`) — rejects it with a reason;
 * - `GET /admin/1/save/prefixes/LIST` — the `authorized` or `unauthorized` URL prefixes;
 * - `POST /admin/1/save/prefixes/LIST` (body `{"prefix": …}`) — adds one, and decides the
 *   pending requests it covers (answers their ids);
 * - `POST /admin/1/save/prefixes/LIST/remove` (body `{"prefix": …}`) — removes one.
 *
 * @module
 */

import type { Context, Hono } from 'hono'

import { InvalidInputError, NotFoundError } from '../errors.js'
import {
  PREFIX_LISTS,
  type PrefixList,
  SAVE_REQUEST_STATUSES,
  type SaveRequestStatus,
} from '../scheduler/index.js'
import { requireScope } from './auth/scopes.js'
import type { WebContext } from './context.js'
import type { AppEnv } from './env.js'
import { baseUrl } from './http.js'
import { saveRequestJson, saveService } from './save-json.js'

const NO_STORE = { 'Cache-Control': 'no-store' }
const WHAT = 'Save Code Now moderation'

/** A JSON object body (empty for none); 400 for anything else. */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text()
  if (text.trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new InvalidInputError('The request body is not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidInputError('The request body must be a JSON object')
  return v as Record<string, unknown>
}

function textField(body: Record<string, unknown>, name: string, required: boolean): string {
  const v = body[name]
  if (v === undefined && !required) return ''
  if (typeof v !== 'string' || (required && v.trim() === ''))
    throw new InvalidInputError(`The body needs a non-empty string "${name}"`)
  return v
}

function listParam(c: Context): PrefixList {
  const list = c.req.param('list') ?? ''
  if (!(PREFIX_LISTS as readonly string[]).includes(list))
    throw new NotFoundError(`No URL prefix list "${list}": use ${PREFIX_LISTS.join(' or ')}`)
  return list as PrefixList
}

function idParam(c: Context): number {
  const id = Number(c.req.param('id'))
  if (!Number.isSafeInteger(id) || id < 1)
    throw new NotFoundError(`No save request "${c.req.param('id')}"`)
  return id
}

function positive(
  text: string | undefined,
  name: string,
  dflt: number | undefined,
): number | undefined {
  if (text === undefined) return dflt
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidInputError(`${name} must be a positive integer, not "${text}"`)
  return n
}

/** Mounts the moderation routes. */
export function mountSaveAdmin(app: Hono<AppEnv>, ctx: WebContext): void {
  app.get('/admin/1/save/requests', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', WHAT)
    const status = c.req.query('status')
    if (status !== undefined && !(SAVE_REQUEST_STATUSES as readonly string[]).includes(status))
      throw new InvalidInputError(
        `Unknown status "${status}": use ${SAVE_REQUEST_STATUSES.join(', ')}`,
      )
    const infos = await saveService(ctx).list({
      ...(status ? { status: status as SaveRequestStatus } : {}),
      beforeId: positive(c.req.query('before'), 'before', undefined),
      limit: Math.min(1000, positive(c.req.query('limit'), 'limit', 100)!),
    })
    const base = baseUrl(c, ctx.config)
    return c.json(
      infos.map((i) => ({ ...saveRequestJson(i, base), requesters: i.request.requesters })),
      200,
      NO_STORE,
    )
  })

  app.post('/admin/1/save/requests/:id/accept', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', WHAT)
    const note = textField(await jsonBody(c), 'note', false)
    const info = await saveService(ctx).accept(idParam(c), note === '' ? undefined : note)
    return c.json(saveRequestJson(info, baseUrl(c, ctx.config)), 200, NO_STORE)
  })

  app.post('/admin/1/save/requests/:id/reject', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', WHAT)
    const reason = textField(await jsonBody(c), 'reason', true)
    const info = await saveService(ctx).reject(idParam(c), reason)
    return c.json(saveRequestJson(info, baseUrl(c, ctx.config)), 200, NO_STORE)
  })

  app.get('/admin/1/save/prefixes/:list', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', WHAT)
    const list = listParam(c)
    return c.json(await saveService(ctx).store.prefixes(list), 200, NO_STORE)
  })

  app.post('/admin/1/save/prefixes/:list', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', WHAT)
    const list = listParam(c)
    const prefix = textField(await jsonBody(c), 'prefix', true)
    const decided = await saveService(ctx).addPrefix(list, prefix)
    return c.json({ list, prefix, decided }, 200, NO_STORE)
  })

  app.post('/admin/1/save/prefixes/:list/remove', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', WHAT)
    const list = listParam(c)
    const prefix = textField(await jsonBody(c), 'prefix', true)
    if (!(await saveService(ctx).removePrefix(list, prefix)))
      throw new NotFoundError(`"${prefix}" is not in the ${list} list`)
    return c.json({ list, prefix, removed: true }, 200, NO_STORE)
  })
}
