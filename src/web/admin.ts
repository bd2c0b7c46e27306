/**
 * Administration over HTTP, for tokens with the `admin` scope (only them: see `auth/scopes.ts`):
 *
 * - `GET /admin/1/tokens` — the tokens, as `arca token list --json` gives them (never secrets);
 * - `POST /admin/1/tokens/ID/revoke` — revokes a token (404 if there is no active token ID);
 *   it is refused from the next request on, by every server of the archive;
 * - `GET /admin/1/scrub` — the scrubber's status and open findings, as `arca scrub status
 *   --json` prints them (`?all=1` adds fixed findings, `?limit=N`, default 100, at most 10000);
 * - `GET /admin/1/removals` — the removal audit trail, as `arca remove list --json` prints it;
 * - `GET /admin/1/removals/ID` — one removal, with the SWHIDs it deletes in deletion order,
 *   paged (`?from=N`, `?limit=N`, default 1000, at most 10000; `next_from` when there are more).
 *
 * @module
 */

import type { Hono } from 'hono'

import { InvalidInputError, NotFoundError } from '../errors.js'
import { scrubStatus } from '../integrity/index.js'
import { requireScope } from './auth/scopes.js'
import type { TokenInfo } from './auth/tokens.js'
import type { WebContext } from './context.js'
import type { AppEnv } from './env.js'

function listed(t: TokenInfo): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    created: t.created.toISOString(),
    revoked: t.revoked ? t.revoked.toISOString() : null,
  }
}

/** The query parameter `name` as a whole number in [min, max] (`fallback` when absent). */
function wholeNumber(
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new InvalidInputError(`${name} must be a whole number from ${min} to ${max}`)
  return n
}

/** Mounts the administration routes. */
export function mountAdmin(app: Hono<AppEnv>, ctx: WebContext): void {
  const what = 'Administration'
  app.get('/admin/1/tokens', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', what)
    return c.json((await ctx.tokens.list()).map(listed), 200, { 'Cache-Control': 'no-store' })
  })

  let scrubOpened: Promise<void> | null = null
  app.get('/admin/1/scrub', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', what)
    const limit = wholeNumber(c.req.query('limit'), 100, 1, 10_000, 'limit')
    scrubOpened ??= ctx.scrub.open()
    await scrubOpened
    const all = ['1', 'true'].includes(c.req.query('all') ?? '')
    return c.json(await scrubStatus(ctx.scrub, { all, limit }), 200, {
      'Cache-Control': 'no-store',
    })
  })

  app.get('/admin/1/removals', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', what)
    return c.json(await ctx.removals.removalList(), 200, { 'Cache-Control': 'no-store' })
  })

  app.get('/admin/1/removals/:id', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', what)
    const from = wholeNumber(c.req.query('from'), 0, 0, Number.MAX_SAFE_INTEGER, 'from')
    const limit = wholeNumber(c.req.query('limit'), 1000, 1, 10_000, 'limit')
    const id = c.req.param('id')
    const removal = await ctx.removals.removalGet(id)
    if (!removal) throw new NotFoundError(`No removal ${id}`)
    const page = await ctx.removals.removalObjects(id, from, limit + 1)
    return c.json(
      {
        ...removal,
        objects: page.slice(0, limit),
        next_from: page.length > limit ? from + limit : null,
      },
      200,
      { 'Cache-Control': 'no-store' },
    )
  })

  app.post('/admin/1/tokens/:id/revoke', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', what)
    const id = c.req.param('id')
    await ctx.tokens.revoke(id)
    return c.json({ id, revoked: true }, 200, { 'Cache-Control': 'no-store' })
  })
}
