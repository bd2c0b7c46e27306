/**
 * The `/api/1` routes: one table drives both the router and the OpenAPI document, so the
 * documentation cannot drift from what is served. Handlers parse input, call the storage and
 * the JSON views, and serialize; nothing else.
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, NotFoundError, TooLargeError } from '../../errors.js'
import { isSha1Hex, utf8 } from '../../model/bytes.js'
import {
  directoryObjectManifest,
  releaseObjectManifest,
  revisionObjectManifest,
  snapshotManifest,
} from '../../model/manifest.js'
import type { ExtId, OriginVisit, OriginVisitStatus } from '../../model/objects.js'
import {
  type CoreSwhid,
  type CoreType,
  formatSwhid,
  parseCoreSwhid,
  parseQualifiedSwhid,
  percentEncodePath,
  swhidString,
} from '../../model/swhid.js'
import type { ContentHashName, DirectoryEntryInfo } from '../../storage/interface.js'
import { missingIds } from '../../storage/missing.js'
import {
  branchesJson,
  contentJson,
  directoryEntryJson,
  type Json,
  releaseJson,
  revisionJson,
  visitJson,
} from '../../views/json.js'
import type { WebContext } from '../context.js'
import { baseUrl, linkHeader, respond, withQuery } from '../http.js'

/** A documented parameter. */
export interface ParamDoc {
  readonly name: string
  readonly in: 'path' | 'query'
  readonly description: string
  readonly type?: 'string' | 'integer' | 'boolean'
  readonly required?: boolean
}

/** One route of the API. */
export interface RouteDef {
  readonly method: 'GET' | 'POST'
  /** Hono path below `/api/1` (with a trailing slash). */
  readonly path: string
  /** OpenAPI path (with `{params}`). */
  readonly docPath: string
  readonly summary: string
  readonly params?: readonly ParamDoc[]
  readonly body?: string
  /** Rate-limit scope. */
  readonly scope: string
  /** Content type of a successful answer (default JSON). */
  readonly produces?: string
  readonly handler: (c: Context, ctx: WebContext) => Promise<Response>
}

const SWHID_TYPE_NAMES: Readonly<Record<CoreType, string>> = {
  cnt: 'content',
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
}

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

function links(c: Context, ctx: WebContext): Links {
  return new Links(baseUrl(c, ctx.config))
}

function sha1Param(c: Context, name: string): string {
  const v = c.req.param(name) ?? ''
  if (!isSha1Hex(v))
    throw new InvalidInputError(`Invalid ${name} "${v}": expected 40 lowercase hexadecimal digits`)
  return v
}

const HASH_LENGTHS: Readonly<Record<ContentHashName, number>> = {
  sha1: 40,
  sha1_git: 40,
  sha256: 64,
  blake2s256: 64,
}

/** `[hash_type:]hash` of the content routes. */
export function parseHashQuery(q: string): { algo: ContentHashName; hash: string } {
  const colon = q.indexOf(':')
  const algo = (colon < 0 ? 'sha1' : q.slice(0, colon)) as ContentHashName
  const hash = (colon < 0 ? q : q.slice(colon + 1)).toLowerCase()
  const len = HASH_LENGTHS[algo]
  if (len === undefined)
    throw new InvalidInputError(
      `Unknown hash algorithm "${algo}": use sha1, sha1_git, sha256 or blake2s256`,
    )
  if (hash.length !== len || !/^[0-9a-f]+$/.test(hash)) {
    throw new InvalidInputError(
      `Invalid ${algo} checksum "${hash}": expected ${len} hexadecimal digits`,
    )
  }
  return { algo, hash }
}

async function findContent(ctx: WebContext, q: string) {
  const { algo, hash } = parseHashQuery(q)
  const [content] = await ctx.archive.storage.contentGet([hash], algo)
  if (!content)
    throw new NotFoundError(`Content with ${algo} checksum equals to ${hash} not found!`)
  return content
}

