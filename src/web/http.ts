/**
 * The HTTP conventions of Software Heritage's Web API, in one place: the error table (ArcaError
 * code → status, `{exception, reason}` bodies), content negotiation (JSON by default, YAML,
 * browsable HTML), the `fields=` filter, absolute links to this server (honouring forwarded
 * headers when configured to), and `Link` pagination headers.
 *
 * @module
 */

import type { Context } from 'hono'
import { stringify as toYaml } from 'yaml'

import { type ErrorCode, isArcaError } from '../errors.js'
import { fromTrustedProxy, type TrustProxySetting } from './client-ip.js'

/** HTTP status of each error code. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  masked: 403,
  not_found: 404,
  too_large: 413,
  throttled: 429,
  unavailable: 503,
  corrupt: 500,
  conflict: 500,
  io: 500,
  internal: 500,
}

/** Exception names as Software Heritage reports them. */
const EXCEPTION_NAME: Readonly<Partial<Record<ErrorCode, string>>> = {
  invalid_input: 'BadInputExc',
  not_found: 'NotFoundExc',
  forbidden: 'ForbiddenExc',
  unauthorized: 'UnauthorizedExc',
  masked: 'MaskedObjectException',
  too_large: 'LargePayloadExc',
  throttled: 'Throttled',
  unavailable: 'StorageAPIError',
}

/** Status and `{exception, reason}` body of any thrown value. */
export function errorBody(e: unknown): { status: number; body: Record<string, unknown> } {
  if (isArcaError(e)) {
    const err = e
    const body: Record<string, unknown> = {
      exception: EXCEPTION_NAME[err.code] ?? 'InternalError',
      reason: err.message,
    }
    if (err.code === 'masked' && err.details?.['masked']) body['masked'] = err.details['masked']
    return { status: HTTP_STATUS[err.code], body }
  }
  return { status: 500, body: { exception: 'InternalError', reason: 'An internal error occurred' } }
}

/** Settings that shape URLs. */
export interface UrlSettings {
  /**
   * Proxies trusted (see `client-ip.ts`): `X-Forwarded-Proto/Host` and `Forwarded` headers are
   * believed for absolute links only when the socket peer is one of them.
   */
  readonly trustProxy: TrustProxySetting
}

/** The scheme+host this request reached, for absolute `*_url` links. */
export function baseUrl(c: Context, settings: UrlSettings): string {
  const url = new URL(c.req.url)
  let proto = url.protocol.replace(':', '')
  let host = c.req.header('host') ?? url.host
  if (fromTrustedProxy(c, settings.trustProxy)) {
    const fwd = c.req.header('forwarded')
    if (fwd) {
      const first = fwd.split(',')[0]!
      const p = /proto=([^;,\s]+)/i.exec(first)
      const h = /host="?([^;,"\s]+)"?/i.exec(first)
      if (p) proto = p[1]!
      if (h) host = h[1]!
    }
    const xp = c.req.header('x-forwarded-proto')
    const xh = c.req.header('x-forwarded-host')
    if (xp) proto = xp.split(',')[0]!.trim()
    if (xh) host = xh.split(',')[0]!.trim()
  }
  return `${proto}://${host}`
}

type Format = 'json' | 'yaml' | 'html'

/** The representation the client asked for. */
export function negotiate(c: Context): Format {
  const accept = (c.req.header('accept') ?? '').toLowerCase()
  if (!accept || accept.includes('application/json') || accept === '*/*') return 'json'
  if (
    accept.includes('application/yaml') ||
    accept.includes('application/x-yaml') ||
    accept.includes('text/yaml')
  )
    return 'yaml'
  if (accept.includes('text/html')) return 'html'
  return 'json'
}

/** Keeps only the top-level `fields` of an object (or of each object of an array). */
export function applyFields(data: unknown, fields: string | undefined): unknown {
  if (!fields) return data
  const keep = new Set(
    fields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  )
  const pick = (o: unknown): unknown => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return o
    return Object.fromEntries(
      Object.entries(o as Record<string, unknown>).filter(([k]) => keep.has(k)),
    )
  }
  return Array.isArray(data) ? data.map(pick) : pick(data)
}

/**
 * `s` with HTML's special characters escaped, as hono's `html` template escapes them: the one
 * escaper for HTML built as strings (hono's `html` escapes its own values).
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  )
}

/** A browsable page of an API answer: pretty JSON, links clickable, every byte escaped. */
export function htmlPage(
  title: string,
  data: unknown,
  headers: Readonly<Record<string, string>>,
): string {
  const json = JSON.stringify(data, null, 2) ?? 'null'
  const linked = escapeHtml(json).replace(
    /&quot;(https?:\/\/[^&\s]+?)&quot;/g,
    (_, u: string) => `&quot;<a href="${u}">${u}</a>&quot;`,
  )
  const headerLines = Object.entries(headers)
    .map(([k, v]) => `<b>${escapeHtml(k)}</b>: ${escapeHtml(v)}`)
    .join('\n')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} – Arca API</title><style>body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem}pre{background:#f6f8fa;padding:1rem;overflow:auto;border-radius:6px}a{color:#0550ae}</style></head><body><h1>${escapeHtml(title)}</h1><p><a href="/api/1/">API index</a> · <a href="/api/1/openapi.json">OpenAPI</a></p><pre>${headerLines}</pre><pre>${linked}</pre></body></html>`
}

/** Sends `data` in the negotiated format with `fields=` applied. */
export function respond(
  c: Context,
  data: unknown,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  const body = applyFields(data, c.req.query('fields'))
  const headers: Record<string, string> = { ...(init.headers ?? {}) }
  const status = init.status ?? 200
  const format = negotiate(c)
  if (format === 'yaml') {
    headers['Content-Type'] = 'application/yaml; charset=utf-8'
    return c.body(toYaml(body), status as 200, headers)
  }
  if (format === 'html') {
    headers['Content-Type'] = 'text/html; charset=utf-8'
    return c.body(htmlPage(new URL(c.req.url).pathname, body, headers), status as 200, headers)
  }
  headers['Content-Type'] = 'application/json'
  return c.body(JSON.stringify(body), status as 200, headers)
}

/** A `Link` header value from next/previous URLs. */
export function linkHeader(next: string | null, previous: string | null = null): string | null {
  const parts: string[] = []
  if (next) parts.push(`<${next}>; rel="next"`)
  if (previous) parts.push(`<${previous}>; rel="previous"`)
  return parts.length > 0 ? parts.join(', ') : null
}

/** The current request URL with some query parameters replaced, absolute on `base`. */
export function withQuery(c: Context, base: string, params: Record<string, string | null>): string {
  const url = new URL(c.req.url)
  const out = new URL(url.pathname + url.search, base)
  for (const [k, v] of Object.entries(params)) {
    if (v === null) out.searchParams.delete(k)
    else out.searchParams.set(k, v)
  }
  return out.toString()
}
