/**
 * The polite HTTP client of listers: every request SSRF-checked (the net area's client), a
 * clear User-Agent, a timeout per request, retries with exponential backoff and jitter on 5xx,
 * network errors and malformed JSON, and the forge's rate limits honoured (429, or 403 with
 * `Retry-After` or `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`). A request that still
 * fails after its retries throws: the run ends as failed. The token is sent, never logged.
 *
 * @module
 */

import pLimit, { type LimitFunction } from 'p-limit'
import pRetry, { AbortError } from 'p-retry'

import { UnavailableError } from '../errors.js'
import { HttpClient, type NetPolicy } from '../net/index.js'

/** Requests in flight to one host at most, by default. */
export const DEFAULT_PER_HOST = 4

/**
 * Bounded concurrency per host (p-limit, one limiter per `host:port`): however many lister
 * runs and requests share a {@link HostLimits}, no more than `perHost` requests to one host are
 * in flight at once (a rate-limit wait or a backoff holds no slot). A rate limit one request
 * meets pauses the host for all of them: each waits for the time the host asked before it
 * takes a slot. The process shares
 * {@link sharedHostLimits} unless a client is given its own.
 */
export class HostLimits {
  readonly perHost: number
  readonly #limits = new Map<string, LimitFunction>()
  readonly #pausedUntil = new Map<string, number>()

  constructor(perHost = DEFAULT_PER_HOST) {
    if (!Number.isInteger(perHost) || perHost < 1)
      throw new RangeError(`per-host concurrency must be a positive integer, not ${perHost}`)
    this.perHost = perHost
  }

  /** Runs `fn` when `url`'s host has a free slot. */
  run<T>(url: string, fn: () => Promise<T>): Promise<T> {
    const host = new URL(url).host
    let limit = this.#limits.get(host)
    if (limit === undefined) {
      limit = pLimit(this.perHost)
      this.#limits.set(host, limit)
    }
    return limit(fn)
  }

  /** Pauses every request to `url`'s host until `untilMs` (a rate limit the host answered). */
  pause(url: string, untilMs: number): void {
    const host = new URL(url).host
    this.#pausedUntil.set(host, Math.max(untilMs, this.#pausedUntil.get(host) ?? 0))
  }

  /** How long requests to `url`'s host must still wait at `nowMs` (0: none). */
  waitFor(url: string, nowMs: number): number {
    const host = new URL(url).host
    const until = this.#pausedUntil.get(host)
    if (until === undefined) return 0
    if (until <= nowMs) this.#pausedUntil.delete(host)
    return Math.max(0, until - nowMs)
  }
}

/** The limits every client of the process shares unless given others. */
export const sharedHostLimits = new HostLimits()

/** The User-Agent listers send. */
export const LISTER_USER_AGENT = 'arca-lister/0.1 (+https://github.com/arca-archive/arca)'

/** Settings of {@link ListerHttp}. */
export interface ListerHttpInit {
  /** What requests may reach (default: nothing special, as the net area's strict policy). */
  readonly policy?: NetPolicy
  /** Sent as `Authorization: <scheme> <token>`; never logged. */
  readonly token?: string
  readonly authScheme?: 'token' | 'Bearer'
  /** Per request (default 30 s). */
  readonly timeoutMs?: number
  /** Retries after the first attempt (default 5). */
  readonly retries?: number
  /** First backoff delay (default 1 s); doubled each retry, with jitter. */
  readonly minBackoffMs?: number
  /** Longest wait a rate limit may impose before it counts as a failure (default 1 h). */
  readonly maxRateLimitWaitMs?: number
  /** How waits happen (tests record them). */
  readonly sleep?: (ms: number) => Promise<void>
  /** The clock, for `X-RateLimit-Reset` (ms). */
  readonly clock?: () => number
  /** The per-host concurrency bound (default {@link sharedHostLimits}). */
  readonly hostLimits?: HostLimits
}

/** A text answer (an HTML page) and its headers. */
export interface TextPage {
  readonly text: string
  header(name: string): string | undefined
}

/** A JSON answer and its headers. */
export interface JsonPage {
  readonly body: unknown
  header(name: string): string | undefined
}

const MAX_BODY = 64 * 1024 * 1024
const MESSAGE_MAX = 300

