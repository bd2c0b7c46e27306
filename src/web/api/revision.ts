/**
 * `/revision/…`: a revision, its log, and the directories and files below its root directory.
 *
 * @module
 */

import type { Context } from 'hono'

import { NotFoundError } from '../../errors.js'
import type { Json } from '../../views/index.js'
import type { WebContext } from '../context.js'
import { respond } from '../http.js'
import { contentWithLinks, entryWithLinks, links, revisionWithLinks } from './links.js'
import { intParam, pathParts, sha1GitParam, sha1Param } from './params.js'
import type { RouteDef } from './route.js'

/** The revision routes. */
export const revisionRoutes: readonly RouteDef[] = [
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
]

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
