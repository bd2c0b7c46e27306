/**
 * The snapshot page: its branches, paged, with their targets.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { utf8 } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { type BrowseContext, EMPTY_CONTEXT } from './context.js'
import { listTable, page, show } from './layout.js'
import { idParam, q } from './shared.js'
import { contextPermalinks, objectHref } from './views.js'

/** Route handlers of the snapshot page. */
export function snapshotPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const snapshot = async (c: Context): Promise<Response> => {
    const id = idParam(c, 'snapshot')
    const from = q(c)['branches_from']
    const pg = await s.snapshotGetBranches(id, {
      branchesCount: 200,
      ...(from ? { branchesFrom: utf8(from) } : {}),
    })
    if (!pg) throw new NotFoundError(`Snapshot ${id} not found`)
    const counts = (await s.snapshotCountBranches(id)) ?? {}
    const rows = pg.branches.map((b) => {
      const t = b.target
      const href = !t || t.targetType === 'alias' ? null : objectHref(t.targetType, t.target)
      return html`<tr>
        <td>${show(b.name)}</td>
        <td>${t ? t.targetType : 'dangling'}</td>
        <td class="mono">
          ${t ? (href ? html`<a href="${href}">${t.target}</a>` : show(t.target as Uint8Array)) : ''}
        </td>
      </tr>`
    })
    const ctx: BrowseContext = { ...EMPTY_CONTEXT, snapshot: id }
    const next = pg.nextBranch
      ? `/browse/snapshot/${id}/?branches_from=${encodeURIComponent(show(pg.nextBranch))}`
      : null
    const body = html`<div class="layout">
      <div>
        <h1>Snapshot <span class="mono">${id}</span></h1>
        <p class="muted">
          ${Object.entries(counts)
            .map(([k, v]) => `${v} ${k === 'null' ? 'dangling' : k}`)
            .join(', ')}
        </p>
        ${listTable(['Branch', 'Target type', 'Target'], rows)}
        ${next ? html`<nav class="pager"><a class="button" rel="next" href="${next}">Next</a></nav>` : ''}
      </div>
      ${contextPermalinks(ctx, { path: '' })}
    </div>`
    return c.html(page({ title: `Snapshot ${id.slice(0, 10)}`, body }))
  }

  return { snapshot }
}
