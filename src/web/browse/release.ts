/**
 * The release page: name, author, target and message.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { formatDateRfc3339 } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { type BrowseContext, EMPTY_CONTEXT } from './context.js'
import { page, show } from './layout.js'
import { idParam } from './shared.js'
import { contextPermalinks, objectHref } from './views.js'

/** Route handlers of the release page. */
export function releasePages(wctx: WebContext) {
  const s = wctx.archive.storage

  const release = async (c: Context): Promise<Response> => {
    const id = idParam(c, 'release')
    const [r] = await s.releaseGet([id])
    if (!r) throw new NotFoundError(`Release ${id} not found`)
    const target = r.target ? objectHref(r.targetType, r.target) : null
    const ctx: BrowseContext = { ...EMPTY_CONTEXT, releaseId: r.id }
    const body = html`<div class="layout">
      <div>
        <h1>Release ${show(r.name)}</h1>
        <table>
          <tr>
            <th>Identifier</th>
            <td class="mono">${r.id}</td>
          </tr>
          ${
            r.author
              ? html`<tr>
                  <th>Author</th>
                  <td>
                    ${show(r.author.fullname)}
                    ${r.date ? html`<span class="muted">${formatDateRfc3339(r.date)}</span>` : ''}
                  </td>
                </tr>`
              : ''
          }
          <tr>
            <th>Target</th>
            <td>
              ${r.targetType}
              ${target ? html`<a class="mono" href="${target}">${r.target ?? ''}</a>` : ''}
            </td>
          </tr>
        </table>
        <h2>Message</h2>
        <pre>${show(r.message)}</pre>
      </div>
      ${contextPermalinks(ctx, { path: '' })}
    </div>`
    return c.html(page({ title: `Release ${show(r.name)}`, body }))
  }

  return { release }
}
