/**
 * The home page (counters, latest visits) and the origin search page.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import type { WebContext } from '../context.js'
import { type Fragment, listTable, page, visitTypeIcon, when } from './layout.js'
import { q } from './shared.js'

/** A counter of the home page: its number and what it counts, singular or plural. */
function counter(n: number, one: string, many: string): Fragment {
  return html`<div><b>${n.toLocaleString('en')}</b>${n === 1 ? one : many}</div>`
}

/** Route handlers of the home and search pages. */
export function homePages(wctx: WebContext) {
  const s = wctx.archive.storage

  const home = async (c: Context): Promise<Response> => {
    const counters = await s.statCounters()
    const recent = await s.originVisitStatusGetRecent(20, { statuses: ['full', 'partial'] })
    const body = html`<h1>Arca source-code archive</h1>
      <form action="/browse/search/" method="get" role="search" class="panel">
        <label for="home-q"><b>Search archived origins</b> (URL or part of it)</label><br />
        <input
          type="search"
          id="home-q"
          name="q"
          style="width:70%"
          placeholder="e.g. github.com/python"
        />
        <button type="submit">Search</button>
      </form>
      <h2>Archive</h2>
      <div class="counters" aria-label="Archive counters">
        ${counter(counters.content, 'source file', 'source files')}
        ${counter(counters.directory, 'directory', 'directories')}
        ${counter(counters.revision, 'commit', 'commits')}
        ${counter(counters.release, 'release', 'releases')}
        ${counter(counters.origin, 'project', 'projects')}
        ${counter(counters.origin_visit, 'visit', 'visits')}
      </div>
      <h2>Latest visits</h2>
      ${
        recent.length === 0
          ? html`<p class="muted">Nothing archived yet: run <code>arca save URL</code>.</p>`
          : listTable(
              ['Origin', 'Type', 'Date', 'Status'],
              recent.map(
                (r) =>
                  html`<tr>
                      <td>
                        <a
                          href="/browse/origin/directory/?origin_url=${encodeURIComponent(r.origin)}&amp;visit_id=${String(r.visit)}"
                          >${r.origin}</a
                        >
                      </td>
                      <td>${visitTypeIcon(r.type)}</td>
                      <td>${when(r.date)}</td>
                      <td class="status-${r.status}">${r.status}</td>
                    </tr>`,
              ),
            )
      }`
    return c.html(page({ title: 'Home', body }))
  }

  const search = async (c: Context): Promise<Response> => {
    const p = q(c)
    const query = p['q'] ?? ''
    const token = p['page_token'] ?? null
    const history = (p['prev'] ?? '').split('.').filter(Boolean)
    const PER = 100
    const [res, total] = await Promise.all([
      // Only visited origins, as the Web API lists them.
      s.originSearch(query, { limit: PER, pageToken: token, withVisit: true }),
      s.originSearchCount(query, { withVisit: true }),
    ])
    const rows: Fragment[] = []
    for (const r of res.results) {
      const latest = r.hasVisits ? await s.originVisitGetLatest(r.url) : null
      rows.push(
        html`<tr>
          <td>
            <a href="/browse/origin/directory/?origin_url=${encodeURIComponent(r.url)}">${r.url}</a>
          </td>
          <td>${r.visitTypes.map(visitTypeIcon)}</td>
          <td>
            ${latest ? html`<a href="/browse/origin/visits/?origin_url=${encodeURIComponent(r.url)}">${when(latest.status.date)}</a> <span class="status-${latest.status.status}">${latest.status.status}</span>` : html`<span class="never">never visited</span>`}
          </td>
        </tr>`,
      )
    }
    const base = (extra: Record<string, string>): string => {
      const u = new URLSearchParams({
        q: query,
        ...extra,
      })
      return `/browse/search/?${u.toString()}`
    }
    const nextHref = res.nextPageToken
      ? base({ page_token: res.nextPageToken, prev: [...history, token ?? '0'].join('.') })
      : null
    const prevToken = history.length > 0 ? history[history.length - 1]! : null
    const prevHref = token
      ? base({
          ...(prevToken && prevToken !== '0' ? { page_token: prevToken } : {}),
          ...(history.length > 1 ? { prev: history.slice(0, -1).join('.') } : {}),
        })
      : null
    const start = history.length * PER
    const body = html`<h1>Search results for “${query}”</h1>
      <p id="total">
        ${String(total)} origin${total === 1 ? '' : 's'}
        found${total > 0 ? `, showing ${start + 1}–${start + res.results.length}` : ''}.
      </p>
      ${listTable(['Origin', 'Visit types', 'Latest visit'], rows)}
      <nav class="pager" aria-label="Pages">
        ${prevHref ? html`<a class="button" rel="prev" href="${prevHref}">Previous</a>` : ''}${nextHref ? html`<a class="button" rel="next" href="${nextHref}">Next</a>` : ''}
      </nav>`
    return c.html(page({ title: `Search ${query}`, body, search: query }))
  }

  return { home, search }
}
