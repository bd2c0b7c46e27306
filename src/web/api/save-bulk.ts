/**
 * Bulk save (`POST /api/1/origin/save/bulk/`, beyond Software Heritage's API): a list of origin
 * URLs in the body (`text/plain`, one `URL [VISIT_TYPE]` a line, or a JSON array), each made a
 * Save Code Now request as `POST /api/1/origin/save/…` makes one (see `../save-bulk.ts`). The
 * answer names each URL's outcome: accepted (with its request, in the save API's shape: its
 * `save_request_status` is `accepted`, or `pending` for a moderator) or rejected with the
 * reason. The upload itself counts in `swh_save_origin`; every URL in `swh_save_origin_post`.
 *
 * @module
 */

import type { Context } from 'hono'

import { clientIp } from '../client-ip.js'
import type { WebContext } from '../context.js'
import { baseUrl, respond } from '../http.js'
import { type BulkOutcome, bulkSave, parseBulk } from '../save-bulk.js'
import { NEVER_CACHE, saveRequestJson, saveService } from '../save-json.js'
import type { RouteDef } from './route.js'

/** An outcome as JSON. */
export function bulkOutcomeJson(o: BulkOutcome, base: string): Record<string, unknown> {
  return {
    line: o.line,
    origin_url: o.originUrl,
    visit_type: o.visitType,
    status: o.status,
    reason: o.reason,
    save_request: o.request ? saveRequestJson(o.request, base) : null,
  }
}

async function bulk(c: Context, ctx: WebContext): Promise<Response> {
  const scn = saveService(ctx)
  const token = (c.get('token') as { id: string } | null | undefined) ?? null
  const entries = parseBulk(new Uint8Array(await c.req.arrayBuffer()), c.req.header('content-type'))
  const r = await bulkSave(
    {
      scn,
      limiter: ctx.limiter,
      caller: { ip: clientIp(c, ctx.config.trustProxy), token: token?.id ?? null },
      requester: token ? `token:${token.id}` : 'anonymous',
      defaultType: c.req.query('visit_type') || undefined,
      detect: ctx.detectVisitType,
    },
    entries,
  )
  const base = baseUrl(c, ctx.config)
  const accepted = r.outcomes.filter((o) => o.status === 'accepted').length
  return respond(
    c,
    {
      accepted,
      rejected: r.outcomes.length - accepted,
      results: r.outcomes.map((o) => bulkOutcomeJson(o, base)),
    },
    {
      headers: {
        'Cache-Control': NEVER_CACHE,
        ...(r.retryAfter !== null ? { 'Retry-After': String(r.retryAfter) } : {}),
      },
    },
  )
}

/** The bulk save route (before `/origin/save/…`). */
export const saveBulkRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/origin/save/bulk/',
    docPath: '/origin/save/bulk/',
    summary:
      'Request the archival of a list of origins (text/plain "URL [VISIT_TYPE]" lines, or a JSON array): each checked and made a save request as alone; the outcome of each (accepted with its request, or rejected with the reason)',
    params: [
      {
        name: 'visit_type',
        in: 'query',
        description: 'The visit type of the URLs that give none (else it is detected)',
      },
    ],
    body: 'text/plain: "URL [VISIT_TYPE]" lines (blank lines and # comments skipped); application/json: an array of such strings or of {origin_url, visit_type} objects; at most 1000 URLs',
    scope: 'swh_save_origin',
    handler: bulk,
  },
]
