/**
 * `/raw/…`: the manifest bytes an object hashes to (for contents, their bytes).
 *
 * @module
 */

import { NotFoundError } from '../../errors.js'
import {
  directoryObjectManifest,
  formatSwhid,
  parseCoreSwhid,
  releaseObjectManifest,
  revisionObjectManifest,
  snapshotManifest,
} from '../../model/index.js'
import type { RouteDef } from './route.js'
import { streamOf } from './stream.js'

/** The raw object route. */
export const rawRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/raw/:swhid/',
    docPath: '/raw/{swhid}/',
    summary: 'The manifest bytes an object hashes to (contents: their bytes)',
    params: [{ name: 'swhid', in: 'path', description: 'a core SWHID', required: true }],
    scope: 'swh_raw_object',
    produces: 'application/octet-stream',
    handler: async (c, ctx) => {
      const swhid = parseCoreSwhid(decodeURIComponent(c.req.param('swhid') ?? ''))
      const s = ctx.archive.storage
      const headers = { 'Content-Type': 'application/octet-stream' }
      const missing = (): never => {
        throw new NotFoundError(`Object ${formatSwhid(swhid)} not found`)
      }
      const strip = (m: Uint8Array): Uint8Array => m.subarray(m.indexOf(0) + 1)
      switch (swhid.type) {
        case 'cnt': {
          const [cnt] = await s.contentGet([swhid.id])
          if (!cnt) missing()
          return new Response(streamOf(ctx.archive.objstorage.get(swhid.id)), { headers })
        }
        case 'dir': {
          const [d] = await s.directoryGet([swhid.id])
          return new Response(new Uint8Array(d ? strip(directoryObjectManifest(d)) : missing()), {
            headers,
          })
        }
        case 'rev': {
          const [r] = await s.revisionGet([swhid.id])
          return new Response(new Uint8Array(r ? strip(revisionObjectManifest(r)) : missing()), {
            headers,
          })
        }
        case 'rel': {
          const [r] = await s.releaseGet([swhid.id])
          return new Response(new Uint8Array(r ? strip(releaseObjectManifest(r)) : missing()), {
            headers,
          })
        }
        case 'snp': {
          const [snp] = await s.snapshotGet([swhid.id])
          return new Response(
            new Uint8Array(snp ? strip(snapshotManifest(snp.branches)) : missing()),
            {
              headers,
            },
          )
        }
      }
    },
  },
]
