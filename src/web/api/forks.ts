/**
 * `/origin/<url>/forks/` (beyond Software Heritage): the origins sharing a root revision with an
 * origin, with their HEAD revisions and how far they are ahead of and behind it (docs/forks.md).
 *
 * @module
 */

import type { Context } from 'hono'

import { NotFoundError } from '../../errors.js'
import type { Json } from '../../views/index.js'
import type { WebContext } from '../context.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { links, originWithLinks } from './links.js'
import { intParam } from './params.js'

/** Answers the forks of `url`, one page (`per_page` ≤ 100, `page_token`). */
export async function forksRoute(c: Context, ctx: WebContext, url: string): Promise<Response> {
  const perPage = intParam(c, 'per_page', 20, 1, 100)
  const page = await ctx.archive.storage.originForks(url, {
    limit: perPage,
    pageToken: c.req.query('page_token') ?? null,
  })
  if (!page) throw new NotFoundError(`Origin with url ${url} not found!`)
  const l = links(c, ctx)
  const out: Json[] = page.results.map((f) => ({
    ...originWithLinks(l, f.url),
    head: f.head,
    ahead: f.ahead,
    behind: f.behind,
  }))
  const next = page.nextPageToken
    ? withQuery(c, l.base, { page_token: page.nextPageToken, per_page: String(perPage) })
    : null
  const headers: Record<string, string> = { 'X-Total-Count': String(page.total) }
  const link = linkHeader(next)
  if (link) headers['Link'] = link
  return respond(c, out, { headers })
}
