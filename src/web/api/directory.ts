/**
 * `/directory/…`: a directory's entries, and one entry by path.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import type { Context } from 'hono'

import { NotFoundError } from '../../errors.js'
import type { DirectoryEntryInfo } from '../../storage/index.js'
import type { WebContext } from '../context.js'
import { negotiate, respond } from '../http.js'
import { entryWithLinks, links } from './links.js'
import { pathParts, sha1GitParam, sha1Param } from './params.js'
import type { RouteDef } from './route.js'

/** A rendered listing: its links' base URL, JSON body and entity tag. */
interface Rendered {
  readonly base: string
  readonly body: Uint8Array<ArrayBuffer>
  readonly etag: string
}

/**
 * JSON bodies of the listings storage gives again (its kept listings, frozen and shared; see
 * `storage/sql/listing-cache.ts`), with the base URL of their links. Keyed by the listing
 * itself: a body lives as long as storage keeps its listing, and a listing storage gives anew
 * (the directory's contents changed) is rendered anew. Masking is checked by storage before
 * any listing, kept or not, is given.
 */
const RENDERED = new WeakMap<readonly DirectoryEntryInfo[], Rendered>()

/** Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110 13.1.2). */
function noneMatch(header: string, etag: string): boolean {
  return header.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag.replace(/^W\//, '') === etag
  })
}

/**
 * The answer of a listing: as `respond` gives it, its JSON body rendered once per listing, with
 * an ETag (the body's SHA-1) and a 304 for a client holding it.
 */
function respondListing(
  c: Context,
  ctx: WebContext,
  entries: readonly DirectoryEntryInfo[],
): Response {
  const l = links(c, ctx)
  if (negotiate(c) !== 'json' || c.req.query('fields') !== undefined)
    return respond(
      c,
      entries.map((e) => entryWithLinks(l, e)),
    )
  let r = RENDERED.get(entries)
  if (r?.base !== l.base) {
    const body = Buffer.from(JSON.stringify(entries.map((e) => entryWithLinks(l, e))))
    r = { base: l.base, body, etag: `"${createHash('sha1').update(body).digest('hex')}"` }
    if (Object.isFrozen(entries)) RENDERED.set(entries, r)
  }
  const held = c.req.header('if-none-match')
  if (held !== undefined && noneMatch(held, r.etag)) return c.body(null, 304, { ETag: r.etag })
  return c.body(r.body, 200, { 'Content-Type': 'application/json', ETag: r.etag })
}

/** The directory routes. */
export const directoryRoutes: readonly RouteDef[] = [
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
      return respondListing(c, ctx, entries)
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
]
