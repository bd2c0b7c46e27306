/**
 * Provenance (docs/provenance.md): Software Heritage's `/provenance/whereis/<swhid>/` and
 * `/provenance/whereare/` (same methods, bodies and answers: a qualified SWHID string, or null,
 * per object; Software Heritage keeps them behind a special permission, Arca serves them to
 * everyone), and Arca's own `/provenance/first/`, `/provenance/{revisions,releases,origins}/`:
 * the first occurrence in detail and the paged full lists.
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, NotFoundError, TooLargeError } from '../../errors.js'
import {
  type CoreSwhid,
  formatSwhid,
  parseCoreSwhid,
  percentEncodePath,
} from '../../model/index.js'
import type { ProvenanceListKind, ProvenanceOccurrence } from '../../storage/index.js'
import type { Json } from '../../views/index.js'
import type { WebContext } from '../context.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { links, originWithLinks } from './links.js'
import { intParam } from './params.js'
import type { RouteDef } from './route.js'

/** Most SWHIDs one `/provenance/whereare/` request may ask about. */
export const MAX_WHEREARE = 1000

/** The qualified SWHID Software Heritage's `whereis` answers (origin, anchor, path). */
export function whereisSwhid(swhid: CoreSwhid, o: ProvenanceOccurrence | null): string | null {
  if (o === null) return null
  // Written out, without spreads: `whereare` makes up to 1000 of these a request.
  const qualifiers: { origin?: string; anchor?: CoreSwhid; path?: Uint8Array } = {}
  if (o.origin) qualifiers.origin = o.origin
  if (o.anchor) {
    qualifiers.anchor = o.anchor
    if (o.path !== null) {
      const path = new Uint8Array(o.path.length + 1)
      path[0] = 0x2f
      path.set(o.path, 1)
      qualifiers.path = path
    }
  }
  return formatSwhid({ type: swhid.type, id: swhid.id, qualifiers })
}

function swhidParam(c: Context): CoreSwhid {
  return parseCoreSwhid(decodeURIComponent(c.req.param('swhid') ?? ''))
}

async function whereis(c: Context, ctx: WebContext): Promise<Response> {
  const swhid = swhidParam(c)
  const [o] = await ctx.archive.storage.provenanceFirst([swhid])
  return respond(c, whereisSwhid(swhid, o ?? null))
}

function listRoute(kind: ProvenanceListKind, plural: string): RouteDef {
  return {
    method: 'GET',
    path: `/provenance/${plural}/:swhid/`,
    docPath: `/provenance/${plural}/{swhid}/`,
    summary: `The ${plural} containing a content or directory, paged (beyond Software Heritage)`,
    params: [
      { name: 'swhid', in: 'path', description: 'a content or directory SWHID', required: true },
      { name: 'per_page', in: 'query', description: 'page size (≤ 1000)', type: 'integer' },
      { name: 'page_token', in: 'query', description: 'from the Link header' },
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const swhid = swhidParam(c)
      if (swhid.type !== 'cnt' && swhid.type !== 'dir')
        throw new InvalidInputError(
          `Provenance lists are for contents and directories, not "${formatSwhid(swhid)}"`,
        )
      const perPage = intParam(c, 'per_page', 100, 1, 1000)
      const page = await ctx.archive.storage.provenanceList(swhid, kind, {
        limit: perPage,
        pageToken: c.req.query('page_token') ?? null,
      })
      if (!page) throw new NotFoundError(`No provenance recorded for ${formatSwhid(swhid)}`)
      const l = links(c, ctx)
      const out: Json[] = page.results.map((it) => {
        if (kind === 'origin') return originWithLinks(l, it.id)
        const type = kind === 'revision' ? 'rev' : 'rel'
        return {
          swhid: `swh:1:${type}:${it.id}`,
          ...(kind === 'release' ? { name: Buffer.from(it.name ?? []).toString('utf8') } : {}),
          date: it.date ? it.date.toISOString() : null,
          url: kind === 'revision' ? l.revision(it.id) : l.release(it.id),
        }
      })
      const next = page.nextPageToken
        ? withQuery(c, l.base, { page_token: page.nextPageToken, per_page: String(perPage) })
        : null
      const headers: Record<string, string> = {
        'X-Total-Count': String(page.total),
        'X-Truncated': String(page.truncated),
      }
      const link = linkHeader(next)
      if (link) headers['Link'] = link
      return respond(c, out, { headers })
    },
  }
}

