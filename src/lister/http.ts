/**
 * The polite HTTP client of listers: every request SSRF-checked (the net area's client), a
 * clear User-Agent, a timeout per request, retries with exponential backoff and jitter on 5xx,
 * network errors and malformed JSON, and the forge's rate limits honoured (429, or 403 with
 * `Retry-After` or `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`). A request that still
 * fails after its retries throws: the run ends as failed. The token is sent, never logged.
 *
 * @module
 */

import pRetry, { AbortError } from 'p-retry'

import { UnavailableError } from '../errors.js'
import { HttpClient, type NetPolicy } from '../net/index.js'

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
}

/** A JSON answer and its headers. */
export interface JsonPage {
  readonly body: unknown
  header(name: string): string | undefined
}

const MAX_BODY = 64 * 1024 * 1024
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
    return this.#get(url, options.accept ?? 'application/json', (bytes) => {
      try {
        return JSON.parse(new TextDecoder().decode(bytes)) as unknown
      } catch {
        throw new Error(`${url}: malformed JSON answer`)
      }
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
    const page = await this.#get(url, options.accept ?? '*/*', (bytes) => bytes, {
      allowNotFound: options.allowNotFound ?? false,
    })
    return page === null ? null : { ...page, body: page.body as Uint8Array }
  }

  async #get(
    url: string,
    accept: string,
    parse: (bytes: Uint8Array) => unknown,
    options: { readonly allowNotFound: boolean },
  ): Promise<JsonPage | null>
  async #get(url: string, accept: string, parse: (bytes: Uint8Array) => unknown): Promise<JsonPage>
  async #get(
    url: string,
    accept: string,
    parse: (bytes: Uint8Array) => unknown,
    options: { readonly allowNotFound: boolean } = { allowNotFound: false },
  ): Promise<JsonPage | null> {
    const headers: Record<string, string> = {
      'user-agent': LISTER_USER_AGENT,
      accept,
    }
    if (this.#init.token)
      headers['authorization'] = `${this.#init.authScheme ?? 'Bearer'} ${this.#init.token}`
    const retries = this.#init.retries ?? 5
    const minBackoff = this.#init.minBackoffMs ?? 1000
    let rateWaits = 0
    const attempt = async (): Promise<JsonPage | null> => {
      const res = await this.#client.request(url, {
        headers,
        signal: AbortSignal.timeout(this.#init.timeoutMs ?? 30_000),
      })
      const wait = rateLimitWait(res.status, (n) => res.header(n), this.#now())
      if (wait !== null) {
        res.cancel()
        if (wait > (this.#init.maxRateLimitWaitMs ?? 3_600_000) || rateWaits++ > retries)
          throw new AbortError(`${url}: rate limited (HTTP ${res.status}), wait ${wait} ms refused`)
        await this.#sleep(wait)
        // a retry the backoff does not delay further
        throw Object.assign(new Error(`${url}: rate limited (HTTP ${res.status})`), {
          rateLimited: true,
        })
      }
      if (res.status >= 500) {
        res.cancel()
        throw new Error(`${url}: HTTP ${res.status}`)
      }
      if (res.status === 404 && options.allowNotFound) {
        res.cancel()
        return null
      }
      if (!res.ok) {
        res.cancel()
        throw new AbortError(`${url}: HTTP ${res.status}`)
      }
      const chunks: Uint8Array[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += chunk.length
        if (size > MAX_BODY) {
          res.cancel()
          throw new AbortError(`${url}: the answer is larger than ${MAX_BODY} bytes`)
        }
        chunks.push(chunk)
      }
      return { body: parse(Buffer.concat(chunks)), header: (n: string) => res.header(n) }
    }
    try {
      return await pRetry(attempt, {
        retries,
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ error, attemptNumber }) => {
          if ((error as { rateLimited?: boolean }).rateLimited) return
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
