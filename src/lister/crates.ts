/**
 * crates.io (or a registry serving its Web API): `GET <url>/api/v1/crates?per_page=100&
 * sort=recent-updates`, answering `{crates: [{name, updated_at}], meta: {total, next_page}}`,
 * the pages followed by `meta.next_page` (a query string, `?page=2…` or `?seek=…`). Each
 * crate is listed as `https://crates.io/crates/<name>` with visit type `crates`, as Software
 * Heritage lists them (its lister reads the database dump; the Web API lists the same crates
 * with their update dates, page by page). Incremental: newest updates first, so a later run
 * stops at the first crate not updated since the newest update the last complete run saw.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

const FIRST = '?per_page=100&sort=recent-updates'

/** The lister of a crates registry (its base URL, e.g. `https://crates.io`). */
export class CratesLister implements Lister {
  readonly type = 'crates'
  readonly url: string

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '')
  }

  /** The origin of crate `name`. */
  origin(name: string): string {
    return new URL(this.url).host === 'crates.io'
      ? `https://crates.io/crates/${name}`
      : `${this.url}/crates/${name}`
  }

  initialState(): ListerState {
    return { query: FIRST, until: 0, newest: 0 }
  }

  resumeAfterComplete(done: ListerState): ListerState {
    const newest = Number(done['newest'] ?? 0)
    return { query: FIRST, until: newest, newest }
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    // a last, empty page closes the run with the newest update seen (see resumeAfterComplete)
    if (state['query'] === null) return { origins: [], next: null }
    const query = String(state['query'] ?? FIRST)
    const until = Number(state['until'] ?? 0)
    let newest = Number(state['newest'] ?? 0)
    const url = `${this.url}/api/v1/crates${query.startsWith('?') ? query : `?${query}`}`
    const res = await http.getJson(url)
    const body = res.body as { crates?: unknown; meta?: { next_page?: unknown } } | null
    if (!Array.isArray(body?.crates))
      throw new CorruptError(`${url}: the answer has no crates array`)
    const origins: ListedOriginInit[] = []
    let reached = false
    for (const c of body.crates as unknown[]) {
      const crate = c as { name?: unknown; updated_at?: unknown }
      if (typeof crate.name !== 'string' || crate.name === '')
        throw new CorruptError(`${url}: a crate without a name`)
      const t = typeof crate.updated_at === 'string' ? Date.parse(crate.updated_at) : NaN
      if (!Number.isNaN(t)) {
        if (t <= until) {
          reached = true
          break
        }
        newest = Math.max(newest, t)
      }
      origins.push({
        url: this.origin(crate.name),
        visitType: 'crates',
        ...(Number.isNaN(t) ? {} : { lastUpdate: t }),
      })
    }
    const next = body.meta?.next_page
    const more = !reached && typeof next === 'string' && next !== '' && body.crates.length > 0
    return { origins, next: { query: more ? next : null, until, newest } }
  }
}
