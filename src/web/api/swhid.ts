/**
 * `/resolve/…` (a qualified SWHID to its object and browse URL) and `/known/` (which SWHIDs the
 * archive holds).
 *
 * @module
 */

import { InvalidInputError, NotFoundError, TooLargeError } from '../../errors.js'
import {
  type CoreSwhid,
  type CoreType,
  formatSwhid,
  KIND_OF_SWHID_TYPE,
  parseCoreSwhid,
  parseQualifiedSwhid,
  percentEncodePath,
  swhidString,
} from '../../model/index.js'
import { missingIds } from '../../storage/index.js'
import type { Json } from '../../views/index.js'
import { respond } from '../http.js'
import { links } from './links.js'
import type { RouteDef } from './route.js'

/** The resolve and known routes. */
export const swhidRoutes: readonly RouteDef[] = [
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
        object_type: KIND_OF_SWHID_TYPE[q.type],
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
      for (const p of parsed) {
        const ids = byType.get(p.type)
        if (ids) ids.push(p.id)
        else byType.set(p.type, [p.id])
      }
      const missing = new Set<string>()
      for (const [type, ids] of byType) {
        for (const id of await missingIds(s, type, ids)) missing.add(`${type}:${id}`)
      }
      const out: Record<string, { known: boolean }> = {}
      for (const p of parsed) out[formatSwhid(p)] = { known: !missing.has(`${p.type}:${p.id}`) }
      return respond(c, out)
    },
  },
]
