/**
 * `/vault/<bundle_type>/<swhid>/`: the vault, as Software Heritage's Web API serves it. `POST`
 * requests a cooking, `GET` answers its status (`fetch_url`, `progress_message`, `id`,
 * `status` new|pending|done|failed, `swhid`), `GET …/raw/` downloads the bundle. Bundle types
 * `flat` (`.tar.gz` of a directory) and `git-bare` (`.git.tar`); one the archive has no cooker
 * for answers 501. Rate-limit scope `swh_vault_cooking` for requests and
 * `swh_vault_cooking_get` for status checks (SWH's per-method rates of that scope); downloads
 * count in `swh_api`, as in SWH.
 *
 * Beyond SWH: `GET …/raw/` of a bundle not cooked yet streams it at once when its estimated
 * size is at most the vault's `immediateMaxBytes` (see docs/vault.md).
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { type CoreSwhid, formatSwhid, parseCoreSwhid } from '../../model/index.js'
import type { BundleState, BundleType, Vault } from '../../vault/index.js'
import type { WebContext } from '../context.js'
import { baseUrl, respond } from '../http.js'
import { NEVER_CACHE } from '../save-json.js'
import type { RouteDef } from './route.js'
import { streamOf } from './stream.js'

const ACCEPTS: Readonly<Record<BundleType, readonly CoreSwhid['type'][]>> = {
  flat: ['dir', 'rev', 'rel', 'snp'],
  'git-bare': ['dir', 'rev', 'rel', 'snp'],
}

const FILE: Readonly<Record<BundleType, { ext: string; type: string }>> = {
  flat: { ext: '.tar.gz', type: 'application/gzip' },
  'git-bare': { ext: '.git.tar', type: 'application/x-tar' },
}

function notAvailable(c: Context, type: BundleType): Response {
  return respond(
    c,
    {
      exception: 'NotImplementedError',
      reason: `The ${type} bundle type is not available on this archive`,
    },
    { status: 501 },
  )
}

function target(c: Context, type: BundleType): CoreSwhid {
  const swhid = parseCoreSwhid(decodeURIComponent(c.req.param('swhid') ?? ''))
  if (swhid.type === 'cnt')
    throw new InvalidInputError(
      'Content objects do not need to be cooked, use `/api/1/content/raw/` instead.',
    )
  if (!ACCEPTS[type].includes(swhid.type))
    throw new InvalidInputError(`Object type ${swhid.type} cannot be cooked as '${type}' bundle.`)
  return swhid
}

/** A bundle's state in Software Heritage's shape. */
export function vaultJson(state: BundleState, base: string): Record<string, unknown> {
  return {
    fetch_url: `${base}/api/1/vault/${state.type}/${state.swhid}/raw/`,
    progress_message: state.progress,
    id: state.id,
    status: state.status,
    swhid: state.swhid,
  }
}

function vaultOf(ctx: WebContext, type: BundleType): Vault | null {
  return ctx.vault?.has(type) ? ctx.vault : null
}

function cookHandler(type: BundleType, method: 'GET' | 'POST') {
  return async (c: Context, ctx: WebContext): Promise<Response> => {
    const swhid = target(c, type)
    const vault = vaultOf(ctx, type)
    if (!vault) return notAvailable(c, type)
    let state: BundleState | null
    if (method === 'POST') state = await vault.request(type, swhid)
    else {
      await vault.check(swhid)
      state = await vault.progress(type, swhid)
      if (!state) throw new NotFoundError(`Cooking of ${formatSwhid(swhid)} was never requested.`)
    }
    return respond(c, vaultJson(state, baseUrl(c, ctx.config)), {
      headers: { 'Cache-Control': NEVER_CACHE },
    })
  }
}

function rawHandler(type: BundleType) {
  return async (c: Context, ctx: WebContext): Promise<Response> => {
    const swhid = target(c, type)
    const vault = vaultOf(ctx, type)
    if (!vault) return notAvailable(c, type)
    const name = `${formatSwhid(swhid)}${FILE[type].ext}`.replace(/:/g, '_')
    const headers: Record<string, string> = {
      'Content-Type': FILE[type].type,
      'Content-Disposition': `attachment; filename="${name}"`,
    }
    const cooked = await vault.openBundle(type, swhid)
    if (cooked) {
      headers['Content-Length'] = String(cooked.size)
      return new Response(streamOf(cooked.stream), { headers })
    }
    const now = await vault.streamNow(type, swhid)
    if (now) {
      headers['X-Arca-Vault'] = 'immediate'
      return new Response(streamOf(now), { headers })
    }
    throw new NotFoundError(`Cooked archive for ${formatSwhid(swhid)} not found.`)
  }
}

const SWHID_PARAM = [
  { name: 'swhid', in: 'path', description: 'The SWHID of the object to cook' },
] as const

function routesOf(type: BundleType): RouteDef[] {
  const path = `/vault/${type}/:swhid/`
  const docPath = `/vault/${type}/{swhid}/`
  return [
    {
      method: 'POST',
      path,
      docPath,
      summary: `Request the cooking of a ${type} bundle (status new, pending, done or failed)`,
      params: SWHID_PARAM,
      scope: 'swh_vault_cooking',
      handler: cookHandler(type, 'POST'),
    },
    {
      method: 'GET',
      path,
      docPath,
      summary: `The status of the cooking of a ${type} bundle`,
      params: SWHID_PARAM,
      scope: 'swh_vault_cooking_get',
      handler: cookHandler(type, 'GET'),
    },
    {
      method: 'GET',
      path: `/vault/${type}/:swhid/raw/`,
      docPath: `/vault/${type}/{swhid}/raw/`,
      summary: `Download the cooked ${type} bundle (streamed at once when small and not cooked)`,
      params: SWHID_PARAM,
      scope: 'swh_api',
      produces: FILE[type].type,
      handler: rawHandler(type),
    },
  ]
}

/** The vault routes. */
export const vaultRoutes: RouteDef[] = [...routesOf('flat'), ...routesOf('git-bare')]
