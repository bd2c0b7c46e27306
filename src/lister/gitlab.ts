/**
 * GitLab (any instance): `GET /api/v4/projects` with keyset pagination ordered by id
 * (`pagination=keyset&order_by=id&sort=asc`), from the last id seen (`id_after`), the end told
 * by the absence of a `Link` rel="next". Each project's `http_url_to_repo` is listed as a git
 * origin with its `last_activity_at`, and `forked_from_project` when the answer has it.
 *
 * @module
 */

import type { ListedOriginInit } from '../scheduler/index.js'
import { forkFields, IdKeysetLister, type JsonObject, lastUpdate, needString } from './paged.js'

/** The lister of a GitLab instance (its base URL, e.g. `https://gitlab.com`). */
export class GitLabLister extends IdKeysetLister {
  readonly type = 'gitlab'
  protected override readonly metadataFormat = 'gitlab-project-json'

  protected pageUrl(after: number): string {
    return (
      `${this.url}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=100` +
      `&id_after=${after}`
    )
  }

  protected origin(p: JsonObject, url: string): ListedOriginInit {
    const parent = p['forked_from_project'] as JsonObject | null | undefined
    return {
      url: needString(p, 'http_url_to_repo', url),
      visitType: 'git',
      ...lastUpdate(p['last_activity_at']),
      ...forkFields(undefined, parent?.['http_url_to_repo']),
    }
  }
}
