/**
 * What the Save Code Now routes share (API, moderation, the `/save/` page): the service of the
 * context, and the JSON of a request with Software Heritage's field names and vocabulary.
 *
 * @module
 */

import { UnavailableError } from '../errors.js'
import { isoformatUtc } from '../model/index.js'
import type { SaveCodeNow, SaveRequestInfo } from '../scheduler/index.js'
import type { WebContext } from './context.js'

/** Django's `never_cache`, as SWH's save routes send it. */
export const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private'

/** The service, or a 503 when this server was started without it. */
export function saveService(ctx: WebContext): SaveCodeNow {
  if (!ctx.saveCodeNow) throw new UnavailableError('Save Code Now is not enabled on this server')
  return ctx.saveCodeNow
}

/** An ISO date as Python's `isoformat()` writes it (`…+00:00`), or the text unchanged. */
function pyIso(text: string | null): string | null {
  if (text === null) return null
  const d = new Date(text)
  return Number.isNaN(d.getTime()) ? text : isoformatUtc(d)
}

/** The JSON of a request, with SWH's field names and vocabulary (plus `progress`). */
export function saveRequestJson(info: SaveRequestInfo, base: string): Record<string, unknown> {
  const r = info.request
  const snapshotSwhid = info.snapshot ? `swh:1:snp:${info.snapshot}` : null
  return {
    id: r.id,
    origin_url: r.originUrl,
    visit_type: r.visitType,
    save_request_date: isoformatUtc(new Date(r.requestDate)),
    save_request_status: r.status,
    save_task_status: info.taskStatus,
    visit_status: info.visitStatus,
    visit_date: pyIso(info.visitDate),
    loading_task_id: r.taskId ?? -1,
    note: r.note,
    from_webhook: r.webhookOrigin !== '',
    webhook_origin: r.webhookOrigin,
    snapshot_swhid: snapshotSwhid,
    ...(info.snapshot ? { snapshot_url: `${base}/api/1/snapshot/${info.snapshot}/` } : {}),
    request_url: `${base}/api/1/origin/save/${r.id}/`,
    progress: info.progress ?? null,
  }
}