function contentWithLinks(l: Links, c: Parameters<typeof contentJson>[0]): Json {
  return {
    ...contentJson(c),
    swhid: swhidString('cnt', c.sha1Git),
    data_url: l.api(`content/sha1_git:${c.sha1Git}/raw/`),
    filetype_url: l.api(`content/sha1_git:${c.sha1Git}/filetype/`),
    language_url: l.api(`content/sha1_git:${c.sha1Git}/language/`),
    license_url: l.api(`content/sha1_git:${c.sha1Git}/license/`),
  }
}

function entryWithLinks(l: Links, e: DirectoryEntryInfo): Json {
  return { ...directoryEntryJson(e), target_url: l.object(e.type, e.target) }
}

function revisionWithLinks(l: Links, r: Parameters<typeof revisionJson>[0]): Json {
  const j = revisionJson(r)
  return {
    ...j,
    directory_url: l.directory(r.directory),
    history_url: l.api(`revision/${r.id}/log/`),
    parents: r.parents.map((id) => ({ id, url: l.revision(id) })),
    url: l.revision(r.id),
  }
}

function releaseWithLinks(l: Links, r: Parameters<typeof releaseJson>[0]): Json {
  return {
    ...releaseJson(r),
    target_url: r.target ? l.object(r.targetType, r.target) : null,
    url: l.release(r.id),
  }
}

function visitWithLinks(l: Links, v: OriginVisit, s: OriginVisitStatus | null): Json {
  const j = visitJson(v, s)
  return {
    ...j,
    origin_visit_url: l.origin(v.origin, `visit/${v.visit}/`),
    snapshot_url: s?.snapshot ? l.snapshot(s.snapshot) : null,
  }
}

function originWithLinks(l: Links, url: string): Json {
  return {
    url,
    origin_visits_url: l.origin(url, 'visits/'),
    metadata_authorities_url: l.api(`raw-extrinsic-metadata/origin/${url}/authorities/`),
  }
}

function intParam(c: Context, name: string, def: number, min: number, max: number): number {
  const v = c.req.query(name)
  if (v === undefined || v === '') return def
  if (!/^\d{1,9}$/.test(v))
    throw new InvalidInputError(`Invalid ${name} "${v}": expected a non-negative integer`)
  return Math.min(max, Math.max(min, Number(v)))
}

function boolParam(c: Context, name: string): boolean {
  const v = (c.req.query(name) ?? '').toLowerCase()
  return v === 'true' || v === '1' || v === 'yes' || v === 'on'
}

/** The origin URL embedded raw in a path (`https:/x` fixed back to `https://x`). */
function originFromPath(raw: string): string {
  let url = raw
  try {
    url = decodeURIComponent(raw)
  } catch {
    // Keep the raw text: the URL is data.
  }
  return url.replace(/^([a-z][a-z0-9+.-]*):\/(?!\/)/i, '$1://')
}

/** The origin must exist (and not be masked: the masking layer refuses it). */
async function requireOrigin(ctx: WebContext, url: string): Promise<void> {
  const [o] = await ctx.archive.storage.originGet([url])
  if (!o) throw new NotFoundError(`Origin with url ${url} not found!`)
}

async function latestStatus(ctx: WebContext, v: OriginVisit): Promise<OriginVisitStatus | null> {
  return ctx.archive.storage.originVisitStatusGetLatest(v.origin, v.visit)
}

