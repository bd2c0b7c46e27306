/**
 * Administration over HTTP, for tokens with the `admin` scope (only them: see `auth/scopes.ts`):
 *
 * - `GET /admin/1/tokens` — the tokens, as `arca token list --json` gives them (never secrets);
 * - `POST /admin/1/tokens/ID/revoke` — revokes a token (404 if there is no active token ID);
 *   it is refused from the next request on, by every server of the archive;
 * - `GET /admin/1/scrub` — the scrubber's status and open findings, as `arca scrub status
 *   --json` prints them (`?all=1` adds fixed findings, `?limit=N`, default 100, at most 10000).
 *
 * @module
 */

import type { Hono } from 'hono'

import { InvalidInputError } from '../errors.js'
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
    const limit = Number(c.req.query('limit') ?? '100')
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new InvalidInputError('limit must be a whole number from 1 to 10000')
    scrubOpened ??= ctx.scrub.open()
    await scrubOpened
    const all = ['1', 'true'].includes(c.req.query('all') ?? '')
    return c.json(await scrubStatus(ctx.scrub, { all, limit }), 200, {
      'Cache-Control': 'no-store',
    })
  })

  app.post('/admin/1/tokens/:id/revoke', async (c) => {
    await requireScope(c, ctx.tokens, 'admin', what)
    const id = c.req.param('id')
    await ctx.tokens.revoke(id)
    return c.json({ id, revoked: true }, 200, { 'Cache-Control': 'no-store' })
  })
}