/** The provenance routes. */
export const provenanceRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/provenance/whereis/swhid/:swhid/',
    docPath: '/provenance/whereis/swhid/{swhid}/',
    summary: 'Same as /provenance/whereis/{swhid}/',
    params: [{ name: 'swhid', in: 'path', description: 'a core SWHID', required: true }],
    scope: 'swh_api',
    handler: whereis,
  },
  {
    method: 'GET',
    path: '/provenance/whereis/:swhid/',
    docPath: '/provenance/whereis/{swhid}/',
    summary:
      'A qualified SWHID naming where an object occurs first: origin, earliest revision, path (public)',
    params: [{ name: 'swhid', in: 'path', description: 'a core SWHID', required: true }],
    scope: 'swh_api',
    handler: whereis,
  },
  {
    method: 'POST',
    path: '/provenance/whereare/',
    docPath: '/provenance/whereare/',
    summary: 'whereis for a JSON array of core SWHIDs (at most 1000): an array, null for unknown',
    body: 'a JSON array of core SWHIDs',
    scope: 'swh_api',
    handler: async (c, ctx) => {
      let list: unknown
      try {
        list = await c.req.json()
      } catch {
        list = null
      }
      if (!Array.isArray(list) || list.length === 0)
        throw new InvalidInputError('A list of core SWHIDS must be provided in POST data.')
      if (list.length > MAX_WHEREARE)
        throw new TooLargeError(`Too many SWHIDs (${list.length}): at most ${MAX_WHEREARE}`)
      const swhids = list.map((x) => {
        if (typeof x !== 'string')
          throw new InvalidInputError('Every item of the body must be a SWHID string')
        return parseCoreSwhid(x)
      })
      const found = await ctx.archive.storage.provenanceFirst(swhids)
      return respond(
        c,
        swhids.map((s, i) => whereisSwhid(s, found[i] ?? null)),
      )
    },
  },
  {
    method: 'GET',
    path: '/provenance/first/:swhid/',
    docPath: '/provenance/first/{swhid}/',
    summary: 'Where a content or directory occurs first, in detail (beyond Software Heritage)',
    params: [{ name: 'swhid', in: 'path', description: 'a core SWHID', required: true }],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const swhid = swhidParam(c)
      const [o] = await ctx.archive.storage.provenanceFirst([swhid])
      if (!o) throw new NotFoundError(`No provenance recorded for ${formatSwhid(swhid)}`)
      const l = links(c, ctx)
      return respond(c, {
        swhid: formatSwhid(swhid),
        qualified_swhid: whereisSwhid(swhid, o),
        origin: o.origin,
        // the anchor: a revision, or the release of a tarball or package (no revision)
        revision: o.anchor ? formatSwhid(o.anchor) : null,
        revision_url: o.anchor
          ? o.anchor.type === 'rel'
            ? l.release(o.anchor.id)
            : l.revision(o.anchor.id)
          : null,
        date: o.date ? o.date.toISOString() : null,
        path: o.path === null ? null : '/' + percentEncodePath(o.path),
        revisions_url: l.api(`provenance/revisions/${formatSwhid(swhid)}/`),
        releases_url: l.api(`provenance/releases/${formatSwhid(swhid)}/`),
        origins_url: l.api(`provenance/origins/${formatSwhid(swhid)}/`),
      })
    },
  },
  listRoute('revision', 'revisions'),
  listRoute('release', 'releases'),
  listRoute('origin', 'origins'),
]
