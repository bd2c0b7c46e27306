/**
 * GitHub: `GET /repositories?since=ID` (100 repositories a page, ordered by id), the next page
 * named by the `Link` header; the state is the last id seen (`lastSeenId`, as swh-lister's
 * `last_seen_id`), so listings are incremental. Each repository's `html_url` is listed as a git
 * origin, with its `fork` flag.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import { type ListerHttp, nextLink } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** The lister of a GitHub instance (`https://api.github.com` by default). */
export class GitHubLister implements Lister {
  readonly type = 'github'
  readonly url: string

  constructor(url = 'https://api.github.com') {
    this.url = url.replace(/\/+$/, '')
  }

  initialState(): ListerState {
    return { lastSeenId: 0 }
  }

  resumeAfterComplete(done: ListerState): ListerState {
    return done
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const since = Number(state['lastSeenId'] ?? 0)
    const url = `${this.url}/repositories?since=${since}&per_page=100`
    const res = await http.getJson(url)
    if (!Array.isArray(res.body)) throw new CorruptError(`${url}: the answer is not a JSON array`)
    const origins: ListedOriginInit[] = []
    let last = since
    for (const repo of res.body as unknown[]) {
      const r = repo as { id?: unknown; html_url?: unknown; fork?: unknown }
      if (typeof r.id !== 'number' || typeof r.html_url !== 'string')
        throw new CorruptError(`${url}: a repository without a numeric id or an html_url`)
      last = Math.max(last, r.id)
      origins.push({
        url: r.html_url,
        visitType: 'git',
        ...(typeof r.fork === 'boolean' ? { isFork: r.fork } : {}),
      })
    }
    const more = origins.length > 0 && nextLink(res.header('link')) !== null
    return { origins, next: more ? { lastSeenId: last } : null }
  }
}
