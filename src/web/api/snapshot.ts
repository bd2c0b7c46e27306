/**
 * `/snapshot/…`: the branches of a snapshot, paged.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { decodeForDisplay, type SnapshotBranch, utf8 } from '../../model/index.js'
import type { Storage } from '../../storage/index.js'
import { branchesJson, type Json } from '../../views/index.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { links } from './links.js'
import { intParam, sha1GitParam, sha1Param } from './params.js'
import type { RouteDef } from './route.js'

interface BranchJson {
  readonly target: string
  readonly target_type: string
}

/** Aliases followed at most this many steps (longer chains resolve to nothing). */
const MAX_ALIAS_HOPS = 32

/**
 * The non-alias branch each alias of `branches` resolves to (by displayed name), following
 * alias chains through the page and, for targets outside it, through the whole snapshot.
 */
async function resolveAliases(
  storage: Storage,
  snapshot: string,
  branches: readonly SnapshotBranch[],
): Promise<Map<string, BranchJson>> {
  const byName = new Map<string, SnapshotBranch>()
  for (const b of branches) byName.set(Buffer.from(b.name).toString('hex'), b)
  const lookup = async (name: Uint8Array): Promise<SnapshotBranch | null> => {
    const key = Buffer.from(name).toString('hex')
    const known = byName.get(key)
    if (known) return known
    const p = await storage.snapshotGetBranches(snapshot, { branchesFrom: name, branchesCount: 1 })
    const b = p?.branches[0]
    if (!b || Buffer.compare(Buffer.from(b.name), Buffer.from(name)) !== 0) return null
    byName.set(key, b)
    return b
  }
  const out = new Map<string, BranchJson>()
  for (const b of branches) {
    if (b.target?.targetType !== 'alias') continue
    let cur: SnapshotBranch | null = b
    for (let hop = 0; cur?.target?.targetType === 'alias' && hop < MAX_ALIAS_HOPS; hop++)
      cur = await lookup(cur.target.target)
    const t = cur?.target
    if (t && t.targetType !== 'alias')
      out.set(decodeForDisplay(b.name).text, { target: t.target, target_type: t.targetType })
  }
  return out
}

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
      const resolved = await resolveAliases(ctx.archive.storage, id, page.branches)
      for (const [name, b] of Object.entries(branches)) {
        if (!b) continue
        const target =
          b['target_type'] === 'alias'
            ? resolved.get(name)
            : { target: String(b['target']), target_type: String(b['target_type']) }
        // An alias carries the URL of the branch it resolves to; one that resolves to nothing
        // (dangling, missing, a cycle) has no `target_url`, as in Software Heritage.
        if (target)
          branches[name] = { ...b, target_url: l.object(target.target_type, target.target) }
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