/** The forge's own words in an error answer (`message`, `error.message`, `errors[0].message`). */
function errorMessage(text: string): string {
  let m: unknown
  try {
    const j = JSON.parse(text) as {
      message?: unknown
      error?: unknown
      errors?: { message?: unknown }[]
    }
    m =
      j.message ??
      (typeof j.error === 'string'
        ? j.error
        : (j.error as { message?: unknown } | null)?.message) ??
      j.errors?.[0]?.message
  } catch {
    m = undefined
  }
  return typeof m === 'string' ? `: ${m.slice(0, MESSAGE_MAX)}` : ''
}
const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** How long a rate-limited answer asks to wait (ms), or null when it is not one. */
export function rateLimitWait(
  status: number,
  header: (name: string) => string | undefined,
  now: number,
): number | null {
  if (status !== 429 && status !== 403) return null
  const after = header('retry-after')
  if (after !== undefined) {
    const secs = Number(after)
    if (Number.isFinite(secs) && secs >= 0) return secs * 1000
    const date = Date.parse(after)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const remaining = header('x-ratelimit-remaining')
  const reset = Number(header('x-ratelimit-reset'))
  if (remaining === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now)
  return status === 429 ? 60_000 : null
}

/** The polite client; {@link ListerHttp.close} when done. */
export class ListerHttp {
  readonly #client: HttpClient
  readonly #init: ListerHttpInit
  readonly #sleep: (ms: number) => Promise<void>
  readonly #now: () => number

  constructor(init: ListerHttpInit = {}) {
    this.#init = init
    this.#client = new HttpClient(init.policy ?? { allowNetworks: [] })
    this.#sleep = init.sleep ?? realSleep
    this.#now = init.clock ?? Date.now
  }

  /**
   * GETs `url` as JSON, retrying as described above; throws UnavailableError at the end.
   * `accept` replaces the `Accept` header (e.g. PyPI's `application/vnd.pypi.simple.v1+json`).
   */
  getJson(url: string, options: { readonly accept?: string } = {}): Promise<JsonPage> {
    return this.#request(url, options.accept ?? 'application/json', undefined, jsonPage)
  }

  /** POSTs `body` as JSON to `url` (GraphQL), the answer as JSON, retried as {@link getJson}. */
  postJson(url: string, body: unknown): Promise<JsonPage> {
    const post = new TextEncoder().encode(JSON.stringify(body))
    return this.#request(url, 'application/json', post, jsonPage)
  }

  /**
   * GETs `url` as text (an HTML page), retrying as described above; `check` throws on a page
   * that is truncated or not the expected page, which is retried like a 5xx.
   */
  getText(
    url: string,
    check: (text: string) => void = () => undefined,
    accept = 'text/html',
  ): Promise<TextPage> {
    return this.#request(url, accept, undefined, (bytes, header) => {
      const text = new TextDecoder().decode(bytes)
      check(text)
      return { text, header }
    })
  }

  /**
   * GETs `url` as bytes (e.g. a compressed index), with the same retries and limits;
   * `allowNotFound`: null for a 404 instead of an error.
   */
  async getBytes(
    url: string,
    options: { readonly accept?: string; readonly allowNotFound?: boolean } = {},
  ): Promise<({ body: Uint8Array } & JsonPage) | null> {
    const page = await this.#request(
      url,
      options.accept ?? '*/*',
      undefined,
      (body, header) => ({ body, header }),
      options.allowNotFound ?? false,
    )
    return page
  }

  /**
   * One request, retried: `read` turns the body into the answer, and throws (retried as a 5xx)
   * when the page is malformed or truncated.
   */
  async #request<T>(
    url: string,
    accept: string,
    post: Uint8Array | undefined,
    read: (body: Uint8Array, header: (name: string) => string | undefined) => T,
    allowNotFound?: false,
  ): Promise<T>
  async #request<T>(
    url: string,
    accept: string,
    post: Uint8Array | undefined,
    read: (body: Uint8Array, header: (name: string) => string | undefined) => T,
    allowNotFound: boolean,
  ): Promise<T | null>
  async #request<T>(
    url: string,
    accept: string,
    post: Uint8Array | undefined,
    read: (body: Uint8Array, header: (name: string) => string | undefined) => T,
    allowNotFound = false,
  ): Promise<T | null> {
    const headers: Record<string, string> = { 'user-agent': LISTER_USER_AGENT, accept }
    if (post) headers['content-type'] = 'application/json'
    if (this.#init.token)
      headers['authorization'] = `${this.#init.authScheme ?? 'Bearer'} ${this.#init.token}`
    const retries = this.#init.retries ?? 5
    const minBackoff = this.#init.minBackoffMs ?? 1000
    const limits = this.#init.hostLimits ?? sharedHostLimits
    let rateWaits = 0
    let waitedTo = 0 // until when this request waited for a rate limit itself
    type Answer =
      | { kind: 'page'; page: T | null }
      | { kind: 'wait'; status: number; ms: number }
      | { kind: 'fail'; retry: boolean; message: string }
    // one request, holding a slot of its host until its body is read
    const once = (): Promise<Answer> =>
      limits.run(url, async () => {
        const res = await this.#client.request(url, {
          ...(post ? { method: 'POST' as const, body: post } : {}),
          headers,
          signal: AbortSignal.timeout(this.#init.timeoutMs ?? 30_000),
        })
        const wait = rateLimitWait(res.status, (n) => res.header(n), this.#now())
        if (wait !== null) {
          res.cancel()
          return { kind: 'wait', status: res.status, ms: wait }
        }
        if (res.status === 404 && allowNotFound) {
          res.cancel()
          return { kind: 'page', page: null }
        }
        if (!res.ok) {
          const said = errorMessage(await res.text(64 * 1024).catch(() => ''))
          return { kind: 'fail', retry: res.status >= 500, message: `HTTP ${res.status}${said}` }
        }
        const chunks: Uint8Array[] = []
        let size = 0
        for await (const chunk of res.body) {
          size += chunk.length
          if (size > MAX_BODY) {
            res.cancel()
            return {
              kind: 'fail',
              retry: false,
              message: `the answer is larger than ${MAX_BODY} bytes`,
            }
          }
          chunks.push(chunk)
        }
        try {
          return { kind: 'page', page: read(Buffer.concat(chunks), (n: string) => res.header(n)) }
        } catch (e) {
          return { kind: 'fail', retry: true, message: e instanceof Error ? e.message : String(e) }
        }
      })
    const attempt = async (): Promise<T | null> => {
      // the host asked (another request of this process) to wait: do so before asking
      const now = this.#now()
      const paused = limits.waitFor(url, now) - Math.max(0, waitedTo - now)
      if (paused > 0) await this.#sleep(paused)
      const a = await once()
      if (a.kind === 'page') return a.page
      if (a.kind === 'fail') {
        if (a.retry) throw new Error(`${url}: ${a.message}`)
        throw new AbortError(`${url}: ${a.message}`)
      }
      if (a.ms > (this.#init.maxRateLimitWaitMs ?? 3_600_000) || rateWaits++ > retries)
        throw new AbortError(`${url}: rate limited (HTTP ${a.status}), wait ${a.ms} ms refused`)
      waitedTo = this.#now() + a.ms
      limits.pause(url, waitedTo)
      await this.#sleep(a.ms)
      // a retry the backoff does not delay further
      throw Object.assign(new Error(`${url}: rate limited (HTTP ${a.status})`), {
        rateLimited: true,
      })
    }
    try {
      return await pRetry(attempt, {
        retries,
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          // no backoff after the last attempt: the failure is reported at once
          if ((error as { rateLimited?: boolean }).rateLimited || retriesLeft === 0) return
          const base = minBackoff * 2 ** (attemptNumber - 1)
          await this.#sleep(base / 2 + Math.random() * (base / 2))
        },
        shouldConsumeRetry: ({ error }) =>
          (error as { rateLimited?: boolean }).rateLimited !== true,
      })
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e)
      throw new UnavailableError(`lister request failed after retries: ${msg}`)
    }
  }

  close(): void {
    this.#client.close()
  }
}

/** The URL of `rel="next"` in a Link header, if any. */
export function nextLink(link: string | undefined): string | null {
  if (!link) return null
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim())
    if (m && /\brel="?next"?/.test(m[2]!)) return m[1]!
  }
  return null
}

/** A body read as JSON; throws (a retried failure) when it is not JSON. */
function jsonPage(bytes: Uint8Array, header: (name: string) => string | undefined): JsonPage {
  try {
    return { body: JSON.parse(new TextDecoder().decode(bytes)) as unknown, header }
  } catch {
    throw new Error('malformed JSON answer')
  }
}
