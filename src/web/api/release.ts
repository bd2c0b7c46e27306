/**
 * `/release/…`: a release.
 *
 * @module
 */

import { NotFoundError } from '../../errors.js'
import { respond } from '../http.js'
import { links, releaseWithLinks } from './links.js'
import { sha1GitParam, sha1Param } from './params.js'
import type { RouteDef } from './route.js'

/** The release routes. */
export const releaseRoutes: readonly RouteDef[] = [
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
]