// ---------------------------------------------------------------------------------------------
// Origin sub-routes (the origin URL is embedded raw, slashes included).

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
    for (const v of page.results) out.push(visitWithLinks(l, v, await latestStatus(ctx, v)))
    const next = page.nextPageToken
      ? withQuery(c, l.base, { last_visit: page.nextPageToken, per_page: String(perPage) })
      : null
    const link = linkHeader(next)
    return respond(c, out, link ? { headers: { Link: link } } : {})
  }
  if ((m = /^(.+)\/visit\/latest\/?$/.exec(rest))) {
    const url = originFromPath(m[1]!)
    await requireOrigin(ctx, url)
    const type = c.req.query('visit_type')
    const latest = await s.originVisitGetLatest(url, {
      ...(type ? { type } : {}),
      requireSnapshot: boolParam(c, 'require_snapshot'),
    })
    if (!latest) throw new NotFoundError(`No visit for origin ${url} found`)
    return respond(c, visitWithLinks(l, latest.visit, latest.status))
  }
  if ((m = /^(.+)\/visit\/([^/]+)\/?$/.exec(rest))) {
    const url = originFromPath(m[1]!)
    if (!/^\d{1,12}$/.test(m[2]!)) throw new InvalidInputError(`Invalid visit id "${m[2]}"`)
    await requireOrigin(ctx, url)
    const v = await s.originVisitGetByNumber(url, Number(m[2]))
    if (!v) throw new NotFoundError(`Visit ${m[2]} of origin ${url} not found`)
    return respond(c, visitWithLinks(l, v, await latestStatus(ctx, v)))
  }
  throw new NotFoundError(`No API route for origin path "${rest}"`)
}

// ---------------------------------------------------------------------------------------------
// Routes

const hashParam: ParamDoc = {
  name: 'q',
  in: 'path',
  description: '[hash_type:]hash, hash_type one of sha1 (default), sha1_git, sha256, blake2s256',
  required: true,
}
const sha1GitParam = (name: string, what: string): ParamDoc => ({
  name,
  in: 'path',
  description: `${what} identifier (sha1_git, 40 hex digits)`,
  required: true,
})
const originParam: ParamDoc = {
  name: 'origin_url',
  in: 'path',
  description: 'origin URL, embedded raw (slashes included)',
  required: true,
}

