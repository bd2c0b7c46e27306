/**
 * The forks page of an origin (beyond Software Heritage, docs/forks.md): "N forks", then 100 per
 * screen with each fork's HEAD and how far it is ahead of and behind the origin, each linked to
 * its own browse page.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import type { WebContext } from '../context.js'
import { originContext } from './context.js'
import { type Fragment, listTable, page } from './layout.js'
import { q } from './shared.js'
import { branchChoices, originHeader } from './views.js'

const PER_SCREEN = 100

/** `GET /browse/origin/forks/?origin_url=…[&page_token=…]`. */
export function originForksPage(wctx: WebContext) {
  const s = wctx.archive.storage
  return async (c: Context): Promise<Response> => {
    const p = q(c)
    const ctx = await originContext(s, { ...p, branch: undefined, release: undefined })
    if (!ctx.origin) throw new NotFoundError('No origin given')
    const header = originHeader(ctx, 'forks', await branchChoices(wctx, ctx))
    const forks = await s.originForks(ctx.origin, {
      limit: PER_SCREEN,
      pageToken: p['page_token'] ?? null,
    })
    if (!forks) throw new NotFoundError(`Origin ${ctx.origin} not found`)
    const count = (n: number | null): string => (n === null ? 'many' : String(n))
    const rows: Fragment[] = forks.results.map(
      (f) =>
        html`<tr>
          <td><a href="/browse/origin/directory/?origin_url=${encodeURIComponent(f.url)}">${f.url}</a></td>
          <td>${f.head ? html`<a href="/browse/revision/${f.head}/">${f.head.slice(0, 12)}</a>` : ''}</td>
          <td>${f.head ? count(f.ahead) : ''}</td>
          <td>${f.head ? count(f.behind) : ''}</td>
        </tr>`,
    )
    const next = forks.nextPageToken
      ? `/browse/origin/forks/?origin_url=${encodeURIComponent(ctx.origin)}&page_token=${encodeURIComponent(forks.nextPageToken)}`
      : null
    const total = forks.total
    const body = html`${header}
      <h2>${String(total)} ${total === 1 ? 'fork' : 'forks'}</h2>
      <p class="muted">Origins sharing a root revision with this one; ahead and behind count
        revisions between the two HEADs.</p>
      ${rows.length > 0 ? listTable(['Origin', 'HEAD', 'Ahead', 'Behind'], rows) : ''}
      ${next ? html`<nav class="pager"><a class="button" rel="next" href="${next}">Next</a></nav>` : ''}`
    return c.html(page({ title: `Forks of ${ctx.origin}`, body }))
  }
}
