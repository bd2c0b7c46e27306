/**
 * HTTP(S) requests for loaders, over node's `http`/`https` (global `fetch` cannot be given a
 * `lookup`): under a network policy every connection resolves through the checking lookup
 * (`resolve.ts`), and redirects are followed by hand, at most a few, each `Location` checked
 * before it is requested; credentials are not sent to another origin. Without a policy the
 * same client follows redirects unchecked (the operator's own fetches).
 *
 * @module
 */

import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'

import { ForbiddenError, InvalidInputError, UnavailableError } from '../errors.js'
import { checkUrl } from './check.js'
import { checkAddress, type NetPolicy } from './policy.js'
import { parseAddress } from './ranges.js'
import { checkedLookup } from './resolve.js'

/** Redirects followed at most by default. */
export const MAX_REDIRECTS = 5

/** One request. */
export interface HttpRequestOptions {
  readonly method?: 'GET' | 'POST'
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Uint8Array
  readonly signal?: AbortSignal
  /** Redirects followed at most (default {@link MAX_REDIRECTS}; 0: a redirect is an error). */
  readonly maxRedirects?: number
}

/** A response whose body has not been read. */
export interface HttpResponse {
  /** The URL that answered (after redirects). */
  readonly url: string
  readonly status: number
  readonly ok: boolean
  /** A response header (lower-case name), joined with ", " when repeated. */
  header(name: string): string | undefined
  /** The body, as it arrives. */
  readonly body: AsyncIterable<Uint8Array>
  /** Up to `max` bytes of the body, as text (the rest is dropped). */
  text(max?: number): Promise<string>
  /** Drops the body and its connection. */
  cancel(): void
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** The error an aborted request fails with: the signal's reason, as an AbortError. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  })
}

/** `scheme://user:pass@host` → `scheme://host`, for messages. */
function noUserinfo(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, '$1')
}

function wrap(url: string, res: IncomingMessage): HttpResponse {
  // An error of an unread body (the request aborted) surfaces when it is read, not as a crash.
  res.on('error', () => undefined)
  const status = res.statusCode ?? 0
  return {
    url,
    status,
    ok: status >= 200 && status < 300,
    header: (name) => {
      const v = res.headers[name.toLowerCase()]
      return Array.isArray(v) ? v.join(', ') : v
    },
    body: res,
    async text(max = 64 * 1024) {
      const parts: Buffer[] = []
      let size = 0
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          parts.push(chunk)
          size += chunk.length
          if (size >= max) break
        }
      } finally {
        res.destroy()
      }
      return Buffer.concat(parts).subarray(0, max).toString('utf8')
    },
    cancel: () => void res.destroy(),
  }
}

/**
 * A client for one remote: its connections (kept alive between requests) are its own, so that
 * none made under another policy is reused. Call {@link HttpClient.close} when done.
 *
 * @example
 * ```ts
 * const client = new HttpClient({ allowNetworks: [] })
 * const res = await client.request('https://example.org/repo.git/info/refs?service=git-upload-pack')
 * ```
 */
export class HttpClient {
  readonly #policy: NetPolicy | undefined
  readonly #http = new http.Agent({ keepAlive: true })
  readonly #https = new https.Agent({ keepAlive: true })

  constructor(policy?: NetPolicy) {
    this.#policy = policy
  }

  /** Sends one request, following redirects (checked under the policy). */
  async request(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const max = options.maxRedirects ?? MAX_REDIRECTS
    let current = new URL(url)
    let method = options.method ?? 'GET'
    let body = options.body
    let headers = { ...options.headers }
    for (let hops = 0; ; hops++) {
      const res = await this.#once(current, method, headers, body, options.signal)
      const location = res.headers['location']
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined)
        return wrap(current.href, res)
      res.destroy()
      const from = noUserinfo(current.href)
      let next: URL
      try {
        next = new URL(location, current)
      } catch {
        throw new UnavailableError(`${from} redirects to an invalid location "${location}"`)
      }
      const to = noUserinfo(next.href)
      if (hops >= max)
        throw new UnavailableError(`${from} redirects once more than the ${max} allowed (to ${to})`)
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new ForbiddenError(`${from} redirects to ${to}, which is not HTTP(S): refused`)
      if (this.#policy) {
        const reason = await checkUrl(next.href, this.#policy)
        if (reason) throw new ForbiddenError(`${from} redirects to ${to}, refused: ${reason}`)
      }
      // Credentials go to the origin they were given for only.
      if (next.origin !== current.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
        )
      }
      if (
        res.statusCode === 303 ||
        (method === 'POST' && res.statusCode !== 307 && res.statusCode !== 308)
      ) {
        method = 'GET'
        body = undefined
      }
      current = next
    }
  }

  #once(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    const secure = url.protocol === 'https:'
    if (!secure && url.protocol !== 'http:')
      throw new InvalidInputError(`${noUserinfo(url.href)} is not an HTTP(S) URL`)
    const send = secure ? https.request : http.request
    // node calls no lookup for an address: it is checked here.
    const literal = this.#policy ? parseAddress(url.hostname) : null
    if (literal) {
      const reason = checkAddress(literal.toString(), url.hostname, this.#policy!)
      if (reason) return Promise.reject(new ForbiddenError(reason))
    }
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal))
      const req = send(url, {
        method,
        headers: body ? { ...headers, 'Content-Length': String(body.length) } : headers,
        agent: secure ? this.#https : this.#http,
        ...(this.#policy ? { lookup: checkedLookup(this.#policy) } : {}),
      })
      // Aborting cuts this exchange only while it lasts (node's own `signal` option would
      // also act on a socket already handed back to the pool).
      let response: IncomingMessage | null = null
      const onAbort = (): void => {
        const e = abortError(signal!)
        req.destroy(e)
        response?.destroy(e)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const done = (): void => signal?.removeEventListener('abort', onAbort)
      req.once('response', (res: IncomingMessage) => {
        response = res
        res.once('close', done)
        resolve(res)
      })
      // Errors after the response (a cut while its body is read) reach the body's reader.
      req.on('error', (e) => {
        done()
        reject(e)
      })
      req.end(body)
    })
  }

  /** Closes the kept connections. */
  close(): void {
    this.#http.destroy()
    this.#https.destroy()
  }
}
