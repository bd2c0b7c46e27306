/**
 * The visits page of an origin: a calendar of the year of its latest visit and every visit.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import type { OriginVisit, OriginVisitStatus } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { EMPTY_CONTEXT } from './context.js'
import { type Fragment, listTable, page, visitTypeIcon, when } from './layout.js'
import { q } from './shared.js'
import { originHeader } from './views.js'

/** Route handlers of the visits page. */
export function visitsPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const originVisits = async (c: Context): Promise<Response> => {
    const p = q(c)
    const origin = p['origin_url']
    if (!origin) throw new InvalidInputError('The origin_url parameter is missing')
    if ((await s.originGet([origin]))[0] === null)
      throw new NotFoundError(`Origin with url ${origin} not found`)
    const visits: { v: OriginVisit; st: OriginVisitStatus | null }[] = []
    let token: string | null = null
    do {
      const pg = await s.originVisitGet(origin, { limit: 1000, pageToken: token, order: 'desc' })
      for (const v of pg.results)
        visits.push({ v, st: await s.originVisitStatusGetLatest(origin, v.visit) })
      token = visits.length >= 2000 ? null : pg.nextPageToken
    } while (token)
    const ctx = {
      ...EMPTY_CONTEXT,
      origin,
      visit: visits[0]?.v ?? null,
      visitStatus: visits[0]?.st ?? null,
    }
    const header = originHeader(ctx, 'visits', [])
    // Calendar heatmap of the year of the latest visit: one cell per day, coloured by status.
    const year = visits[0] ? visits[0].v.date.getUTCFullYear() : new Date().getUTCFullYear()
    const byDay = new Map<string, string>()
    const rank = (st: string): number =>
      ({ full: 4, partial: 3, failed: 2, not_found: 2, ongoing: 1, created: 0 })[st] ?? 0
    for (const { v, st } of visits) {
      if (v.date.getUTCFullYear() !== year) continue
      const day = v.date.toISOString().slice(0, 10)
      const status = st?.status ?? 'created'
      const cur = byDay.get(day)
      if (!cur || rank(status) > rank(cur)) byDay.set(day, status)
    }
    const jan1 = Date.UTC(year, 0, 1)
    const offset = new Date(jan1).getUTCDay()
    const cells: Fragment[] = []
    for (let i = 0; i < offset; i++) cells.push(html`<span style="visibility:hidden"></span>`)
    for (let d = 0; d < 366; d++) {
      const date = new Date(jan1 + d * 86400000)
      if (date.getUTCFullYear() !== year) break
      const day = date.toISOString().slice(0, 10)
      const st = byDay.get(day)
      cells.push(html`<span class="${st ?? ''}" title="${day}${st ? `: ${st}` : ''}"></span>`)
    }
    const rows = visits.map(
      ({ v, st }) =>
        html`<tr>
          <td>${String(v.visit)}</td>
          <td>${when(v.date)}</td>
          <td>${visitTypeIcon(v.type)}</td>
          <td class="status-${st?.status ?? 'created'}">${st?.status ?? 'created'}</td>
          <td>
            ${st?.snapshot ? html`<a href="/browse/origin/directory/?origin_url=${encodeURIComponent(origin)}&amp;visit_id=${String(v.visit)}">browse</a> <span class="mono muted">${st.snapshot.slice(0, 10)}</span>` : ''}
          </td>
        </tr>`,
    )
    const body = html`${header}
      <h2>Visits in ${String(year)}</h2>
      <div class="cal" role="img" aria-label="Calendar of visits in ${String(year)}">${cells}</div>
      <p class="muted">Green: full; yellow: partial; red: failed or not found.</p>
      ${listTable(['Visit', 'Date', 'Type', 'Status', 'Snapshot'], rows)}`
    return c.html(page({ title: `Visits of ${origin}`, body }))
  }

  return { originVisits }
}