/** Every route of `/api/1`. */
export function apiRoutes(): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/resolve/:swhid/',
      docPath: '/resolve/{swhid}/',
      summary: 'Resolve a SWHID (with qualifiers) to its object and a browse URL',
      params: [
        { name: 'swhid', in: 'path', description: 'a SWHID, qualifiers allowed', required: true },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const text = decodeURIComponent(c.req.param('swhid') ?? '')
        const q = parseQualifiedSwhid(text)
        // Refuses masked objects (403) as reading them would.
        const found = await ctx.archive.storage.objectExists({ type: q.type, id: q.id })
        if (!found) throw new NotFoundError(`Object ${swhidString(q.type, q.id)} not found`)
        const l = links(c, ctx)
        const qs = q.qualifiers
        const metadata: Json = {}
        if (qs.origin) metadata['origin'] = qs.origin
        if (qs.visit) metadata['visit'] = formatSwhid(qs.visit)
        if (qs.anchor) metadata['anchor'] = formatSwhid(qs.anchor)
        if (qs.path !== undefined) metadata['path'] = percentEncodePath(qs.path)
        if (qs.lines)
          metadata['lines'] =
            qs.lines[1] === null ? `${qs.lines[0]}` : `${qs.lines[0]}-${qs.lines[1]}`
        return respond(c, {
          browse_url: `${l.base}/${formatSwhid(q)}/`,
          metadata,
          namespace: 'swh',
          object_id: q.id,
          object_type: SWHID_TYPE_NAMES[q.type],
          scheme_version: 1,
        })
      },
    },
    {
      method: 'POST',
      path: '/known/',
      docPath: '/known/',
      summary: 'Which of the given core SWHIDs the archive holds (at most 1000)',
      body: 'a JSON array of core SWHIDs',
      scope: 'swh_api',
      handler: async (c, ctx) => {
        let list: unknown
        try {
          list = await c.req.json()
        } catch {
          throw new InvalidInputError('The request body must be a JSON array of SWHIDs')
        }
        if (!Array.isArray(list))
          throw new InvalidInputError('The request body must be a JSON array of SWHIDs')
        if (list.length > 1000)
          throw new TooLargeError(`Too many SWHIDs (${list.length}): at most 1000 per request`)
        const parsed: CoreSwhid[] = list.map((x) => {
          if (typeof x !== 'string')
            throw new InvalidInputError('Every item of the body must be a SWHID string')
          return parseCoreSwhid(x)
        })
        const s = ctx.archive.storage
        const byType = new Map<CoreType, string[]>()
        for (const p of parsed) byType.set(p.type, [...(byType.get(p.type) ?? []), p.id])
        const missing = new Set<string>()
        for (const [type, ids] of byType) {
          for (const id of await missingIds(s, type, ids)) missing.add(`${type}:${id}`)
        }
        const out: Record<string, { known: boolean }> = {}
        for (const p of parsed) out[formatSwhid(p)] = { known: !missing.has(`${p.type}:${p.id}`) }
        return respond(c, out)
      },
    },
    {
      method: 'GET',
      path: '/content/:q/',
      docPath: '/content/{q}/',
      summary: 'Metadata of a content, found by any of its hashes',
      params: [hashParam],
      scope: 'swh_api',
      handler: async (c, ctx) =>
        respond(c, contentWithLinks(links(c, ctx), await findContent(ctx, c.req.param('q') ?? ''))),
    },
    {
      method: 'GET',
      path: '/content/:q/raw/',
      docPath: '/content/{q}/raw/',
      summary: 'The raw bytes of a content (streamed)',
      params: [
        hashParam,
        {
          name: 'filename',
          in: 'query',
          description: 'sets Content-Disposition to an attachment with this name',
        },
      ],
      scope: 'swh_api',
      produces: 'application/octet-stream',
      handler: async (c, ctx) => {
        const content = await findContent(ctx, c.req.param('q') ?? '')
        const headers: Record<string, string> = {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(content.length),
        }
        const filename = c.req.query('filename')
        if (filename)
          headers['Content-Disposition'] =
            `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`
        return new Response(
          c.req.method === 'HEAD' ? null : streamOf(ctx.archive.objstorage.get(content.sha1Git)),
          { headers },
        )
      },
    },
    ...(['filetype', 'language', 'license'] as const).map((kind): RouteDef => ({
      method: 'GET',
      path: `/content/:q/${kind}/`,
      docPath: `/content/{q}/${kind}/`,
      summary: `Indexed ${kind} of a content (this node runs no indexer: 404 when not indexed)`,
      params: [hashParam],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const content = await findContent(ctx, c.req.param('q') ?? '')
        throw new NotFoundError(
          `No ${kind} information found for content sha1_git:${content.sha1Git}`,
        )
      },
    })),
    {
      method: 'GET',
      path: '/directory/:id/',
      docPath: '/directory/{id}/',
      summary: 'Entries of a directory',
      params: [sha1GitParam('id', 'directory')],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const id = sha1Param(c, 'id')
        const entries = await ctx.archive.storage.directoryLs(id)
        if (!entries) throw new NotFoundError(`Directory with sha1_git ${id} not found`)
        const l = links(c, ctx)
        return respond(
          c,
          entries.map((e) => entryWithLinks(l, e)),
        )
      },
    },
    {
      method: 'GET',
      path: '/directory/:id/:path{.+}',
      docPath: '/directory/{id}/{path}/',
      summary: 'One entry of a directory, by path',
      params: [
        sha1GitParam('id', 'directory'),
        { name: 'path', in: 'path', description: 'path below the directory', required: true },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const id = sha1Param(c, 'id')
        const parts = pathParts(c.req.param('path') ?? '')
        const entry = await ctx.archive.storage.directoryEntryGetByPath(id, parts)
        if (!entry)
          throw new NotFoundError(
            `Entry with path ${c.req.param('path')} relative to directory with sha1_git ${id} not found.`,
          )
        return respond(c, entryWithLinks(links(c, ctx), entry))
      },
    },
    {
      method: 'GET',
      path: '/revision/:id/',
      docPath: '/revision/{id}/',
      summary: 'A revision (commit)',
      params: [sha1GitParam('id', 'revision')],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const id = sha1Param(c, 'id')
        const [r] = await ctx.archive.storage.revisionGet([id])
        if (!r) throw new NotFoundError(`Revision with sha1_git ${id} not found.`)
        return respond(c, revisionWithLinks(links(c, ctx), r))
      },
    },
    {
      method: 'GET',
      path: '/revision/:id/log/',
      docPath: '/revision/{id}/log/',
      summary: 'Revisions reachable from a revision, breadth first',
      params: [
        sha1GitParam('id', 'revision'),
        {
          name: 'limit',
          in: 'query',
          type: 'integer',
          description: 'at most this many (default 10, max 1000)',
        },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const id = sha1Param(c, 'id')
        const limit = intParam(c, 'limit', 10, 1, 1000)
        if ((await ctx.archive.storage.revisionMissing([id])).length > 0)
          throw new NotFoundError(`Revision with sha1_git ${id} not found.`)
        const l = links(c, ctx)
        const out: Json[] = []
        for await (const r of ctx.archive.storage.revisionLog([id], { limit }))
          out.push(revisionWithLinks(l, r))
        return respond(c, out)
      },
    },
    {
      method: 'GET',
      path: '/revision/:id/directory/',
      docPath: '/revision/{id}/directory/',
      summary: 'The root directory of a revision',
      params: [sha1GitParam('id', 'revision')],
      scope: 'swh_api',
      handler: async (c, ctx) => revisionDirectory(c, ctx, []),
    },
    {
      method: 'GET',
      path: '/revision/:id/directory/:path{.+}',
      docPath: '/revision/{id}/directory/{path}/',
      summary: 'A directory or file below the root directory of a revision',
      params: [
        sha1GitParam('id', 'revision'),
        { name: 'path', in: 'path', description: 'path below the root directory', required: true },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => revisionDirectory(c, ctx, pathParts(c.req.param('path') ?? '')),
    },
    {
      method: 'GET',
      path: '/release/:id/',
      docPath: '/release/{id}/',
      summary: 'A release (annotated tag)',
      params: [sha1GitParam('id', 'release')],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const id = sha1Param(c, 'id')
        const [r] = await ctx.archive.storage.releaseGet([id])
        if (!r) throw new NotFoundError(`Release with sha1_git ${id} not found.`)
        return respond(c, releaseWithLinks(links(c, ctx), r))
      },
    },
    {
      method: 'GET',
      path: '/snapshot/:id/',
      docPath: '/snapshot/{id}/',
      summary: 'Branches of a snapshot, paged (Link header to the next page)',
      params: [
        sha1GitParam('id', 'snapshot'),
        { name: 'branches_from', in: 'query', description: 'first branch name to return' },
        {
          name: 'branches_count',
          in: 'query',
          type: 'integer',
          description: 'branches per page (default 1000, max 10000)',
        },
        {
          name: 'target_types',
          in: 'query',
          description: 'comma list of content, directory, revision, release, snapshot, alias',
        },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const id = sha1Param(c, 'id')
        const count = intParam(c, 'branches_count', 1000, 1, 10_000)
        const from = c.req.query('branches_from')
        const types = c.req.query('target_types')
        const allowed = ['content', 'directory', 'revision', 'release', 'snapshot', 'alias']
        const targetTypes = types
          ? types
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : undefined
        for (const t of targetTypes ?? [])
          if (!allowed.includes(t)) throw new InvalidInputError(`Invalid target type "${t}"`)
        const page = await ctx.archive.storage.snapshotGetBranches(id, {
          branchesCount: count,
          ...(from ? { branchesFrom: utf8(from) } : {}),
          ...(targetTypes ? { targetTypes } : {}),
        })
        if (!page) throw new NotFoundError(`Snapshot with id ${id} not found!`)
        const l = links(c, ctx)
        const branches = branchesJson(page) as Record<string, Json | null>
        for (const [name, b] of Object.entries(branches)) {
          if (b)
            branches[name] = {
              ...b,
              target_url:
                b['target_type'] === 'alias'
                  ? null
                  : l.object(String(b['target_type']), String(b['target'])),
            }
        }
        const nextBranch = page.nextBranch ? Buffer.from(page.nextBranch).toString('utf8') : null
        const next = nextBranch ? withQuery(c, l.base, { branches_from: nextBranch }) : null
        const link = linkHeader(next)
        return respond(
          c,
          { branches, id, next_branch: nextBranch },
          link ? { headers: { Link: link } } : {},
        )
      },
    },
    {
      method: 'GET',
      path: '/raw/:swhid/',
      docPath: '/raw/{swhid}/',
      summary: 'The manifest bytes an object hashes to (contents: their bytes)',
      params: [{ name: 'swhid', in: 'path', description: 'a core SWHID', required: true }],
      scope: 'swh_raw_object',
      produces: 'application/octet-stream',
      handler: async (c, ctx) => {
        const swhid = parseCoreSwhid(decodeURIComponent(c.req.param('swhid') ?? ''))
        const s = ctx.archive.storage
        const headers = { 'Content-Type': 'application/octet-stream' }
        const missing = (): never => {
          throw new NotFoundError(`Object ${formatSwhid(swhid)} not found`)
        }
        const strip = (m: Uint8Array): Uint8Array => m.subarray(m.indexOf(0) + 1)
        switch (swhid.type) {
          case 'cnt': {
            const [cnt] = await s.contentGet([swhid.id])
            if (!cnt) missing()
            return new Response(streamOf(ctx.archive.objstorage.get(swhid.id)), { headers })
          }
          case 'dir': {
            const [d] = await s.directoryGet([swhid.id])
            return new Response(new Uint8Array(d ? strip(directoryObjectManifest(d)) : missing()), {
              headers,
            })
          }
          case 'rev': {
            const [r] = await s.revisionGet([swhid.id])
            return new Response(new Uint8Array(r ? strip(revisionObjectManifest(r)) : missing()), {
              headers,
            })
          }
          case 'rel': {
            const [r] = await s.releaseGet([swhid.id])
            return new Response(new Uint8Array(r ? strip(releaseObjectManifest(r)) : missing()), {
              headers,
            })
          }
          case 'snp': {
            const [snp] = await s.snapshotGet([swhid.id])
            return new Response(
              new Uint8Array(snp ? strip(snapshotManifest(snp.branches)) : missing()),
              {
                headers,
              },
            )
          }
        }
      },
    },
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
        const page = await ctx.archive.storage.originList({
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
      summary: 'Origins whose URL contains a pattern (Link paging, X-Total-Count)',
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
          description: 'only origins with at least one visit',
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
        const opts = {
          withVisit: boolParam(c, 'with_visit'),
          regexp: boolParam(c, 'use_regexp'),
          ...(visitType ? { visitTypes: [visitType] } : {}),
        }
        const s = ctx.archive.storage
        const [page, total] = await Promise.all([
          s.originSearch(pattern, { ...opts, limit, pageToken: c.req.query('page_token') ?? null }),
          s.originSearchCount(pattern, opts),
        ])
        const l = links(c, ctx)
        const out: Json[] = []
        for (const r of page.results) {
          const latest = r.hasVisits ? await s.originVisitGetLatest(r.url) : null
          const withSnp = r.hasVisits
            ? await s.originVisitGetLatest(r.url, { requireSnapshot: true })
            : null
          out.push({
            ...originWithLinks(l, r.url),
            visit_types: r.visitTypes,
            has_visits: r.hasVisits,
            last_visit_date: latest
              ? latest.status.date.toISOString().replace('Z', '+00:00')
              : null,
            snapshot_id: withSnp?.status.snapshot ?? null,
          })
        }
        const next = page.nextPageToken
          ? withQuery(c, l.base, { page_token: page.nextPageToken })
          : null
        const headers: Record<string, string> = { 'X-Total-Count': String(total) }
        const link = linkHeader(next)
        if (link) headers['Link'] = link
        return respond(c, out, { headers })
      },
    },
    {
      method: 'GET',
      path: '/origin/*',
      docPath: '/origin/{origin_url}/get/',
      summary: 'An origin and its visit types',
      params: [originParam],
      scope: 'swh_api',
      handler: originRoute,
    },
    {
      method: 'GET',
      path: '/raw-extrinsic-metadata/origin/*',
      docPath: '/raw-extrinsic-metadata/origin/{origin_url}/authorities/',
      summary: 'Metadata authorities of an origin (this node stores no extrinsic metadata yet)',
      params: [originParam],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const path = new URL(c.req.url).pathname
        const m = /\/raw-extrinsic-metadata\/origin\/(.+)\/authorities\/?$/.exec(path)
        if (!m) throw new NotFoundError('Unknown metadata route')
        await requireOrigin(ctx, originFromPath(m[1]!))
        return respond(c, [])
      },
    },
    {
      method: 'GET',
      path: '/stat/counters/',
      docPath: '/stat/counters/',
      summary: 'Object counters of the archive',
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const k = await ctx.archive.storage.statCounters()
        return respond(c, {
          content: k.content,
          directory: k.directory,
          origin: k.origin,
          origin_visit: k.origin_visit,
          person: null,
          release: k.release,
          revision: k.revision,
          skipped_content: k.skipped_content,
          snapshot: k.snapshot,
        })
      },
    },
    {
      method: 'GET',
      path: '/ping/',
      docPath: '/ping/',
      summary: 'Liveness check: "pong"',
      scope: 'swh_api',
      handler: (c) => Promise.resolve(respond(c, 'pong')),
    },
    {
      method: 'GET',
      path: '/extid/target/:swhid/',
      docPath: '/extid/target/{swhid}/',
      summary: 'External identifiers mapped to an object',
      params: [
        { name: 'swhid', in: 'path', description: 'a core SWHID', required: true },
        { name: 'extid_type', in: 'query', description: 'only this type' },
        { name: 'extid_version', in: 'query', type: 'integer', description: 'only this version' },
        { name: 'extid_format', in: 'query', description: 'hex (default), base64url or raw' },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const target = parseCoreSwhid(decodeURIComponent(c.req.param('swhid') ?? ''))
        const type = c.req.query('extid_type')
        const version = c.req.query('extid_version')
        const list = await ctx.archive.storage.extidGetFromTarget(target, {
          ...(type ? { extidType: type } : {}),
          ...(version ? { version: intParam(c, 'extid_version', 0, 0, 1e9) } : {}),
        })
        const l = links(c, ctx)
        return respond(
          c,
          list.map((e) => extidJson(l, e, c.req.query('extid_format') ?? 'hex')),
        )
      },
    },
    {
      method: 'GET',
      path: '/extid/:type/:extid/',
      docPath: '/extid/{extid_type}/{format}:{extid}/',
      summary: 'The object an external identifier maps to',
      params: [
        {
          name: 'extid_type',
          in: 'path',
          description: 'hg-nodeid, bzr-nodeid, checksum-sha256, …',
          required: true,
        },
        {
          name: 'extid',
          in: 'path',
          description: 'format:value with format hex, base64url or raw',
          required: true,
        },
        {
          name: 'extid_version',
          in: 'query',
          type: 'integer',
          description: 'version of the mapping (default 0)',
        },
      ],
      scope: 'swh_api',
      handler: async (c, ctx) => {
        const type = decodeURIComponent(c.req.param('type') ?? '')
        const raw = decodeURIComponent(c.req.param('extid') ?? '')
        const colon = raw.indexOf(':')
        if (colon < 0) throw new InvalidInputError(`Invalid extid "${raw}": expected format:value`)
        const format = raw.slice(0, colon)
        const value = raw.slice(colon + 1)
        const bytes = decodeExtid(format, value)
        const version = intParam(c, 'extid_version', 0, 0, 1e9)
        const [e] = await ctx.archive.storage.extidGetFromExtid(type, [bytes], { version })
        if (!e) throw new NotFoundError(`ExtID of type ${type} and value ${value} not found`)
        return respond(c, extidJson(links(c, ctx), e, format))
      },
    },
  ]
}

