/**
 * What the Add Forge Now routes share (API and the `/add-forge/` page): the service of the
 * context, who may moderate, and the JSON of a request and of its history with Software
 * Heritage's field names (swh-web `add_forge_now/api_views.py` serializers): everything for
 * moderators, the public fields for everyone else.
 *
 * @module
 */

import { UnavailableError } from '../errors.js'
import type { AddForgeNow, ForgeRequest, ForgeRequestHistory } from '../lister/index.js'
import type { TokenInfo } from './auth/tokens.js'
import type { WebContext } from './context.js'

/** The service, or a 503 when this server was started without it. */
export function addForgeService(ctx: WebContext): AddForgeNow {
  if (!ctx.addForgeNow) throw new UnavailableError('Add Forge Now is not enabled on this server')
  return ctx.addForgeNow
}

/** Moderators are token holders with the `admin` scope. */
export function isModerator(token: TokenInfo | null): boolean {
  return token !== null && token.scopes.includes('admin')
}

/** The forge's host (`forge_domain`). */
function forgeDomain(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url.split('/')[0] ?? url
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** A request as JSON: every field for a moderator, the public ones otherwise. */
export function forgeRequestJson(r: ForgeRequest, moderator: boolean): Record<string, unknown> {
  if (!moderator)
    return {
      id: r.id,
      forge_url: r.forgeUrl,
      forge_type: r.forgeType,
      status: r.status,
      submission_date: iso(r.submissionDate),
    }
  return {
    id: r.id,
    status: r.status,
    submission_date: iso(r.submissionDate),
    submitter_name: r.submitterName,
    submitter_email: r.submitterEmail,
    submitter_forward_username: r.submitterForwardUsername,
    forge_type: r.forgeType,
    forge_url: r.forgeUrl,
    forge_contact_email: r.forgeContactEmail,
    forge_contact_name: r.forgeContactName,
    forge_contact_comment: r.forgeContactComment,
    last_moderator: r.lastModerator,
    last_modified_date: iso(r.lastModifiedDate),
    forge_domain: forgeDomain(r.forgeUrl),
    lister_task_id: r.taskId,
  }
}

/** A history entry as JSON, likewise. */
export function forgeHistoryJson(
  h: ForgeRequestHistory,
  moderator: boolean,
): Record<string, unknown> {
  if (!moderator)
    return { id: h.id, date: iso(h.date), new_status: h.newStatus, actor_role: h.actorRole }
  return {
    id: h.id,
    text: h.text,
    actor: h.actor,
    actor_role: h.actorRole,
    date: iso(h.date),
    new_status: h.newStatus,
    message_source_url: null,
  }
}
