/**
 * History pages: the log of a revision, paged, for an origin's branch or a revision.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { formatDateRfc3339, type Revision } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { type BrowseContext, contextQuery } from './context.js'
import { type Fragment, listTable, page, show } from './layout.js'
import { personName } from './shared.js'

/** The history page of the context's revision, from `p.offset`, below `header`. */
export async function renderLog(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  header: Fragment,
  p: Record<string, string | undefined>,
): Promise<Response> {
  const s = wctx.archive.storage
  if (!ctx.revision)
    return c.html(
      page({
        title: 'History',
        body: html`${header}
          <p>No revision in this context.</p>`,
      }),
    )
  const PER = 50
  const offset = Math.max(0, Math.min(100_000, Number(p['offset'] ?? 0) || 0))
  const revs: Revision[] = []
  let i = 0
  for await (const r of s.revisionLog([ctx.revision], { limit: offset + PER + 1 })) {
    if (i++ >= offset) revs.push(r)
  }
  const more = revs.length > PER
  const rows = revs.slice(0, PER).map((r) => {
    const msg = r.message === null ? '' : show(r.message).split('\n')[0]!
    return html`<tr>
      <td>
        <a class="mono" href="/browse/revision/${r.id}/${contextQuery(ctx)}"
          >${r.id.slice(0, 10)}</a
        >
      </td>
      <td>${msg}</td>
      <td>${personName(r.author?.fullname ?? null)}</td>
      <td>${r.committerDate ? formatDateRfc3339(r.committerDate) : ''}</td>
    </tr>`
  })
  const url = (o: number): string =>
    `${new URL(c.req.url).pathname}${contextQuery(ctx, { offset: String(o) })}`
  const body = html`${header}
    <h2>History</h2>
    ${listTable(['Revision', 'Message', 'Author', 'Date'], rows)}
    <nav class="pager">
      ${offset > 0 ? html`<a class="button" rel="prev" href="${url(Math.max(0, offset - PER))}">Newer</a>` : ''}${more ? html`<a class="button" rel="next" href="${url(offset + PER)}">Older</a>` : ''}
    </nav>`
  return c.html(page({ title: 'History', body }))
}
