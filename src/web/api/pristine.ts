/**
 * `/pristine/<algo>/<hash>`: the exact original bytes of an archived tarball or package
 * artifact, by its checksum, for reproducible builds (a Nix `hashed-mirrors` entry, a Guix
 * content-addressed mirror; docs/tarballs.md). Only artifacts a loader archived answer: their
 * `checksum-sha256` ExtID must be known, and the bytes are the content with that sha256.
 * Both go through the masking layer, so a takedown of the artifact or of its directory hides
 * them. The hash is hex, or Nix base-32 (52 digits) as Guix writes it.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { fromNixBase32 } from '../../model/index.js'
import type { RouteDef } from './route.js'
import { streamOf } from './stream.js'

/** The sha256 (hex) a path parameter names. */
function sha256Of(param: string): string {
  const v = param.toLowerCase()
  if (/^[0-9a-f]{64}$/.test(v)) return v
  const hex = v.length === 52 ? fromNixBase32(v) : null
  if (hex === null)
    throw new InvalidInputError(`Invalid sha256 "${param}": 64 hex or 52 Nix base-32 digits`)
  return hex
}

/** The pristine artifact routes. */
export const pristineRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/pristine/:algo/:hash/',
    docPath: '/pristine/{algo}/{hash}/',
    summary: 'The original bytes of an archived tarball or package artifact, by checksum',
    params: [
      { name: 'algo', in: 'path', description: 'sha256', required: true },
      {
        name: 'hash',
        in: 'path',
        description: 'the checksum: 64 hex digits, or 52 Nix base-32 digits',
        required: true,
      },
    ],
    scope: 'swh_raw_object',
    produces: 'application/octet-stream',
    handler: async (c, ctx) => {
      const algo = c.req.param('algo') ?? ''
      if (algo !== 'sha256')
        throw new InvalidInputError(`Unsupported checksum algorithm "${algo}": use sha256`)
      const sha256 = sha256Of(c.req.param('hash') ?? '')
      const s = ctx.archive.storage
      const missing = (): never => {
        throw new NotFoundError(`No archived artifact has sha256 ${sha256}`)
      }
      const known = await s.extidGetFromExtid('checksum-sha256', [Buffer.from(sha256, 'hex')], {
        version: 1,
      })
      if (known.length === 0) missing()
      const [content] = await s.contentGet([sha256], 'sha256')
      if (!content || content.status !== 'visible') missing()
      return new Response(streamOf(ctx.archive.objstorage.get(content!.sha1Git)), {
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(content!.length),
          ETag: `"sha256:${sha256}"`,
          'Cache-Control': 'public, max-age=31536000, immutable',
        },
      })
    },
  },
]
