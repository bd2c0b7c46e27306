/**
 * cgit: the repository index (`div.content`'s `table summary="repository list"`, one row
 * without a class per repository, paged by cgit's `ul.pager` as `?ofs=N`), each repository's
 * clone URL read from its summary page (`a rel="vcs-git"`, an http(s) one preferred, as
 * swh-lister does; the summary tab's page when the default page is another) or made from a
 * configured base (`baseGitUrl` + the repository's path under the index), and its last update
 * from the index's age column (`span class="age-…"` whose `title` holds the absolute date).
 * The state is the URL of the next index page; cgit has no "changed since", so a run after a
 * complete one lists everything again (the schedule keeps what it knew).
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import {
  attr,
  checkWholePage,
  childrenNamed,
  hasClass,
  type HtmlElement,
  type HtmlPage,
  parseHtml,
  parseOffsetDate,
  resolveUrl,
  select,
  selectOne,
  textOf,
} from './html.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** Settings of a {@link CgitLister}. */
export interface HtmlListerOptions {
  /** Clone URLs are this base + each repository's path (no summary page fetched). */
  readonly baseGitUrl?: string
}

/** Summary pages fetched at once. */
const CONCURRENCY = 4

/** The lister of a cgit instance (the URL of its repository index). */
export class CgitLister implements Lister {
  readonly type = 'cgit'
  readonly url: string
  readonly #base: string | undefined

  constructor(url: string, options: HtmlListerOptions = {}) {
    this.url = url.endsWith('/') ? url : `${url}/`
    this.#base = options.baseGitUrl?.replace(/\/+$/, '')
  }

  initialState(): ListerState {
    return { page: this.url }
  }

  resumeAfterComplete(): ListerState {
    return this.initialState()
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const url = String(state['page'] ?? this.url)
    const doc = parseHtml((await http.getText(url, checkWholePage(url))).text)
    const content = selectOne(doc, 'div', (d) => hasClass(d, 'content'))
    const table =
      content && selectOne(content, 'table', (t) => attr(t, 'summary') === 'repository list')
    if (table === null) throw new CorruptError(`${url}: not a cgit repository index`)
    const rows: { repo: string; lastUpdate: number | null }[] = []
    for (const tr of select(table, 'tr', (r) => attr(r, 'class') === null)) {
      const a = selectOne(tr, 'a', (e) => attr(e, 'href') !== null)
      if (a === null) continue
      const span = selectOne(tr, 'span', (s) => (attr(s, 'class') ?? '').startsWith('age-'))
      rows.push({
        repo: resolveUrl(url, attr(a, 'href')!),
        lastUpdate: span ? parseOffsetDate(attr(span, 'title')) : null,
      })
    }
    const origins: ListedOriginInit[] = []
    for (let i = 0; i < rows.length; i += CONCURRENCY) {
      const chunk = rows.slice(i, i + CONCURRENCY)
      const urls = await Promise.all(chunk.map((r) => this.#cloneUrl(r.repo, http)))
      chunk.forEach((r, j) => {
        const u = urls[j]
        if (u !== null && u !== undefined)
          origins.push({
            url: u,
            visitType: 'git',
            ...(r.lastUpdate === null ? {} : { lastUpdate: r.lastUpdate }),
          })
      })
    }
    const next = nextPage(doc, url)
    return { origins, next: next === null ? null : { page: next } }
  }

  /** The clone URL of the repository whose page is `repo` (null: the page names none). */
  async #cloneUrl(repo: string, http: ListerHttp): Promise<string | null> {
    if (this.#base !== undefined) {
      const rel = repo.startsWith(this.url) ? repo.slice(this.url.length) : new URL(repo).pathname
      return `${this.#base}/${rel.replace(/^\/+|\/+$/g, '')}`
    }
    return this.#cloneUrlOf(repo, http, true)
  }

  /** The vcs-git URL of page `url`; when it has none, once, that of its summary tab. */
  async #cloneUrlOf(url: string, http: ListerHttp, follow: boolean): Promise<string | null> {
    const doc = parseHtml((await http.getText(url, checkWholePage(url))).text)
    const found = preferHttp(
      select(doc, 'a', (a) => attr(a, 'rel') === 'vcs-git' && attr(a, 'href') !== null).map((a) =>
        attr(a, 'href')!,
      ),
    )
    if (found !== null || !follow) return found
    // a repository whose default page is not the summary (an about page): its summary tab
    const tabs = selectOne(doc, 'table', (t) => hasClass(t, 'tabs'))
    const tab = tabs && selectOne(tabs, 'a', (e) => textOf(e).trim() === 'summary')
    const href = tab ? attr(tab, 'href') : null
    const summary = href ? resolveUrl(url, href) : null
    return summary !== null && summary !== url ? this.#cloneUrlOf(summary, http, false) : null
  }
}

/** The first http(s) URL of `urls`, else the first one, else null. */
export function preferHttp(urls: readonly string[]): string | null {
  return urls.find((u) => /^https?:\/\//i.test(u)) ?? urls[0] ?? null
}

/** The page after the current one in cgit's pager, or null on the last page. */
function nextPage(doc: HtmlPage, url: string): string | null {
  const pager = selectOne(doc, 'ul', (u) => hasClass(u, 'pager'))
  if (pager === null) return null
  const items = childrenNamed(pager, 'li')
  const current = items.findIndex((li) => links(li).some((a) => hasClass(a, 'current')))
  if (current < 0) throw new CorruptError(`${url}: a pager without the current page`)
  const after = items[current + 1]
  const href = after ? links(after).map((a) => attr(a, 'href'))[0] : null
  return href ? resolveUrl(url, href) : null
}

const links = (li: HtmlElement): HtmlElement[] => childrenNamed(li, 'a')
