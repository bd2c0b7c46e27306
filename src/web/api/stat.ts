/**
 * `/stat/counters/` and `/ping/`.
 *
 * @module
 */

import { respond } from '../http.js'
import type { RouteDef } from './route.js'

/** The counters and liveness routes. */
export const statRoutes: readonly RouteDef[] = [
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
]
