/**
 * `/snapshot/…`: the branches of a snapshot, paged.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { utf8 } from '../../model/index.js'
import { branchesJson, type Json } from '../../views/index.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { links } from './links.js'
import { intParam, sha1GitParam, sha1Param } from './params.js'
import type { RouteDef } from './route.js'

/** The snapshot routes. */
export const snapshotRoutes: readonly RouteDef[] = [
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
]
