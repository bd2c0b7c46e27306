/**
 * GitLab (any instance): `GET /api/v4/projects` with keyset pagination ordered by id
 * (`pagination=keyset&order_by=id&sort=asc`), from the last id seen (`id_after`), the end told
 * by the absence of a `Link` rel="next". Each project's `http_url_to_repo` is listed as a git
 * origin with its `last_activity_at`, and `forked_from_project` when the answer has it.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import { type ListerHttp, nextLink } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

/** The lister of a GitLab instance (its base URL, e.g. `https://gitlab.com`). */
export class GitLabLister implements Lister {
  readonly type = 'gitlab'
  readonly url: string

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '')
  }

  initialState(): ListerState {
    return { lastSeenId: 0 }
  }

  resumeAfterComplete(done: ListerState): ListerState {
    return done
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const after = Number(state['lastSeenId'] ?? 0)
    const url =
      `${this.url}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=100` +
      `&id_after=${after}`
    const res = await http.getJson(url)
    if (!Array.isArray(res.body)) throw new CorruptError(`${url}: the answer is not a JSON array`)
    const origins: ListedOriginInit[] = []
    let last = after
    for (const project of res.body as unknown[]) {
      const p = project as {
        id?: unknown
        http_url_to_repo?: unknown
        last_activity_at?: unknown
        forked_from_project?: { http_url_to_repo?: unknown } | null
      }
      if (typeof p.id !== 'number' || typeof p.http_url_to_repo !== 'string')
        throw new CorruptError(`${url}: a project without a numeric id or an http_url_to_repo`)
      last = Math.max(last, p.id)
      const when = typeof p.last_activity_at === 'string' ? Date.parse(p.last_activity_at) : NaN
      const parent = p.forked_from_project?.http_url_to_repo
      origins.push({
        url: p.http_url_to_repo,
        visitType: 'git',
        ...(Number.isNaN(when) ? {} : { lastUpdate: when }),
        ...(typeof parent === 'string' ? { isFork: true, forkedFromUrl: parent } : {}),
      })
    }
    const more = origins.length > 0 && nextLink(res.header('link')) !== null
    return { origins, next: more ? { lastSeenId: last } : null }
  }
}
