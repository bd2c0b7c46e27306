/**
 * The embeddable viewer: a content or directory by SWHID, without the site's chrome.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { formatSwhid, parseQualifiedSwhid } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { renderContent } from './content.js'
import { EMPTY_CONTEXT, splitPath } from './context.js'
import { page, show, size } from './layout.js'

/** Route handlers of the embeddable viewer. */
export function embedPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const embed = async (c: Context, text: string): Promise<Response> => {
    const sw = parseQualifiedSwhid(text.replace(/\/+$/, ''))
    if (sw.type === 'cnt') {
      const [cnt] = await s.contentGet([sw.id])
      if (!cnt) throw new NotFoundError(`Content ${sw.id} not found`)
      const path = sw.qualifiers.path
        ? Buffer.from(sw.qualifiers.path).toString('utf8').replace(/^\/+/, '')
        : ''
      return renderContent(
        c,
        wctx,
        { ...EMPTY_CONTEXT, path: splitPath(path) },
        cnt,
        html`<p class="muted">
          <a href="/${formatSwhid(sw)}/" target="_blank">${formatSwhid(sw)}</a>
        </p>`,
        true,
      )
    }
    if (sw.type === 'dir') {
      const entries = await s.directoryLs(sw.id)
      if (!entries) throw new NotFoundError(`Directory ${sw.id} not found`)
      const body = html`<p class="muted">
          <a href="/${formatSwhid(sw)}/" target="_blank">${formatSwhid(sw)}</a>
        </p>
        <table>
          <tbody>
            ${entries.map(
              (e) =>
                html`<tr>
                  <td>${show(e.name)}${e.type === 'dir' ? '/' : ''}</td>
                  <td class="num">${e.type === 'file' ? size(e.length) : ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
      return c.html(page({ title: formatSwhid(sw), body, embed: true }))
    }
    return c.redirect(`/${formatSwhid(sw)}/`, 302)
  }

  return { embed }
}
