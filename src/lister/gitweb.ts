/**
 * gitweb: the project list (`table.project_list`, one row per project linking to its summary
 * `?p=NAME;a=summary`, read once per run), walked 50 projects a page (the state is the offset
 * of the next one, so a stopped listing resumes there). Each project's summary page gives its
 * clone URLs (`tr.metadata_url`, an http(s) one preferred, as swh-lister does) and last change
 * (`tr#metadata_lchange`'s absolute date; the list's age column is only relative). Without an
 * advertised URL, the clone URL is the configured base + the project path, else
 * `git://HOST/PATH` (swh-lister's heuristic). gitweb has no "changed since": a run after a
 * complete one lists everything again.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import { type HtmlListerOptions, preferHttp } from './cgit.js'
import {
  attr,
  checkWholePage,
  childrenNamed,
  hasClass,
  parseHtml,
  resolveUrl,
  select,
  selectOne,
  textOf,
} from './html.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** Projects a page (by default). */
const PAGE = 50
/** Summary pages fetched at once. */
const CONCURRENCY = 4

/** The project of a gitweb link (`p=` of its `;`- or `&`-separated query), or null. */
function projectOf(href: string): string | null {
  const q = new URL(href).search.slice(1)
  for (const part of q.split(/[;&]/)) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq) === 'p')
      return decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '))
  }
  return null
}

/** The lister of a gitweb instance (the URL of its project list). */
export class GitwebLister implements Lister {
  readonly type = 'gitweb'
  readonly url: string
  readonly #base: string | undefined
  readonly #pageSize: number
  /** The project list, read once per run (again when a listing starts over). */
  #projectList: Promise<{ summary: string; name: string }[]> | null = null

  constructor(url: string, options: HtmlListerOptions & { readonly pageSize?: number } = {}) {
    this.url = url
    this.#base = options.baseGitUrl?.replace(/\/+$/, '')
    this.#pageSize = options.pageSize ?? PAGE
  }

  initialState(): ListerState {
    return { offset: 0 }
  }

  resumeAfterComplete(): ListerState {
    return this.initialState()
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const offset = Number(state['offset'] ?? 0)
    if (offset === 0 || this.#projectList === null) this.#projectList = this.#projects(http)
    const projects = await this.#projectList.catch((e: unknown) => {
      this.#projectList = null
      throw e
    })
    const slice = projects.slice(offset, offset + this.#pageSize)
    const origins: ListedOriginInit[] = []
    for (let i = 0; i < slice.length; i += CONCURRENCY) {
      const chunk = slice.slice(i, i + CONCURRENCY)
      origins.push(...(await Promise.all(chunk.map((p) => this.#origin(p, http)))))
    }
    const end = offset + slice.length
    return { origins, next: end < projects.length ? { offset: end } : null }
  }

  /** The summary URLs of every project, in the list's order. */
  async #projects(http: ListerHttp): Promise<{ summary: string; name: string }[]> {
    const doc = parseHtml((await http.getText(this.url, checkWholePage(this.url))).text)
    const table = selectOne(doc, 'table', (t) => hasClass(t, 'project_list'))
    if (table === null) throw new CorruptError(`${this.url}: not a gitweb project list`)
    const seen = new Set<string>()
    const out: { summary: string; name: string }[] = []
    for (const tr of select(table, 'tr')) {
      const td = childrenNamed(tr, 'td')[0]
      const a = td && selectOne(td, 'a', (e) => attr(e, 'href') !== null)
      if (!a) continue
      const summary = resolveUrl(this.url, attr(a, 'href')!)
      const name = projectOf(summary)
      if (name === null || seen.has(name)) continue
      seen.add(name)
      out.push({ summary, name })
    }
    return out
  }

  async #origin(p: { summary: string; name: string }, http: ListerHttp): Promise<ListedOriginInit> {
    const doc = parseHtml((await http.getText(p.summary, checkWholePage(p.summary))).text)
    if (selectOne(doc, 'table', (t) => hasClass(t, 'projects_list')) === null)
      throw new CorruptError(`${p.summary}: not a gitweb summary page`)
    const advertised = select(doc, 'tr', (r) => hasClass(r, 'metadata_url')).flatMap((tr) => {
      const tds = childrenNamed(tr, 'td')
      const text = tds.length > 0 ? textOf(tds[tds.length - 1]!).trim() : ''
      return text.split(/[\s,]+/).filter((u) => /^[a-z][a-z0-9+.-]*:\/\//i.test(u))
    })
    const url =
      this.#base !== undefined
        ? `${this.#base}/${p.name}`
        : (preferHttp(advertised) ?? `git://${new URL(this.url).host}/${p.name}`)
    const lchange = selectOne(doc, 'tr', (r) => attr(r, 'id') === 'metadata_lchange')
    const date = lchange && selectOne(lchange, 'span', (s) => hasClass(s, 'datetime'))
    const when = date ? Date.parse(textOf(date)) : NaN
    return { url, visitType: 'git', ...(Number.isNaN(when) ? {} : { lastUpdate: when }) }
  }
}
