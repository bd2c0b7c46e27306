/**
 * The origin search page: every word of the query in the URL (or a regular expression),
 * filters by visit type, with or without unvisited origins, 100 results per screen by URL,
 * the total, and for each result its latest visit and the branch count of its latest snapshot.
 * A plain GET form: works without JavaScript.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { InvalidInputError } from '../../errors.js'
import type { WebContext } from '../context.js'
import { searchPageAndTotal } from '../search-total.js'
import { type Fragment, listTable, page, visitTypeIcon, when } from './layout.js'

/** Results per screen. */
export const SEARCH_PAGE_SIZE = 100
/** The visit types offered as filters (those of Arca's loaders). */
export const SEARCH_VISIT_TYPES = ['git', 'hg', 'svn', 'bzr', 'cvs', 'tarball'] as const
/** Deepest page number served (100 results each). */
const MAX_PAGE = 1000

/** What the search form asked for. */
interface SearchForm {
  readonly query: string
  readonly visitTypes: string[]
  readonly withVisit: boolean
  readonly regexp: boolean
  readonly page: number
}

function readForm(c: Context): SearchForm {
  const url = new URL(c.req.url)
  const sp = url.searchParams
  const on = (k: string): boolean => ['1', 'true', 'on', 'yes'].includes(sp.get(k) ?? '')
  // A submitted form (it carries `searched`) says with_visit by the checkbox's presence; a bare
  // link (the home page's form, an old bookmark) gets the default: visited origins only.
  const withVisit = sp.has('searched') ? on('with_visit') : sp.get('with_visit') !== 'false'
  const types = [...new Set(sp.getAll('visit_type').filter((t) => t !== ''))]
  for (const t of types)
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(t)) throw new InvalidInputError(`Invalid visit type "${t}"`)
  const rawPage = sp.get('page') ?? '1'
  if (!/^\d{1,4}$/.test(rawPage) || Number(rawPage) < 1 || Number(rawPage) > MAX_PAGE)
    throw new InvalidInputError(`Invalid page "${rawPage}" (a number from 1 to ${MAX_PAGE})`)
  return {
    query: sp.get('q') ?? '',
    visitTypes: types,
    withVisit,
    regexp: on('use_regexp'),
    page: Number(rawPage),
  }
}

/** The URL of the search page for `form` at page `n`. */
function pageHref(form: SearchForm, n: number): string {
  const u = new URLSearchParams({ q: form.query, searched: '1' })
  if (form.withVisit) u.set('with_visit', '1')
  if (form.regexp) u.set('use_regexp', '1')
  for (const t of form.visitTypes) u.append('visit_type', t)
  if (n > 1) u.set('page', String(n))
  return `/browse/search/?${u.toString()}`
}

function searchForm(form: SearchForm): Fragment {
  const checked = (b: boolean): Fragment | string => (b ? html`checked` : '')
  return html`<form action="/browse/search/" method="get" role="search" class="panel">
    <input type="hidden" name="searched" value="1" />
    <label for="search-q"><b>Words of the URL</b> (every word, any order)</label><br />
    <input type="search" id="search-q" name="q" value="${form.query}" style="width:70%" />
    <button type="submit">Search</button>
    <fieldset>
      <legend>Visit types (none checked: any)</legend>
      ${SEARCH_VISIT_TYPES.map(
        (t) =>
          html`<label
            ><input
              type="checkbox"
              name="visit_type"
              value="${t}"
              ${checked(form.visitTypes.includes(t))}
            />
            ${t}</label
          > `,
      )}
    </fieldset>
    <label
      ><input type="checkbox" name="with_visit" value="1" ${checked(form.withVisit)} /> Only
      origins with a visit</label
    >
    <label
      ><input type="checkbox" name="use_regexp" value="1" ${checked(form.regexp)} /> Regular
      expression (RE2 syntax, case-insensitive)</label
    >
  </form>`
}

/** The search page handler. */
export function searchPage(wctx: WebContext) {
  const s = wctx.archive.storage
  return async (c: Context): Promise<Response> => {
    const form = readForm(c)
    const opts = {
      withVisit: form.withVisit,
      regexp: form.regexp,
      ...(form.visitTypes.length > 0 ? { visitTypes: form.visitTypes } : {}),
    }
    const start = (form.page - 1) * SEARCH_PAGE_SIZE
    const { page: res, total } = await searchPageAndTotal(s, form.query, opts, {
      order: 'url',
      offset: start,
      limit: SEARCH_PAGE_SIZE,
    })
    const rows = res.results.map((r) => {
      const st = r.latestStatus ?? null
      const enc = encodeURIComponent(r.url)
      return html`<tr>
        <td><a href="/browse/origin/directory/?origin_url=${enc}">${r.url}</a></td>
        <td>${r.visitTypes.map(visitTypeIcon)}</td>
        <td class="last-visit">
          ${
            st
              ? html`<a href="/browse/origin/visits/?origin_url=${enc}">${when(st.date)}</a>
                ${visitTypeIcon(st.type)} <span class="status-${st.status}">${st.status}</span>`
              : html`<span class="never">never visited</span>`
          }
        </td>
        <td class="num branches">
          ${
            r.branchCount === null || r.branchCount === undefined
              ? ''
              : r.branchCount.toLocaleString('en')
          }
        </td>
      </tr>`
    })
    const pages = Math.max(1, Math.ceil(total.count / SEARCH_PAGE_SIZE))
    const count = `${total.count.toLocaleString('en')} origin${total.count === 1 ? '' : 's'}`
    const prevHref = form.page > 1 ? pageHref(form, form.page - 1) : null
    const nextHref = res.nextPageToken !== null ? pageHref(form, form.page + 1) : null
    const shown =
      res.results.length > 0 ? `, showing ${start + 1}–${start + res.results.length}` : ''
    const body = html`<h1>Search results for “${form.query}”</h1>
      ${searchForm(form)}
      <p id="total">
        ${total.exact ? '' : 'More than '}${count} found${shown} (page
        ${String(form.page)} of ${total.exact ? '' : 'more than '}${String(pages)}, by URL).
      </p>
      ${listTable(
        ['Origin', 'Visit types', 'Latest visit', { label: 'Branches', num: true }],
        rows,
        'Matching origins',
      )}
      <nav class="pager" aria-label="Pages">
        ${prevHref ? html`<a class="button" rel="prev" href="${prevHref}">Previous</a>` : ''}
        ${nextHref ? html`<a class="button" rel="next" href="${nextHref}">Next</a>` : ''}
      </nav>`
    return c.html(page({ title: `Search ${form.query}`, body, search: form.query }))
  }
}
