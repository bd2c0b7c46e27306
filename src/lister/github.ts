/**
 * GitHub: `GET /repositories?since=ID` (100 repositories a page, ordered by id), the next page
 * named by the `Link` header; the state is the last id seen (`lastSeenId`, as swh-lister's
 * `last_seen_id`), so listings are incremental. Each repository's `html_url` is listed as a git
 * origin, with its `fork` flag.
 *
 * @module
 */

import type { ListedOriginInit } from '../scheduler/index.js'
import { forkFields, IdKeysetLister, type JsonObject, needString } from './paged.js'

/** The lister of a GitHub instance (`https://api.github.com` by default). */
export class GitHubLister extends IdKeysetLister {
  readonly type = 'github'
  protected override readonly metadataFormat = 'application/vnd.github.v3+json'

  constructor(url = 'https://api.github.com') {
    super(url)
  }

  protected pageUrl(after: number): string {
    return `${this.url}/repositories?since=${after}&per_page=100`
  }

  protected origin(r: JsonObject, url: string): ListedOriginInit {
    return { url: needString(r, 'html_url', url), visitType: 'git', ...forkFields(r['fork'], null) }
  }
}
