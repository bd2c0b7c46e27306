/**
 * Bulk save: an uploaded list of origin URLs (the API's `POST /api/1/origin/save/bulk/` and the
 * `/save/bulk/` page), each URL made a Save Code Now request exactly as one posted alone: the
 * visit type must be loadable, the URL valid by Software Heritage's rules, not under an
 * unauthorized prefix and allowed by the network safety check (SSRF), then accepted or left
 * pending for a moderator (`SaveCodeNow.submit`). A line without a visit type has it detected
 * by probing the URL, as `arca save` does, once the URL passed those checks. Each URL counts as
 * one request in the `swh_save_origin_post` rate-limit scope of the caller: past the quota, the
 * remaining URLs are rejected as throttled, and nothing is recorded for them.
 *
 * The list is text (`URL [VISIT_TYPE]` a line, blank lines and `#` comments skipped: the format
 * of `arca lister run url-list`) or a JSON array of such strings or of `{origin_url,
 * visit_type}` objects; at most {@link BULK_MAX_URLS} URLs an upload.
 *
 * @module
 */

import { InvalidInputError, isArcaError, TooLargeError } from '../errors.js'
import { MAX_URL_LINE, parseUrlLine } from '../lister/index.js'
import type { SaveCodeNow, SaveRequestInfo } from '../scheduler/index.js'
import { validateOriginUrl } from '../scheduler/index.js'
import type { RateLimiter } from './middleware/rate-limit.js'

/** URLs an upload may hold. */
export const BULK_MAX_URLS = 1000
/** Detections (probes) run at once. */
const CONCURRENCY = 4

/** One entry of an upload: a URL and its visit type if given, or why it is not one. */
export type BulkEntry =
  | { readonly line: number; readonly url: string; readonly visitType: string | undefined }
  | { readonly line: number; readonly text: string; readonly reason: string }

/** What became of one entry. */
export interface BulkOutcome {
  /** 1-based: the line of a text list, the index in a JSON array. */
  readonly line: number
  readonly originUrl: string | null
  readonly visitType: string | null
  readonly status: 'accepted' | 'rejected'
  /** Why it was rejected. */
  readonly reason: string | null
  /** The save request an accepted URL made (accepted, or pending for a moderator). */
  readonly request: SaveRequestInfo | null
}

/** The outcome of an upload. */
export interface BulkResult {
  readonly outcomes: readonly BulkOutcome[]
  /** Seconds until the quota frees again, when some URL was throttled. */
  readonly retryAfter: number | null
}

const MAX_TEXT = 300

/** The entries of a text list (`bytes`, UTF-8): one per line that is not blank or a comment. */
function textEntries(bytes: Uint8Array): BulkEntry[] {
  const out: BulkEntry[] = []
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let start = 0
  for (let n = 1; ; n++) {
    let end = bytes.indexOf(0x0a, start)
    if (end < 0) end = bytes.length
    const piece = bytes.subarray(start, end)
    start = end + 1
    let raw: string | null = null
    if (piece.length <= MAX_URL_LINE)
      try {
        raw = decoder.decode(piece).replace(/\r$/, '')
      } catch {
        raw = null
      }
    const parsed = parseUrlLine(raw)
    if (parsed !== null && 'reason' in parsed)
      out.push({ line: n, text: (raw ?? '').slice(0, MAX_TEXT), reason: parsed.reason })
    else if (parsed !== null) out.push({ line: n, ...parsed })
    if (end >= bytes.length) break
  }
  return out
}

/** The entries of a JSON array of `"URL [TYPE]"` strings or `{origin_url, visit_type}`. */
function jsonEntries(text: string): BulkEntry[] {
  let list: unknown
  try {
    list = JSON.parse(text)
  } catch {
    throw new InvalidInputError('The list is not valid JSON')
  }
  if (!Array.isArray(list))
    throw new InvalidInputError('A JSON list of URLs must be an array (of strings or objects)')
  return list.flatMap((item: unknown, i): BulkEntry[] => {
    const line = i + 1
    if (typeof item === 'string') {
      const parsed = parseUrlLine(item)
      if (parsed === null) return []
      return 'reason' in parsed
        ? [{ line, text: item.slice(0, MAX_TEXT), reason: parsed.reason }]
        : [{ line, ...parsed }]
    }
    const o = item as { origin_url?: unknown; visit_type?: unknown } | null
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.origin_url !== 'string' ||
      (o.visit_type !== undefined && o.visit_type !== null && typeof o.visit_type !== 'string')
    )
      return [
        {
          line,
          text: JSON.stringify(item)?.slice(0, MAX_TEXT) ?? '',
          reason: 'expected a string "URL [VISIT_TYPE]" or an object {origin_url, visit_type}',
        },
      ]
    return [
      { line, url: o.origin_url.trim(), visitType: (o.visit_type as string | null) ?? undefined },
    ]
  })
}

