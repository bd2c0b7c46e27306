/**
 * Registry API requests of the package loaders: every one through the SSRF-checking client of
 * src/net (under the load's network policy, each redirect checked too), with a size cap, and
 * a 404 told apart from other failures (an unknown package is a `not_found` visit).
 *
 * @module
 */

import { CorruptError, NotFoundError, TooLargeError, UnavailableError } from '../../errors.js'
import { HttpClient, type NetPolicy } from '../../net/index.js'

/** Registry answers larger than this are refused (npm's largest packuments are ~100 MB). */
export const DEFAULT_MAX_API_BYTES = 256 * 1024 * 1024

/** Settings of one registry request. */
export interface RegistryFetchOptions {
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
  readonly headers?: Readonly<Record<string, string>>
  readonly maxBytes?: number
}

/**
 * The body of `GET url`; a NotFoundError for 404/410, an UnavailableError for another status.
 *
 * @example
 * ```ts
 * const body = await fetchBytes('https://registry.npmjs.org/left-pad', {})
 * ```
 */
export async function fetchBytes(url: string, options: RegistryFetchOptions): Promise<Uint8Array> {
  const client = new HttpClient(options.network)
  try {
    const res = await client.request(url, {
      ...(options.signal ? { signal: options.signal } : {}),
      headers: { 'User-Agent': 'arca-loader', ...options.headers },
    })
    if (res.status === 404 || res.status === 410) {
      res.cancel()
      throw new NotFoundError(`${url} answered ${res.status}`)
    }
    if (!res.ok) {
      res.cancel()
      throw new UnavailableError(`${url} answered ${res.status}`)
    }
    const max = options.maxBytes ?? DEFAULT_MAX_API_BYTES
    const parts: Uint8Array[] = []
    let size = 0
    for await (const chunk of res.body) {
      size += chunk.length
      if (size > max) {
        res.cancel()
        throw new TooLargeError(`${url} sent more than ${max} bytes`)
      }
      parts.push(chunk)
    }
    return Buffer.concat(parts)
  } finally {
    client.close()
  }
}

/** The JSON body of `GET url` (a CorruptError naming the URL when it is not JSON). */
export async function fetchJson(url: string, options: RegistryFetchOptions): Promise<unknown> {
  const bytes = await fetchBytes(url, {
    ...options,
    headers: { Accept: 'application/json', ...options.headers },
  })
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown
  } catch {
    throw new CorruptError(`${url} did not answer JSON`)
  }
}
