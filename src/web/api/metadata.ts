/**
 * `/raw-extrinsic-metadata/…` (docs/metadata.md): the extrinsic metadata of an object or an
 * origin (a forge's repository JSON recorded by the listers, …), in Software Heritage's shapes.
 * A listing gives each record's fields and a `metadata_url` to its bytes, paged by
 * `Link: <…>; rel="next"`; the bytes come as an `application/octet-stream` attachment; an
 * origin's authorities are those of its `swh:1:ori:` SWHID (a redirect, as SWH does). Every
 * read goes through the masking storage: metadata on a masked target is refused (403).
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import {
  type CoreSwhid,
  decodeUtf8,
  type ExtendedSwhid,
  formatSwhid,
  isoformatUtc,
  latin1,
  type MetadataAuthority,
  originId,
  parseExtendedSwhid,
  type RawExtrinsicMetadata,
  swhidString,
} from '../../model/index.js'
import type { Json } from '../../views/index.js'
import type { WebContext } from '../context.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { links } from './links.js'
import { intParam, originFromPath } from './params.js'
import type { RouteDef } from './route.js'

const AUTHORITY_TYPES = ['deposit_client', 'forge', 'registry'] as const

/** `type IRI` (the `authority` query parameter) as an authority, or a 400 naming the fault. */
export function parseAuthority(raw: string | undefined): MetadataAuthority {
  if (raw === undefined || raw.trim() === '')
    throw new InvalidInputError("The 'authority' query parameter is required.")
  const s = raw.trim()
  const space = s.indexOf(' ')
  if (space < 0)
    throw new InvalidInputError("The 'authority' query parameter must contain a space.")
  const type = s.slice(0, space)
  if (!(AUTHORITY_TYPES as readonly string[]).includes(type))
    throw new InvalidInputError(
      `Invalid type ${type}, must be one of: ${AUTHORITY_TYPES.join(', ')}`,
    )
  return { type: type as MetadataAuthority['type'], url: s.slice(space + 1) }
}

function targetParam(c: Context): ExtendedSwhid {
  const raw = decodeURIComponent(c.req.param('target') ?? '')
  try {
    return parseExtendedSwhid(raw)
  } catch (e) {
    throw new InvalidInputError(
      `Invalid target SWHID: ${e instanceof Error ? e.message : String(e)}`,
    )
  }
}

function afterParam(c: Context): Date | null {
  const raw = c.req.query('after')
  if (raw === undefined || raw === '') return null
  // ISO 8601 with a time; one without a zone is UTC (as Django's DateTimeField reads it)
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(raw))
    throw new InvalidInputError(`Invalid 'after' date "${raw}": ISO 8601 expected`)
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(raw) || raw.length === 10 ? raw : `${raw}Z`
  const d = new Date(zoned.replace(' ', 'T'))
  if (Number.isNaN(d.getTime()))
    throw new InvalidInputError(`Invalid 'after' date "${raw}": ISO 8601 expected`)
  return d
}

/** The attachment name of a target's metadata, as swh-web names it. */
async function fileName(ctx: WebContext, target: ExtendedSwhid): Promise<string> {
  if (target.type === 'ori') {
    const [o] = await ctx.archive.storage.originGetBySha1([target.id])
    if (o) return `${o.url.replace(/[:/_.]+/g, '_')}_metadata`
  }
  return `${formatSwhid(target)}_metadata`
}

/** One record as swh-web lists it (no id, no bytes; non-core targets left out). */
export function metadataJson(m: RawExtrinsicMetadata, metadataUrl: string): Json {
  const out: Record<string, unknown> = {}
  if (m.target.type !== 'ori' && m.target.type !== 'emd') out['target'] = formatSwhid(m.target)
  out['discovery_date'] = isoformatUtc(m.discoveryDate)
  out['authority'] = { type: m.authority.type, url: m.authority.url }
  out['fetcher'] = { name: m.fetcher.name, version: m.fetcher.version }
  out['format'] = m.format
  if (m.origin !== null) out['origin'] = m.origin
  if (m.visit !== null) out['visit'] = m.visit
  const core = (k: string, v: CoreSwhid | null): void => {
    if (v !== null) out[k] = formatSwhid(v)
  }
  core('snapshot', m.snapshot)
  core('release', m.release)
  core('revision', m.revision)
  core('directory', m.directory)
  if (m.path !== null) out['path'] = decodeUtf8(m.path) ?? latin1(m.path)
  out['metadata_url'] = metadataUrl
  return out
}

