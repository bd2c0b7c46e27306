/**
 * Bitbucket Cloud: `GET /2.0/repositories?pagelen=100&after=DATE` (public repositories ordered
 * by creation, those created after DATE), the answer `{"values": [...], "next": URL}`, the end
 * told by the absence of `next`; the state is the `after` of the `next` link (as swh-lister's
 * bitbucket lister keeps the last creation date), so listings are incremental. A `fields`
 * filter asks only for what is used: each repository's https clone link (its userinfo dropped)
 * is listed with its `scm` as visit type (`git`, `hg`), its `updated_on`, and its `parent`
 * (a fork's origin: the parent's https clone link, or its page URL with `.git` for git);
 * private repositories are not listed.
 *
 * @module
 */

import { CorruptError } from '../errors.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { JsonPage } from './http.js'
import type { ListerState } from './interface.js'
import {
  type JsonObject,
  lastUpdate,
  PagedJsonLister,
  type PageRequest,
  withoutUserinfo,
} from './paged.js'

/** Where a first listing starts: repositories created after this date. */
const EPOCH = '1970-01-01T00:00:00+00:00'
const FIELDS = [
  'next',
  'values.scm',
  'values.full_name',
  'values.is_private',
  'values.links.clone',
  'values.updated_on',
  'values.created_on',
  'values.parent.full_name',
  'values.parent.links.clone',
  'values.parent.links.html',
].join(',')

type Links = { clone?: { name?: unknown; href?: unknown }[]; html?: { href?: unknown } } | undefined

/** The https (else http) clone link of `links`, without userinfo. */
function cloneUrl(links: Links): string | undefined {
  const clone = Array.isArray(links?.clone) ? links.clone : []
  for (const name of ['https', 'http']) {
    const l = clone.find((c) => c?.name === name && typeof c.href === 'string')
    if (l) return withoutUserinfo(l.href as string)
  }
  return undefined
}

/** The lister of Bitbucket Cloud (its API base, `https://api.bitbucket.org` by default). */
export class BitbucketLister extends PagedJsonLister {
  readonly type = 'bitbucket'

  constructor(url = 'https://api.bitbucket.org') {
    super(url)
  }

  initialState(): ListerState {
    return { after: EPOCH }
  }

  protected request(state: ListerState): PageRequest {
    const after = encodeURIComponent(String(state['after'] ?? EPOCH))
    return {
      url: `${this.url}/2.0/repositories?pagelen=100&after=${after}&fields=${encodeURIComponent(FIELDS)}`,
    }
  }

  protected override items(res: JsonPage, url: string): readonly unknown[] {
    const values = (res.body as { values?: unknown } | null)?.values
    if (!Array.isArray(values))
      throw new CorruptError(`${url}: the answer has no "values" array of repositories`)
    return values as unknown[]
  }

  protected origin(r: JsonObject, url: string): ListedOriginInit | null {
    if (r['is_private'] === true) return null
    const scm = r['scm']
    if (scm !== 'git' && scm !== 'hg')
      throw new CorruptError(`${url}: a repository whose "scm" is not git or hg`)
    const origin = cloneUrl(r['links'] as Links)
    if (origin === undefined)
      throw new CorruptError(`${url}: a repository without an https clone link`)
    const parent = r['parent'] as { links?: Links } | null | undefined
    let parentUrl: string | undefined
    if (parent) {
      const page = parent.links?.html?.href
      parentUrl =
        cloneUrl(parent.links) ??
        (typeof page === 'string' ? withoutUserinfo(page) + (scm === 'git' ? '.git' : '') : '')
    }
    return {
      url: origin,
      visitType: scm,
      ...lastUpdate(r['updated_on']),
      ...(parent ? { isFork: true, ...(parentUrl ? { forkedFromUrl: parentUrl } : {}) } : {}),
    }
  }

  protected next(
    _state: ListerState,
    items: readonly JsonObject[],
    res: JsonPage,
  ): ListerState | null {
    const next = (res.body as { next?: unknown }).next
    if (typeof next !== 'string' || items.length === 0) return null
    let after: string | null = null
    try {
      after = new URL(next).searchParams.get('after')
    } catch {
      throw new CorruptError(`${this.url}: a "next" that is not a URL`)
    }
    const created = items[items.length - 1]!['created_on']
    after ??= typeof created === 'string' ? created : null
    if (after === null) throw new CorruptError(`${this.url}: a "next" link without "after"`)
    return { after }
  }
}