function decodeExtid(format: string, value: string): Uint8Array {
  if (format === 'hex') {
    if (!/^([0-9a-fA-F]{2})*$/.test(value))
      throw new InvalidInputError(`Invalid hex extid "${value}"`)
    return Buffer.from(value, 'hex')
  }
  if (format === 'base64url') return Buffer.from(value, 'base64url')
  if (format === 'raw') return utf8(value)
  throw new InvalidInputError(`Invalid extid format "${format}": use hex, base64url or raw`)
}

function extidJson(l: Links, e: ExtId, format: string): Json {
  const value =
    format === 'base64url'
      ? Buffer.from(e.extid).toString('base64url')
      : format === 'raw'
        ? Buffer.from(e.extid).toString('utf8')
        : Buffer.from(e.extid).toString('hex')
  return {
    extid: value,
    extid_type: e.extidType,
    extid_version: e.extidVersion,
    target: formatSwhid(e.target),
    target_url: l.object(e.target.type, e.target.id),
  }
}

function pathParts(path: string): Uint8Array[] {
  return path
    .split('/')
    .filter((p) => p.length > 0)
    .map((p) => {
      try {
        return Buffer.from(decodeURIComponent(p), 'utf8')
      } catch {
        throw new InvalidInputError(`Invalid path component "${p}"`)
      }
    })
}

