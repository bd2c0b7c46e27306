/**
 * The home page (counters, latest visits); the search page is in search.ts.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import type { WebContext } from '../context.js'
import { type Fragment, listTable, page, visitTypeIcon, when } from './layout.js'
import { searchPage } from './search.js'

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

  return { home, search: searchPage(wctx) }
}
