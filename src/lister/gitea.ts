/**
 * Gitea and Forgejo (any instance; Forgejo keeps Gitea's API): `GET /api/v1/repos/search`
 * with `limit=50` (the default maximum of both) and `page=N`, ordered by id
 * (`sort=id&order=asc`) so new repositories come last, the end told by the absence of a `Link`
 * rel="next". The answer is `{"ok": true, "data": [repository]}`; each repository's
 * `clone_url` is listed as a git origin with its `updated_at`, its `fork` flag and its
 * `parent`'s `clone_url` (the fields swh-lister's gitea lister reads, plus the fork ones).
 * Incremental: a later run starts one page before the last page seen.
 *
 * @module
 */

import { CorruptError, UnavailableError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { JsonPage } from './http.js'
import { forkFields, type JsonObject, lastUpdate, needString, PageNumberLister } from './paged.js'

/** Repositories a page asks for (Gitea's and Forgejo's default `MAX_RESPONSE_ITEMS`). */
export const GITEA_PAGE = 50

/** The lister of a Gitea instance (its base URL, e.g. `https://gitea.com`). */
export class GiteaLister extends PageNumberLister {
  readonly type: string = 'gitea'
  protected override readonly metadataFormat: string = 'gitea-repository-json'

  protected pageUrl(page: number): string {
    return `${this.url}/api/v1/repos/search?sort=id&order=asc&limit=${GITEA_PAGE}&page=${page}`
  }

  protected override items(res: JsonPage, url: string): readonly unknown[] {
    const body = res.body as { ok?: unknown; data?: unknown; message?: unknown } | null
    if (body?.ok === false)
      throw new UnavailableError(
        `${url}: the forge answers ok=false${typeof body.message === 'string' ? `: ${body.message}` : ''}`,
      )
    if (!Array.isArray(body?.data))
      throw new CorruptError(`${url}: the answer has no "data" array of repositories`)
    return body.data as unknown[]
  }

  protected origin(r: JsonObject, url: string): ListedOriginInit {
    const parent = r['parent'] as JsonObject | null | undefined
    return {
      url: needString(r, 'clone_url', url),
      visitType: 'git',
      ...lastUpdate(r['updated_at']),
      ...forkFields(r['fork'], parent?.['clone_url']),
    }
  }
}

/** The lister of a Forgejo instance (e.g. `https://codeberg.org`): Gitea's API. */
export class ForgejoLister extends GiteaLister {
  override readonly type = 'forgejo'
}
