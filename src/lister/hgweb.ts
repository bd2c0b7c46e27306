/**
 * hgweb (`hg serve --web-conf`, or hgweb.cgi): the repository index in hgweb's JSON style
 * (`?style=json`: `entries` of `name`, optional `url`, `lastchange` as `[unix time, offset]`,
 * `isdirectory` for a collection's sub-directory), as swh-lister reads it. A repository's URL
 * is its entry's `url`, else its `name` under the index page's URL; each is listed as an `hg`
 * origin with its last change. Directories are walked one index page each; the state holds the
 * directories still to read, so a stopped listing resumes with them. hgweb has no "changed
 * since": a run after a complete one lists everything again.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import { resolveUrl } from './html.js'
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
    const api = jsonUrl(dir)
    const body = (await http.getJson(api)).body as { entries?: unknown } | null
    if (body === null || typeof body !== 'object' || !Array.isArray(body.entries))
      throw new CorruptError(`${api}: not an hgweb index (no "entries")`)
    const origins: ListedOriginInit[] = []
    for (const e of body.entries as HgwebEntry[]) {
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
    return {
      origins,
      next: todo.length === 0 ? null : { todo: JSON.stringify(todo), done: JSON.stringify(done) },
    }
  }
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