async function revisionDirectory(
  c: Context,
  ctx: WebContext,
  parts: Uint8Array[],
): Promise<Response> {
  const id = sha1Param(c, 'id')
  const s = ctx.archive.storage
  const [rev] = await s.revisionGet([id])
  if (!rev) throw new NotFoundError(`Revision with sha1_git ${id} not found.`)
  const l = links(c, ctx)
  const pathText = parts.map((p) => Buffer.from(p).toString('utf8')).join('/')
  if (parts.length === 0) {
    const entries = (await s.directoryLs(rev.directory)) ?? []
    return respond(c, {
      content: entries.map((e) => entryWithLinks(l, e)),
      path: '.',
      revision: id,
      type: 'dir',
    })
  }
  const entry = await s.directoryEntryGetByPath(rev.directory, parts)
  if (!entry)
    throw new NotFoundError(
      `Directory or File '${pathText}' pointed to by revision ${id} not found`,
    )
  if (entry.type === 'dir') {
    const entries = (await s.directoryLs(entry.target)) ?? []
    return respond(c, {
      content: entries.map((e) => entryWithLinks(l, e)),
      path: pathText,
      revision: id,
      type: 'dir',
    })
  }
  if (entry.type === 'file') {
    const [content] = await s.contentGet([entry.target])
    return respond(c, {
      content: content
        ? { ...contentWithLinks(l, content), perms: entry.perms }
        : entryWithLinks(l, entry),
      path: pathText,
      revision: id,
      type: 'file',
    })
  }
  return respond(c, {
    content: entryWithLinks(l, entry),
    path: pathText,
    revision: id,
    type: 'rev',
  })
}

/** A web stream pulling from an async iterable (backpressure: one chunk per pull). */
export function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await it.next()
        if (r.done === true) controller.close()
        else controller.enqueue(r.value)
      } catch (e) {
        controller.error(e)
      }
    },
    async cancel() {
      await it.return?.()
    },
  })
}
