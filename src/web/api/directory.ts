/**
 * `/directory/…`: a directory's entries, and one entry by path.
 *
 * @module
 */

import { NotFoundError } from '../../errors.js'
import { respond } from '../http.js'
import { entryWithLinks, links } from './links.js'
import { pathParts, sha1GitParam, sha1Param } from './params.js'
import type { RouteDef } from './route.js'

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
]
