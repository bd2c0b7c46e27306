/**
 * `/extid/…`: external identifiers (hg node ids, checksums, …) to objects and back.
 *
 * @module
 */

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { type ExtId, formatSwhid, parseCoreSwhid, utf8 } from '../../model/index.js'
import type { Json } from '../../views/index.js'
import { respond } from '../http.js'
import { type Links, links } from './links.js'
import { intParam } from './params.js'
import type { RouteDef } from './route.js'

/** The extid routes. */
export const extidRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/extid/target/:swhid/',
    docPath: '/extid/target/{swhid}/',
    summary: 'External identifiers mapped to an object',
    params: [
      { name: 'swhid', in: 'path', description: 'a core SWHID', required: true },
      { name: 'extid_type', in: 'query', description: 'only this type' },
      { name: 'extid_version', in: 'query', type: 'integer', description: 'only this version' },
      { name: 'extid_format', in: 'query', description: 'hex (default), base64url or raw' },
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const target = parseCoreSwhid(decodeURIComponent(c.req.param('swhid') ?? ''))
      const type = c.req.query('extid_type')
      const version = c.req.query('extid_version')
      const list = await ctx.archive.storage.extidGetFromTarget(target, {
        ...(type ? { extidType: type } : {}),
        ...(version ? { version: intParam(c, 'extid_version', 0, 0, 1e9) } : {}),
      })
      const l = links(c, ctx)
      return respond(
        c,
        list.map((e) => extidJson(l, e, c.req.query('extid_format') ?? 'hex')),
      )
    },
  },
  {
    method: 'GET',
    path: '/extid/:type/:extid/',
    docPath: '/extid/{extid_type}/{format}:{extid}/',
    summary: 'The object an external identifier maps to',
    params: [
      {
        name: 'extid_type',
        in: 'path',
        description: 'hg-nodeid, bzr-nodeid, checksum-sha256, …',
        required: true,
      },
      {
        name: 'format',
        in: 'path',
        description: 'how the external identifier is written: hex, base64url or raw',
        required: true,
      },
      {
        name: 'extid',
        in: 'path',
        description: 'the external identifier, written in that format',
        required: true,
      },
      {
        name: 'extid_version',
        in: 'query',
        type: 'integer',
        description: 'version of the mapping (default 0)',
      },
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const type = decodeURIComponent(c.req.param('type') ?? '')
      const raw = decodeURIComponent(c.req.param('extid') ?? '')
      const colon = raw.indexOf(':')
      // a bare hex value (no `format:`) is read as hex
      if (colon < 0 && !/^([0-9a-fA-F]{2})+$/.test(raw))
        throw new InvalidInputError(`Invalid extid "${raw}": expected format:value`)
      const format = colon < 0 ? 'hex' : raw.slice(0, colon)
      const value = raw.slice(colon + 1)
      const bytes = decodeExtid(format, value)
      const version = intParam(c, 'extid_version', 0, 0, 1e9)
      const [e] = await ctx.archive.storage.extidGetFromExtid(type, [bytes], { version })
      if (!e) throw new NotFoundError(`ExtID of type ${type} and value ${value} not found`)
      return respond(c, extidJson(links(c, ctx), e, format))
    },
  },
]

function decodeExtid(format: string, value: string): Uint8Array {
  if (format === 'hex') {
    if (!/^([0-9a-fA-F]{2})*$/.test(value))
      throw new InvalidInputError(`Invalid hex extid "${value}"`)
    return Buffer.from(value, 'hex')
  }
  if (format === 'base64url') return Buffer.from(value, 'base64url')
  if (format === 'raw') return utf8(value)
  throw new InvalidInputError(`Invalid extid format "${format}": use hex, base64url or raw`)
}

function extidJson(l: Links, e: ExtId, format: string): Json {
  const value =
    format === 'base64url'
      ? Buffer.from(e.extid).toString('base64url')
      : format === 'raw'
        ? Buffer.from(e.extid).toString('utf8')
        : Buffer.from(e.extid).toString('hex')
  return {
    extid: value,
    extid_type: e.extidType,
    extid_version: e.extidVersion,
    target: formatSwhid(e.target),
    target_url: l.object(e.target.type, e.target.id),
  }
}