/** The entries of an upload whose media type is `type` (JSON, else text). */
export function parseBulk(bytes: Uint8Array, type: string | undefined): BulkEntry[] {
  const json = /\bjson\b/i.test(type ?? '')
  const entries = json ? jsonEntries(new TextDecoder().decode(bytes)) : textEntries(bytes)
  if (entries.length === 0) throw new InvalidInputError('The list holds no URL')
  if (entries.length > BULK_MAX_URLS)
    throw new TooLargeError(
      `The list holds ${entries.length} URLs: at most ${BULK_MAX_URLS} an upload`,
    )
  return entries
}

/** What {@link bulkSave} works with. */
export interface BulkSaveDeps {
  readonly scn: SaveCodeNow
  readonly limiter: RateLimiter
  readonly caller: { readonly ip: string; readonly token: string | null }
  /** `token:ID` or `anonymous`. */
  readonly requester: string
  /** The visit type of entries without one (else each is detected). */
  readonly defaultType?: string | undefined
  /** Detects the visit type of a URL (null: unknown); absent, a type must be given. */
  readonly detect?: ((url: string) => Promise<string | null>) | undefined
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** `url` without its user information (a password is never echoed back). */
function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url)
    if (u.username === '' && u.password === '') return url
    u.username = ''
    u.password = ''
    return u.href
  } catch {
    return url
  }
}

/** Makes the save requests of `entries`, in order; each entry's outcome. */
export async function bulkSave(deps: BulkSaveDeps, entries: BulkEntry[]): Promise<BulkResult> {
  const { scn } = deps
  if (deps.defaultType !== undefined) scn.checkVisitType(deps.defaultType)
  // the quota first, in the list's order (each URL one request)
  let retryAfter: number | null = null
  const allowed: boolean[] = []
  for (const e of entries) {
    if ('reason' in e) {
      allowed.push(false)
      continue
    }
    const d = await deps.limiter.check('swh_save_origin_post', deps.caller)
    allowed.push(d.allowed)
    if (!d.allowed && retryAfter === null)
      retryAfter = Math.max(
        1,
        Number(d.headers['X-RateLimit-Reset']) - Math.floor(Date.now() / 1000),
      )
  }
  const one = async (e: BulkEntry, i: number): Promise<BulkOutcome> => {
    if ('reason' in e)
      return {
        line: e.line,
        originUrl: null,
        visitType: null,
        status: 'rejected',
        reason: e.reason,
        request: null,
      }
    let visitType: string | null = e.visitType ?? deps.defaultType ?? null
    const rejected = (reason: string): BulkOutcome => ({
      line: e.line,
      originUrl: withoutUserinfo(e.url),
      visitType,
      status: 'rejected',
      reason,
      request: null,
    })
    if (!allowed[i])
      return rejected(`Request was throttled. Expected available in ${retryAfter} seconds.`)
    try {
      if (visitType === null) {
        // checked as a request would be before anything is fetched to tell its type
        validateOriginUrl(e.url)
        const refused = await scn.refusal(e.url)
        if (refused !== null) return rejected(refused)
        if (!deps.detect) return rejected('no visit type given: give one (URL VISIT_TYPE)')
        try {
          visitType = await deps.detect(e.url)
        } catch (err) {
          // a probe that failed (refused, timed out, unreachable): this URL only
          return rejected(`the visit type could not be detected: ${message(err)}`)
        }
        if (visitType === null) return rejected('the visit type could not be detected; give it')
      }
      const request = await scn.submit({ visitType, originUrl: e.url, requester: deps.requester })
      return { ...rejected(''), originUrl: e.url, status: 'accepted', reason: null, request }
    } catch (err) {
      if (!isArcaError(err)) throw err
      return rejected(message(err))
    }
  }
  const outcomes: BulkOutcome[] = new Array<BulkOutcome>(entries.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++
      outcomes[i] = await one(entries[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker))
  return { outcomes, retryAfter }
}