/** The raw extrinsic metadata routes. */
export const metadataRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/raw-extrinsic-metadata/swhid/:target/',
    docPath: '/raw-extrinsic-metadata/swhid/{target}/',
    summary: 'Raw extrinsic metadata on an object from one authority (Link paging)',
    params: [
      { name: 'target', in: 'path', description: 'the SWHID of the object', required: true },
      {
        name: 'authority',
        in: 'query',
        description: 'the authority, as "<type> <IRI>"',
        required: true,
      },
      { name: 'after', in: 'query', description: 'only metadata discovered after (ISO 8601)' },
      { name: 'limit', in: 'query', type: 'integer', description: 'page size (default 100)' },
      { name: 'page_token', in: 'query', description: 'opaque token from the previous page' },
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const target = targetParam(c)
      const authority = parseAuthority(c.req.query('authority'))
      const after = afterParam(c)
      const limit = intParam(c, 'limit', 100, 1, 10000)
      const token = c.req.query('page_token')
      let pageToken: string | null = null
      if (token) pageToken = Buffer.from(token, 'base64url').toString('utf8')
      const page = await ctx.archive.storage.rawExtrinsicMetadataGet(target, authority, {
        after,
        limit,
        pageToken,
      })
      const l = links(c, ctx)
      const name = await fileName(ctx, target)
      const out = page.results.map((m) =>
        metadataJson(
          m,
          l.api(`raw-extrinsic-metadata/get/${m.id}/?filename=${encodeURIComponent(name)}`),
        ),
      )
      const next = page.nextPageToken
        ? withQuery(c, l.base, {
            page_token: Buffer.from(page.nextPageToken, 'utf8').toString('base64url'),
          })
        : null
      const link = linkHeader(next)
      return respond(c, out, link ? { headers: { Link: link } } : {})
    },
  },
  {
    method: 'GET',
    path: '/raw-extrinsic-metadata/get/:id/',
    docPath: '/raw-extrinsic-metadata/get/{id}/',
    summary: 'The bytes of one raw extrinsic metadata record (an attachment)',
    params: [
      { name: 'id', in: 'path', description: 'the record id (hex)', required: true },
      { name: 'filename', in: 'query', description: 'the attachment name' },
    ],
    scope: 'swh_api',
    produces: 'application/octet-stream',
    handler: async (c, ctx) => {
      const id = c.req.param('id') ?? ''
      if (!/^[0-9a-f]{40}$/.test(id))
        throw new NotFoundError(
          'Metadata not found. Use /raw-extrinsic-metadata/swhid/ to access metadata.',
        )
      const [m] = await ctx.archive.storage.rawExtrinsicMetadataGetByIds([id])
      if (!m)
        throw new NotFoundError(
          'Metadata not found. Use /raw-extrinsic-metadata/swhid/ to access metadata.',
        )
      const filename = c.req.query('filename')
      const disposition =
        filename && /^[a-zA-Z0-9:._-]+$/.test(filename)
          ? `attachment; filename="${filename}"`
          : 'attachment'
      return c.body(Buffer.from(m.metadata), 200, {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': disposition,
      })
    },
  },
  {
    method: 'GET',
    path: '/raw-extrinsic-metadata/swhid/:target/authorities/',
    docPath: '/raw-extrinsic-metadata/swhid/{target}/authorities/',
    summary: 'The authorities that gave metadata on an object',
    params: [
      { name: 'target', in: 'path', description: 'the SWHID of the object', required: true },
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const target = targetParam(c)
      const list = await ctx.archive.storage.rawExtrinsicMetadataGetAuthorities(target)
      const l = links(c, ctx)
      const swhid = formatSwhid(target)
      return respond(
        c,
        list.map((a) => ({
          type: a.type,
          url: a.url,
          metadata_list_url: l.api(
            `raw-extrinsic-metadata/swhid/${swhid}/?authority=${encodeURIComponent(`${a.type} ${a.url}`)}`,
          ),
        })),
      )
    },
  },
  {
    method: 'GET',
    path: '/raw-extrinsic-metadata/origin/*',
    docPath: '/raw-extrinsic-metadata/origin/{origin_url}/authorities/',
    summary: "An origin's metadata authorities (a redirect to its swh:1:ori: SWHID's)",
    params: [{ name: 'origin_url', in: 'path', description: 'the origin URL', required: true }],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const path = new URL(c.req.url).pathname
      const m = /\/raw-extrinsic-metadata\/origin\/(.+)\/authorities\/?$/.exec(path)
      if (!m) throw new NotFoundError('Unknown metadata route')
      const id = originId(originFromPath(m[1] as string))
      // a masked origin is refused here already (the masking storage checks its SWHID)
      await ctx.archive.storage.rawExtrinsicMetadataGetAuthorities({ type: 'ori', id })
      const swhid = swhidString('ori', id)
      return c.redirect(
        links(c, ctx).api(`raw-extrinsic-metadata/swhid/${swhid}/authorities/`),
        302,
      )
    },
  },
]
