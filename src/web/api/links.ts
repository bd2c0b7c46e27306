/**
 * API URLs of the objects an answer points to, and the JSON views with those URLs added.
 *
 * @module
 */

import type { Context } from 'hono'

import { type OriginVisit, type OriginVisitStatus, swhidString } from '../../model/index.js'
import type { DirectoryEntryInfo } from '../../storage/index.js'
import {
  contentJson,
  directoryEntryJson,
  type Json,
  releaseJson,
  revisionJson,
  visitJson,
} from '../../views/index.js'
import type { WebContext } from '../context.js'
import { baseUrl } from '../http.js'

/** API URL helpers for one request. */
export class Links {
  constructor(readonly base: string) {}
  api(path: string): string {
    return `${this.base}/api/1/${path}`
  }
  content(sha1Git: string): string {
    return this.api(`content/sha1_git:${sha1Git}/`)
  }
  directory(id: string): string {
    return this.api(`directory/${id}/`)
  }
  revision(id: string): string {
    return this.api(`revision/${id}/`)
  }
  release(id: string): string {
    return this.api(`release/${id}/`)
  }
  snapshot(id: string): string {
    return this.api(`snapshot/${id}/`)
  }
  object(type: string, id: string): string | null {
    switch (type) {
      case 'content':
      case 'cnt':
      case 'file':
        return this.content(id)
      case 'directory':
      case 'dir':
        return this.directory(id)
      case 'revision':
      case 'rev':
        return this.revision(id)
      case 'release':
      case 'rel':
        return this.release(id)
      case 'snapshot':
      case 'snp':
        return this.snapshot(id)
      default:
        return null
    }
  }
  origin(url: string, suffix: string): string {
    return this.api(`origin/${url}/${suffix}`)
  }
}

/** The links of the request `c`. */
export function links(c: Context, ctx: WebContext): Links {
  return new Links(baseUrl(c, ctx.config))
}

export function contentWithLinks(l: Links, c: Parameters<typeof contentJson>[0]): Json {
  return {
    ...contentJson(c),
    swhid: swhidString('cnt', c.sha1Git),
    data_url: l.api(`content/sha1_git:${c.sha1Git}/raw/`),
    filetype_url: l.api(`content/sha1_git:${c.sha1Git}/filetype/`),
    language_url: l.api(`content/sha1_git:${c.sha1Git}/language/`),
    license_url: l.api(`content/sha1_git:${c.sha1Git}/license/`),
  }
}

export function entryWithLinks(l: Links, e: DirectoryEntryInfo): Json {
  // Added to the view, not spread into a new object: listings make one per entry, and V8's
  // spread-then-add objects are several times slower to build.
  const j = directoryEntryJson(e)
  j['target_url'] = l.object(e.type, e.target)
  return j
}

export function revisionWithLinks(l: Links, r: Parameters<typeof revisionJson>[0]): Json {
  const j = revisionJson(r)
  return {
    ...j,
    directory_url: l.directory(r.directory),
    history_url: l.api(`revision/${r.id}/log/`),
    parents: r.parents.map((id) => ({ id, url: l.revision(id) })),
    url: l.revision(r.id),
  }
}

export function releaseWithLinks(l: Links, r: Parameters<typeof releaseJson>[0]): Json {
  return {
    ...releaseJson(r),
    target_url: r.target ? l.object(r.targetType, r.target) : null,
    url: l.release(r.id),
  }
}

/**
 * A visit with its links as Software Heritage gives them: in the list of an origin's visits,
 * `origin_visit_url` (the visit's own URL); on a visit's own page (`visit/latest/`,
 * `visit/<n>/`), `origin_url` (the origin's URL) instead.
 */
export function visitWithLinks(
  l: Links,
  v: OriginVisit,
  s: OriginVisitStatus | null,
  where: 'list' | 'single',
): Json {
  const j = visitJson(v, s)
  return {
    ...j,
    ...(where === 'list'
      ? { origin_visit_url: l.origin(v.origin, `visit/${v.visit}/`) }
      : { origin_url: l.origin(v.origin, 'get/') }),
    snapshot_url: s?.snapshot ? l.snapshot(s.snapshot) : null,
  }
}

export function originWithLinks(l: Links, url: string): Json {
  return {
    url,
    origin_visits_url: l.origin(url, 'visits/'),
    metadata_authorities_url: l.api(`raw-extrinsic-metadata/origin/${url}/authorities/`),
  }
}
