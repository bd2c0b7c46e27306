/**
 * The npm registry, in one of two documented listings, chosen by the URL:
 *
 * - a URL ending in `/_changes` (`https://replicate.npmjs.com/_changes`, Software Heritage's
 *   default): the CouchDB changes feed of the registry's replication API,
 *   `GET …/_changes?limit=N&since=SEQ`, answering `{results: [{seq, id, deleted?}], last_seq}`;
 *   paged and incremental by sequence number (a later run asks from the last `seq` seen);
 *   deleted packages are skipped;
 * - any other URL (a registry's base URL, e.g. a Verdaccio): the registry search API,
 *   `GET …/-/v1/search?text=&size=N&from=K`, answering `{objects: [{package: {name, date}}]}`
 *   (Verdaccio gives `time.modified` instead of `date`); paged by offset, the end told by a
 *   short page. Search has no change cursor, so every run lists everything (known origins
 *   are only seen again).
 *
 * Each package is listed as `https://www.npmjs.com/package/<name>` with visit type `npm`, as
 * Software Heritage lists them.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** The origin of npm package `name`. */
export const npmOrigin = (name: string): string => `https://www.npmjs.com/package/${name}`

const CHANGES_PAGE = 10_000
const SEARCH_PAGE = 250

const when = (v: unknown): number | undefined => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN
  return Number.isNaN(t) ? undefined : t
}

/** The lister of an npm registry (its `_changes` URL, or its base URL). */
export class NpmLister implements Lister {
  readonly type = 'npm'
  readonly url: string
  readonly #changes: boolean
  readonly #pageSize: number

  /** `pageSize`: changes or search results per page (default 10,000 and 250, the APIs' caps). */
  constructor(url: string, pageSize?: number) {
    this.url = url.replace(/\/+$/, '')
    this.#changes = /\/_changes$/.test(this.url)
    this.#pageSize = pageSize ?? (this.#changes ? CHANGES_PAGE : SEARCH_PAGE)
  }

  initialState(): ListerState {
    return this.#changes ? { since: '0' } : { from: 0 }
  }

  resumeAfterComplete(done: ListerState): ListerState {
    return this.#changes ? done : this.initialState()
  }

  page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    return this.#changes ? this.#changesPage(state, http) : this.#searchPage(state, http)
  }

  async #changesPage(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const since = String(state['since'] ?? '0')
    const url = `${this.url}?limit=${this.#pageSize}&since=${encodeURIComponent(since)}`
    const res = await http.getJson(url)
    const results = (res.body as { results?: unknown } | null)?.results
    if (!Array.isArray(results)) throw new CorruptError(`${url}: the answer has no results array`)
    const origins: ListedOriginInit[] = []
    let last: string | null = null
    for (const r of results as unknown[]) {
      const c = r as { seq?: unknown; id?: unknown; deleted?: unknown }
      if (typeof c.id !== 'string' || (typeof c.seq !== 'number' && typeof c.seq !== 'string'))
        throw new CorruptError(`${url}: a change without an id or a seq`)
      last = String(c.seq)
      if (c.deleted === true || c.id.startsWith('_design/')) continue
      origins.push({ url: npmOrigin(c.id), visitType: 'npm' })
    }
    const full = results.length >= this.#pageSize && last !== null
    // after a complete run the next one starts from the last page's cursor (incremental)
    return { origins, next: full ? { since: last } : null }
  }

  async #searchPage(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const from = Number(state['from'] ?? 0)
    const url = `${this.url}/-/v1/search?text=&size=${this.#pageSize}&from=${from}`
    const res = await http.getJson(url)
    const objects = (res.body as { objects?: unknown } | null)?.objects
    if (!Array.isArray(objects)) throw new CorruptError(`${url}: the answer has no objects array`)
    const origins: ListedOriginInit[] = []
    for (const o of objects as unknown[]) {
      const p = (
        o as { package?: { name?: unknown; date?: unknown; time?: { modified?: unknown } } }
      ).package
      if (!p || typeof p.name !== 'string')
        throw new CorruptError(`${url}: a search result without a package name`)
      const t = when(p.date) ?? when(p.time?.modified)
      origins.push({ url: npmOrigin(p.name), visitType: 'npm', ...(t ? { lastUpdate: t } : {}) })
    }
    const more = objects.length >= this.#pageSize
    return { origins, next: more ? { from: from + objects.length } : null }
  }
}
