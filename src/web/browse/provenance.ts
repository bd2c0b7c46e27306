/**
 * The "Also found in" panel of content and directory pages (docs/provenance.md): where the object
 * occurs first (origin, revision, date, path) and the first origins holding it, with links to the
 * full lists of the API. Read through the masking layer: masked revisions and origins are left out.
 *
 * @module
 */

import { html } from 'hono/html'

import { MaskedError } from '../../errors.js'
import { type CoreSwhid, formatSwhid } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { type Fragment, show } from './layout.js'

/** Origins listed in the panel (the rest behind the API link). */
const PANEL_ORIGINS = 5

const originHref = (url: string): string =>
  `/browse/origin/directory/?origin_url=${encodeURIComponent(url)}`

/** The panel for `swhid` (a content or directory); empty when nothing is recorded. */
export async function provenancePanel(wctx: WebContext, swhid: CoreSwhid): Promise<Fragment> {
  const s = wctx.archive.storage
  let first
  let origins
  try {
    ;[first] = await s.provenanceFirst([swhid])
    origins = first ? await s.provenanceList(swhid, 'origin', { limit: PANEL_ORIGINS }) : null
  } catch (err) {
    if (err instanceof MaskedError) return ''
    throw err
  }
  if (!first) return ''
  const id = formatSwhid(swhid)
  const api = (what: string): string => `/api/1/provenance/${what}/${id}/`
  return html`<aside class="panel" aria-labelledby="provenance-title">
    <h2 id="provenance-title">Also found in</h2>
    <p>
      First seen
      ${first.date ? html`on <time datetime="${first.date.toISOString()}">${first.date.toISOString().slice(0, 10)}</time>` : ''}
      ${first.anchor ? html`in revision <a class="mono" href="/browse/revision/${first.anchor.id}/">${first.anchor.id.slice(0, 10)}</a>` : ''}
      ${first.origin ? html`of <a href="${originHref(first.origin)}">${first.origin}</a>` : ''}
      ${first.path !== null && first.anchor ? html`at <code>/${show(first.path)}</code>` : ''}
    </p>
    ${
      origins && origins.results.length > 0
        ? html`<ul class="provenance-origins">
            ${origins.results.map((o) => html`<li><a href="${originHref(o.id)}">${o.id}</a></li>`)}
          </ul>
          <p class="muted">
            ${String(origins.total)} origin${origins.total === 1 ? '' : 's'}${origins.truncated ? ' or more' : ''} ·
            <a href="${api('origins')}">all origins</a> ·
            <a href="${api('revisions')}">revisions</a> ·
            <a href="${api('releases')}">releases</a>
          </p>`
        : ''
    }
  </aside>`
}
