/**
 * `/content/…`: a content's metadata, raw bytes and (not indexed here) indexed facts.
 *
 * @module
 */

import { NotFoundError } from '../../errors.js'
import type { WebContext } from '../context.js'
import { parseHashQuery } from '../hash-query.js'
import { respond } from '../http.js'
import { contentWithLinks, links } from './links.js'
import { hashParam } from './params.js'
import type { RouteDef } from './route.js'
import { streamOf } from './stream.js'

/** The content `q` (`[hash_type:]hash`) names, or a 404. */
async function findContent(ctx: WebContext, q: string) {
  const { algo, hash } = parseHashQuery(q)
  const [content] = await ctx.archive.storage.contentGet([hash], algo)
  if (!content)
    throw new NotFoundError(`Content with ${algo} checksum equals to ${hash} not found!`)
  return content
}

/** The content routes. */
export const contentRoutes: readonly RouteDef[] = [
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
]
