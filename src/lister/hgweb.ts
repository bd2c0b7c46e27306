/**
 * hgweb (`hg serve --web-conf`, or hgweb.cgi): the repository index in hgweb's JSON style
 * (`?style=json`: `entries` of `name`, optional `url`, `lastchange` as `[unix time, offset]`,
 * `isdirectory` for a collection's sub-directory), as swh-lister reads it. A repository's URL
 * is its entry's `url`, else its `name` under the index page's URL; each is listed as an `hg`
 * origin with its last change. Directories are walked one index page each; the state holds the
 * directories still to read, so a stopped listing resumes with them. hgweb has no "changed
 * since": a run after a complete one lists everything again.
 *
 * An hgweb without the JSON style (older than Mercurial 3.4, or one whose `[web] templates`
 * directory has no `json`) answers `?style=json` with its index in its default HTML style
 * (unknown styles fall back to it): that answer is read instead, and the following pages ask
 * for the plain index (state `html: 1`). Every HTML style of Mercurial (paper, coal, gitweb,
 * monoblue, spartan) writes an index row as `<tr>` whose first cell links to the entry (`url`,
 * the text its `name`, a directory's ending in `/`) and whose `td.age` holds the last change as
 * an RFC 822 date, under column headers that sort by name (`?sort=name`), which tell an index
 * from any other page.
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
  parseHtml,
  resolveUrl,
  select,
  selectOne,
  textOf,
} from './html.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

interface HgwebEntry {
  readonly name?: unknown
  readonly url?: unknown
  readonly lastchange?: unknown
  readonly isdirectory?: unknown
}

/** `url` with `style=json` set in its query. */
function jsonUrl(url: string): string {
  const u = new URL(url)
  u.searchParams.set('style', 'json')
  return u.href
}

/** The lister of an hgweb instance (the URL of its index). */
export class HgwebLister implements Lister {
  readonly type = 'hgweb'
  readonly url: string

  constructor(url: string) {
    this.url = url.endsWith('/') ? url : `${url}/`
  }

  initialState(): ListerState {
    return { todo: JSON.stringify([this.url]), done: JSON.stringify([]) }
  }

  resumeAfterComplete(): ListerState {
    return this.initialState()
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const todo = parseList(state['todo'], 'todo')
    const done = parseList(state['done'], 'done')
    const dir = todo.shift()
    if (dir === undefined) return { origins: [], next: null }
    done.push(dir)
    let html = state['html'] === 1
    let entries: HgwebEntry[]
    if (html) {
      const doc = await http.getText(dir, checkWholePage(dir))
      entries = htmlEntries(dir, doc.text)
    } else {
      const api = jsonUrl(dir)
      const got = await http.getText(api, jsonOrWholePage(api), 'application/json')
      if (isHtml(got.text, got.header('content-type'))) {
        // no JSON style here: the index in the default HTML style
        html = true
        entries = htmlEntries(api, got.text)
      } else {
        const body = JSON.parse(got.text) as { entries?: unknown } | null
        if (body === null || typeof body !== 'object' || !Array.isArray(body.entries))
          throw new CorruptError(`${api}: not an hgweb index (no "entries")`)
        entries = body.entries as HgwebEntry[]
      }
    }
    const api = html ? dir : jsonUrl(dir)
    const origins: ListedOriginInit[] = []
    for (const e of entries) {
      if (typeof e?.name !== 'string' || e.name === '')
        throw new CorruptError(`${api}: an entry without a name`)
      const rel = typeof e.url === 'string' ? e.url : `${e.name.replace(/\/+$/, '')}/`
      const url = resolveUrl(typeof e.url === 'string' ? this.url : dir, rel)
      const isDir = typeof e.isdirectory === 'boolean' ? e.isdirectory : e.name.endsWith('/')
      if (isDir) {
        if (!done.includes(url) && !todo.includes(url)) todo.push(url)
        continue
      }
      const t = Array.isArray(e.lastchange) ? (e.lastchange[0] as unknown) : null
      origins.push({
        url,
        visitType: 'hg',
        ...(typeof t === 'number' && Number.isFinite(t) ? { lastUpdate: t * 1000 } : {}),
      })
    }
    const next = { todo: JSON.stringify(todo), done: JSON.stringify(done) }
    return { origins, next: todo.length === 0 ? null : html ? { ...next, html: 1 } : next }
  }
}

/** Whether an answer is an HTML page (by its type, else by its first tag). */
function isHtml(text: string, type: string | undefined): boolean {
  if (type !== undefined && /\bhtml\b/i.test(type)) return true
  return /^\s*</.test(text)
}

/**
 * The check of an answer to `?style=json`: JSON, or a whole HTML page (the fallback); a
 * malformed or truncated answer is retried, then reported.
 */
function jsonOrWholePage(url: string): (text: string) => void {
  const whole = checkWholePage(url)
  return (text) => {
    if (/^\s*</.test(text)) return whole(text)
    try {
      JSON.parse(text)
    } catch {
      throw new CorruptError(`${url}: malformed JSON answer`)
    }
  }
}

/**
 * The entries of an hgweb index page in an HTML style: rows whose first cell links to the
 * entry and with a `td.age` (header rows have neither). URLs are absolute, without the query
 * hgweb may add (its session variables).
 */
function htmlEntries(url: string, text: string): HgwebEntry[] {
  const doc = parseHtml(text)
  // every style's index sorts by name with a `?sort=name` (or `-name`) link; other pages do not
  const sortable = select(doc, 'a', (a) => /[?&;]sort=-?name$/.test(attr(a, 'href') ?? ''))
  if (sortable.length === 0)
    throw new CorruptError(`${url}: not an hgweb index (neither JSON nor an HTML index)`)
  const out: HgwebEntry[] = []
  for (const tr of select(doc, 'tr')) {
    const tds = childrenNamed(tr, 'td')
    const age = tds.find((td) => hasClass(td, 'age'))
    const a = tds[0] && selectOne(tds[0], 'a', (e) => attr(e, 'href') !== null)
    if (!age || !a) continue
    const u = new URL(resolveUrl(url, attr(a, 'href')!))
    u.search = ''
    const name = textOf(a).trim()
    const when = Date.parse(textOf(age).trim())
    out.push({
      name,
      url: u.href,
      isdirectory: name.endsWith('/'),
      ...(Number.isNaN(when) ? {} : { lastchange: [when / 1000, 0] }),
    })
  }
  return out
}

function parseList(v: string | number | null | undefined, what: string): string[] {
  try {
    const list = JSON.parse(String(v ?? '[]')) as unknown
    if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list
  } catch {
    // reported below
  }
  throw new CorruptError(`hgweb lister state: "${what}" is not a list of URLs`)
}
