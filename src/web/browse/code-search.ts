/**
 * The code search page (`/browse/code/search/`, docs/code-search.md): a plain GET form (query,
 * literal / word / regular expression, case, origin, path glob, language), then the matching
 * files by origin and path, each run of matching lines shown with its context, a link to the
 * lines in the content view and the content SWHID qualified down to the line range.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { InvalidInputError } from '../../errors.js'
import type { CodeSearchPage } from '../../storage/index.js'
import { codeSearchParams } from '../code-search-params.js'
import type { WebContext } from '../context.js'
import { type Fragment, page } from './layout.js'

/** Files per screen. */
const PAGE_SIZE = 20
const MAX_PAGE = 500

interface Form {
  readonly q: string
  readonly type: string
  readonly ignoreCase: boolean
  readonly origin: string
  readonly path: string
  readonly lang: string
  readonly page: number
}

function readForm(c: Context): Form {
  const sp = new URL(c.req.url).searchParams
  const rawPage = sp.get('page') ?? '1'
  if (!/^\d{1,4}$/.test(rawPage) || Number(rawPage) < 1 || Number(rawPage) > MAX_PAGE)
    throw new InvalidInputError(`Invalid page "${rawPage}" (a number from 1 to ${MAX_PAGE})`)
  return {
    q: sp.get('q') ?? '',
    type: sp.get('type') ?? 'literal',
    ignoreCase: ['1', 'true', 'on'].includes(sp.get('ignore_case') ?? ''),
    origin: sp.get('origin') ?? '',
    path: sp.get('path') ?? '',
    lang: sp.get('lang') ?? '',
    page: Number(rawPage),
  }
}

function href(f: Form, n: number): string {
  const u = new URLSearchParams({ q: f.q, type: f.type })
  if (f.ignoreCase) u.set('ignore_case', '1')
  for (const k of ['origin', 'path', 'lang'] as const) if (f[k]) u.set(k, f[k])
  if (n > 1) u.set('page', String(n))
  return `/browse/code/search/?${u.toString()}`
}

function formHtml(f: Form): Fragment {
  const opt = (v: string, label: string): Fragment =>
    html`<option value="${v}" ${f.type === v ? html`selected` : ''}>${label}</option>`
  return html`<form action="/browse/code/search/" method="get" role="search" class="panel">
    <label for="code-q"><b>Code</b> (within one line)</label><br />
    <input type="search" id="code-q" name="q" value="${f.q}" style="width:60%" />
    <select name="type" aria-label="Match">
      ${opt('literal', 'Literal')} ${opt('word', 'Whole word')}
      ${opt('regexp', 'Regular expression (RE2)')}
    </select>
    <button type="submit">Search</button><br />
    <label
      ><input type="checkbox" name="ignore_case" value="1" ${f.ignoreCase ? html`checked` : ''} />
      Ignore case</label
    >
    <label>Origin <input type="text" name="origin" value="${f.origin}" /></label>
    <label>Path <input type="text" name="path" value="${f.path}" placeholder="src/**/*.c" /></label>
    <label>Language <input type="text" name="lang" value="${f.lang}" placeholder="python" /></label>
  </form>`
}

function results(got: CodeSearchPage): Fragment[] {
  return got.results.map((h) => {
    const base = `/browse/origin/content/?origin_url=${encodeURIComponent(h.origin)}&path=${encodeURIComponent(h.path)}`
    return html`<section class="code-hit panel">
      <h2>
        <a href="/browse/origin/directory/?origin_url=${encodeURIComponent(h.origin)}"
          >${h.origin}</a
        >
        — <a href="${base}">${h.path}</a>
        <small>${h.language ?? ''} · ${h.matchCount.toLocaleString('en')} matching lines</small>
      </h2>
      ${h.matches.map(
        (m) => html`<div class="code">
            <table>
              ${m.context.map(
                (l) =>
                  html`<tr class="${l.match ? 'sel' : ''}">
                    <td class="ln"><a href="${base}#L${String(l.line)}">${String(l.line)}</a></td>
                    <td>${l.text}</td>
                  </tr>`,
              )}
            </table>
          </div>
          <p class="swhid"><code>${m.swhid}</code></p>`,
      )}
    </section>`
  })
}

/** The code search page handler. */
export function codeSearchPage(wctx: WebContext) {
  return async (c: Context): Promise<Response> => {
    const f = readForm(c)
    if (f.q === '') {
      const body = html`<h1>Code search</h1>
        ${formHtml(f)}
        <p>
          Searches the files of every origin's latest visit: literal text, whole words or RE2
          regular expressions, one line at a time (as <code>git grep</code>).
        </p>`
      return c.html(page({ title: 'Code search', body }))
    }
    const { query, options } = codeSearchParams(
      (n) => new URL(c.req.url).searchParams.get(n) ?? undefined,
    )
    const got = await wctx.archive.storage.codeSearch(query, {
      ...options,
      ignoreCase: f.ignoreCase,
      limit: PAGE_SIZE,
      offset: (f.page - 1) * PAGE_SIZE,
    })
    const pages = Math.max(1, Math.ceil(got.total / PAGE_SIZE))
    const body = html`<h1>Code search results for “${f.q}”</h1>
      ${formHtml(f)}
      <p id="total">
        ${got.totalExact ? '' : 'About '}${got.total.toLocaleString('en')}
        file${got.total === 1 ? '' : 's'} found (page ${String(f.page)} of
        ${got.totalExact ? String(pages) : `about ${pages}`}, by origin and path).
        ${
          got.partial
            ? html`<strong class="partial"
              >Partial: the search stopped before checking every candidate.</strong
            >`
            : ''
        }
      </p>
      ${results(got)}
      <nav class="pager" aria-label="Pages">
        ${f.page > 1 ? html`<a class="button" rel="prev" href="${href(f, f.page - 1)}">Previous</a>` : ''}
        ${f.page < pages ? html`<a class="button" rel="next" href="${href(f, f.page + 1)}">Next</a>` : ''}
      </nav>`
    return c.html(page({ title: `Code search ${f.q}`, body }))
  }
}
