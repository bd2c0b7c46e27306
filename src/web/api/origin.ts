/**
 * `/origins/`, `/origin/…` (search, an origin, its visits) and the metadata authorities of an
 * origin. The origin URL is embedded raw in the path, slashes included.
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { isoformatUtc, type OriginVisit, type OriginVisitStatus } from '../../model/index.js'
import type { Json } from '../../views/index.js'
import type { WebContext } from '../context.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { searchPageAndTotal, searchTotalHeaders } from '../search-total.js'
import { forksRoute } from './forks.js'
import { links, originWithLinks, visitWithLinks } from './links.js'
import { boolParam, intParam, originFromPath, originParam } from './params.js'
import type { ParamDoc, RouteDef } from './route.js'

/** The origin must exist (and not be masked: the masking layer refuses it). */
async function requireOrigin(ctx: WebContext, url: string): Promise<void> {
  const [o] = await ctx.archive.storage.originGet([url])
  if (!o) throw new NotFoundError(`Origin with url ${url} not found!`)
}

async function latestStatus(ctx: WebContext, v: OriginVisit): Promise<OriginVisitStatus | null> {
  return ctx.archive.storage.originVisitStatusGetLatest(v.origin, v.visit)
}

/** `/origin/<url>/get/`, `…/visits/`, `…/visit/latest/` and `…/visit/<n>/`. */
async function originRoute(c: Context, ctx: WebContext): Promise<Response> {
  const path = new URL(c.req.url).pathname
  const rest = path.slice(path.indexOf('/api/1/origin/') + '/api/1/origin/'.length)
  const l = links(c, ctx)
  const s = ctx.archive.storage
  let m: RegExpExecArray | null
  if ((m = /^(.+)\/get\/?$/.exec(rest))) {
    const url = originFromPath(m[1]!)
    await requireOrigin(ctx, url)
    const types = new Set<string>()
    let token: string | null = null
    do {
      const page = await s.originVisitGet(url, { limit: 1000, pageToken: token })
      page.results.forEach((v) => types.add(v.type))
      token = page.nextPageToken
    } while (token)
    return respond(c, { ...originWithLinks(l, url), visit_types: [...types].sort() })
  }
  if ((m = /^(.+)\/visits\/?$/.exec(rest))) {
    const url = originFromPath(m[1]!)
    await requireOrigin(ctx, url)
    const perPage = intParam(c, 'per_page', 10, 1, 50)
    const lastVisit = c.req.query('last_visit')
    if (lastVisit !== undefined && !/^\d{1,12}$/.test(lastVisit))
      throw new InvalidInputError(`Invalid last_visit "${lastVisit}"`)
    // Most recent first, as Software Heritage lists them; last_visit pages to older visits.
    const page = await s.originVisitGet(url, {
      order: 'desc',
      limit: perPage,
      pageToken: lastVisit ?? null,
    })
    const out: Json[] = []
    for (const v of page.results) out.push(visitWithLinks(l, v, await latestStatus(ctx, v), 'list'))
    const next = page.nextPageToken
      ? withQuery(c, l.base, { last_visit: page.nextPageToken, per_page: String(perPage) })
      : null
    const link = linkHeader(next)
    return respond(c, out, link ? { headers: { Link: link } } : {})
  }
  if ((m = /^(.+)\/forks\/?$/.exec(rest))) return forksRoute(c, ctx, originFromPath(m[1]!))
  if ((m = /^(.+)\/visit\/latest\/?$/.exec(rest))) {
    const url = originFromPath(m[1]!)
    await requireOrigin(ctx, url)
    const type = c.req.query('visit_type')
    const latest = await s.originVisitGetLatest(url, {
      ...(type ? { type } : {}),
      requireSnapshot: boolParam(c, 'require_snapshot'),
    })
    if (!latest) throw new NotFoundError(`No visit for origin ${url} found`)
    return respond(c, visitWithLinks(l, latest.visit, latest.status, 'single'))
  }
  if ((m = /^(.+)\/visit\/([^/]+)\/?$/.exec(rest))) {
    const url = originFromPath(m[1]!)
    if (!/^\d{1,12}$/.test(m[2]!)) throw new InvalidInputError(`Invalid visit id "${m[2]}"`)
    await requireOrigin(ctx, url)
    const v = await s.originVisitGetByNumber(url, Number(m[2]))
    if (!v) throw new NotFoundError(`Visit ${m[2]} of origin ${url} not found`)
    return respond(c, visitWithLinks(l, v, await latestStatus(ctx, v), 'single'))
  }
  throw new NotFoundError(`No API route for origin path "${rest}"`)
}

const visitsParams: readonly ParamDoc[] = [
  {
    name: 'per_page',
    in: 'query',
    type: 'integer',
    description: 'visits per page (default 10, max 50)',
  },
  {
    name: 'last_visit',
    in: 'query',
    type: 'integer',
    description: 'list the visits before this one',
  },
]
const latestParams: readonly ParamDoc[] = [
  { name: 'visit_type', in: 'query', description: 'only visits of this type (git, hg, …)' },
  {
    name: 'require_snapshot',
    in: 'query',
    type: 'boolean',
    description: 'only visits that recorded a snapshot',
  },
]
const forksParams: readonly ParamDoc[] = [
  { name: 'per_page', in: 'query', type: 'integer', description: 'forks per page (max 100)' },
  { name: 'page_token', in: 'query', description: 'opaque token from the previous page' },
]
const visitIdParam: ParamDoc = {
  name: 'visit_id',
  in: 'path',
  type: 'integer',
  description: 'visit number',
  required: true,
}

/** The origin routes. */
export const originRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/origins/',
    docPath: '/origins/',
    summary: 'Every origin, paged (Link header)',
    params: [
      {
        name: 'origin_count',
        in: 'query',
        type: 'integer',
        description: 'origins per page (default 100, max 10000)',
      },
      { name: 'page_token', in: 'query', description: 'opaque token from the previous page' },
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const count = intParam(c, 'origin_count', 100, 1, 10_000)
      // Only visited origins, as Software Heritage lists them (the URLs of submodules that the
      // loader records are origins to visit, not archived projects yet).
      const page = await ctx.archive.storage.originList({
        withVisit: true,
        limit: count,
        pageToken: c.req.query('page_token') ?? null,
      })
      const l = links(c, ctx)
      const next = page.nextPageToken
        ? withQuery(c, l.base, { page_token: page.nextPageToken })
        : null
      const link = linkHeader(next)
      return respond(
        c,
        page.results.map((o) => originWithLinks(l, o.url)),
        link ? { headers: { Link: link } } : {},
      )
    },
  },
  {
    method: 'GET',
    path: '/origin/search/:pattern/',
    docPath: '/origin/search/{pattern}/',
    summary:
      'Origins whose URL contains every word of a pattern (Link paging; X-Total-Count exact up to 1,000, X-Total-Count-Relation)',
    params: [
      {
        name: 'pattern',
        in: 'path',
        description: 'substring (or regular expression with use_regexp=true)',
        required: true,
      },
      {
        name: 'limit',
        in: 'query',
        type: 'integer',
        description: 'results per page (default 50, max 1000)',
      },
      {
        name: 'with_visit',
        in: 'query',
        type: 'boolean',
        description: 'accepted for compatibility: every origin listed has a visit',
      },
      {
        name: 'visit_type',
        in: 'query',
        description: 'only origins visited with this type (git, hg, …)',
      },
      {
        name: 'use_regexp',
        in: 'query',
        type: 'boolean',
        description: 'treat the pattern as a regular expression',
      },
      { name: 'page_token', in: 'query', description: 'opaque token from the previous page' },
    ],
    scope: 'swh_api_origin_search',
    handler: async (c, ctx) => {
      const pattern = decodeURIComponent(c.req.param('pattern') ?? '')
      const limit = intParam(c, 'limit', 50, 1, 1000)
      const visitType = c.req.query('visit_type')
      // Every origin listed has a visit (as in Software Heritage): `with_visit` changes nothing.
      const opts = {
        withVisit: true,
        regexp: boolParam(c, 'use_regexp'),
        ...(visitType ? { visitTypes: [visitType] } : {}),
      }
      const s = ctx.archive.storage
      const { page, total } = await searchPageAndTotal(s, pattern, opts, {
        limit,
        pageToken: c.req.query('page_token') ?? null,
      })
      const l = links(c, ctx)
      const out: Json[] = []
      // The latest visit and snapshot of every result come with the page (batch queries).
      for (const r of page.results) {
        const latest = r.latestStatus ?? null
        out.push({
          ...originWithLinks(l, r.url),
          visit_types: r.visitTypes,
          has_visits: r.hasVisits,
          last_visit_date: latest ? isoformatUtc(latest.date, latest.dateExtraMicros) : null,
          snapshot_id: r.latestSnapshot ?? null,
        })
      }
      const next = page.nextPageToken
        ? withQuery(c, l.base, { page_token: page.nextPageToken })
        : null
      const headers = searchTotalHeaders(total)
      const link = linkHeader(next)
      if (link) headers['Link'] = link
      return respond(c, out, { headers })
    },
  },
  // One route per resource below an origin (not a `/origin/*` wildcard), so that a path that
  // is none of them, such as `/origin/no-such-thing/`, is 404 under every
  // method rather than 405 with an `Allow: GET` whose GET is 404.
  ...(
    [
      ['get/', 'An origin and its visit types', []],
      ['visits/', 'The visits of an origin, most recent first (Link paging)', visitsParams],
      ['visit/latest/', 'The latest visit of an origin', latestParams],
      ['forks/', 'Origins sharing a root revision, with ahead/behind (beyond SWH)', forksParams],
      ['visit/{visit_id}/', 'One visit of an origin', [visitIdParam]],
    ] as const
  ).map(([tail, summary, params]): RouteDef => ({
    method: 'GET',
    path: `/origin/:origin_url{.+}/${tail.replace('{visit_id}', ':visit_id')}`,
    docPath: `/origin/{origin_url}/${tail}`,
    summary,
    params: [originParam, ...params],
    scope: tail === 'visit/latest/' ? 'swh_api_origin_visit_latest' : 'swh_api',
    handler: originRoute,
  })),
]
