/**
 * Rate limits of the Web API, with Software Heritage's scopes and defaults (`swh/web/config.py`):
 * anonymous callers are counted per IP address, token holders per token with ten times the
 * quota, configured networks are exempt. Answers carry `X-RateLimit-Limit`, `-Remaining` and
 * `-Reset` (Unix seconds) except for exempt callers; an exhausted quota is a 429.
 *
 * Counting is in fixed windows, by a {@link RateCounter}: in the process by default, or in Redis
 * (`arca serve --rate-limit-store redis://…`) so that every web process of a deployment shares
 * the same counts. If Redis cannot be reached, requests are let through (and a warning logged):
 * an outage of the limiter must not become an outage of the archive.
 *
 * @module
 */

import { BlockList, isIP } from 'node:net'

import { createClient } from '@redis/client'
import { LRUCache } from 'lru-cache'

import { InvalidInputError, UnavailableError } from '../../errors.js'

/** A rate: `count` requests per `seconds`. */
export interface Rate {
  readonly count: number
  readonly seconds: number
}

/** Scopes and their anonymous rates. */
export const DEFAULT_RATES: Readonly<Record<string, Rate>> = {
  swh_api: { count: 120, seconds: 3600 },
  swh_api_origin_search: { count: 10, seconds: 60 },
  // code search (beyond SWH): heavier than an origin search, lighter than a scan
  swh_api_code_search: { count: 30, seconds: 60 },
  swh_api_origin_visit_latest: { count: 700, seconds: 60 },
  // citations (Software Heritage's `swh_api_metadata_citation`: 60/m)
  swh_api_metadata_citation: { count: 60, seconds: 60 },
  swh_raw_object: { count: 120, seconds: 3600 },
  swh_api_mirror: { count: 100_000, seconds: 60 },
  // Save Code Now: reading requests, and making them (SWH's POST rate of `swh_save_origin`)
  swh_save_origin: { count: 120, seconds: 3600 },
  swh_save_origin_post: { count: 10, seconds: 3600 },
  // the vault: requesting a cooking (SWH's default rate of `swh_vault_cooking`) and checking one
  // (its GET rate)
  swh_vault_cooking: { count: 120, seconds: 3600 },
  swh_vault_cooking_get: { count: 60, seconds: 60 },
  // Add Forge Now: reading requests, and making or moderating them
  swh_add_forge_now: { count: 120, seconds: 3600 },
  swh_add_forge_now_post: { count: 10, seconds: 3600 },
}

/** Default exempt networks (as Software Heritage: local callers). */
export const DEFAULT_EXEMPT_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128']

/** Factor applied to a rate for token holders. */
export const AUTHENTICATED_FACTOR = 10

/** Parses `120/h`, `10/min`, `5/s`, `1000/d` (s, sec, second, m, min, minute, h, hour, d, day). */
export function parseRate(text: string): Rate {
  const m = /^(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour|d|day)$/i.exec(text.trim())
  if (!m) throw new InvalidInputError(`Invalid rate "${text}": use e.g. 120/h, 10/min`)
  const count = Number(m[1])
  if (!Number.isSafeInteger(count))
    throw new InvalidInputError(`Invalid rate "${text}": the count is too large`)
  const unit = m[2]!.toLowerCase()[0]!
  const seconds = unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 86400
  return { count, seconds }
}

/**
 * Parses a `--rate` option, `scope=rate` (`swh_api=120/h`), into its scope and rate. The scope
 * must be one of {@link DEFAULT_RATES}: a misspelt scope would otherwise change nothing.
 */
export function parseScopedRate(spec: string): [scope: string, rate: Rate] {
  const eq = spec.indexOf('=')
  if (eq < 0)
    throw new InvalidInputError(`Invalid --rate "${spec}": use scope=rate, e.g. swh_api=120/h`)
  const scope = spec.slice(0, eq).trim()
  if (!Object.hasOwn(DEFAULT_RATES, scope)) {
    throw new InvalidInputError(
      `Invalid --rate "${spec}": unknown scope "${scope}" (scopes: ${Object.keys(DEFAULT_RATES).join(', ')})`,
    )
  }
  return [scope, parseRate(spec.slice(eq + 1))]
}

/** Result of counting one request. */
export interface RateDecision {
  readonly allowed: boolean
  /** Headers to send (none for exempt callers). */
  readonly headers: Readonly<Record<string, string>>
}

/** Where counts live. */
export interface RateCounter {
  /**
   * Adds one to `key`'s count in the window that ends at `windowEndMs` (Unix ms); returns the
   * new count. The count may be forgotten once the window has ended.
   */
  increment(key: string, windowEndMs: number): Promise<number>
  close(): Promise<void>
}

/** Counts in this process's memory. */
export class MemoryRateCounter implements RateCounter {
  readonly #counts = new Map<string, { end: number; count: number }>()

  increment(key: string, windowEndMs: number): Promise<number> {
    let c = this.#counts.get(key)
    if (!c || c.end !== windowEndMs) {
      c = { end: windowEndMs, count: 0 }
      this.#counts.set(key, c)
      if (this.#counts.size > 200_000) this.#prune()
    }
    c.count++
    return Promise.resolve(c.count)
  }

  #prune(): void {
    const now = Date.now()
    for (const [k, c] of this.#counts) if (c.end <= now) this.#counts.delete(k)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

function newRedisClient(url: string, state: { connected: boolean }) {
  return createClient({
    url,
    // Fail fast while Redis is away (the limiter lets requests through), reconnect behind; but
    // a store that cannot be reached at start-up is an error.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number, cause: Error) =>
        state.connected ? Math.min(retries * 200, 5000) : cause,
    },
  })
}
type RedisClient = ReturnType<typeof newRedisClient>

/**
 * Counts in Redis, shared by every process that uses the same server and prefix: one key per
 * caller, scope and window, incremented and given its expiry in one transaction.
 */
export class RedisRateCounter implements RateCounter {
  readonly #client: RedisClient
  readonly #prefix: string
  #lastWarning = 0

  private constructor(client: RedisClient, prefix: string) {
    this.#client = client
    this.#prefix = prefix
  }

  /** Connects to `redis://[user:password@]host:port[/db]`; keys start with `prefix`. */
  static async connect(url: string, prefix = 'arca:rl:'): Promise<RedisRateCounter> {
    if (!/^rediss?:\/\//.test(url))
      throw new InvalidInputError(`Invalid rate limit store "${url}": use redis://HOST:PORT`)
    const state = { connected: false }
    const client = newRedisClient(url, state)
    client.on('error', () => undefined) // reported by the failing calls
    try {
      await client.connect()
      state.connected = true
    } catch (e) {
      if (client.isOpen) client.destroy()
      throw new UnavailableError(`Cannot reach the rate limit store at ${url}`, { cause: e })
    }
    return new RedisRateCounter(client, prefix)
  }

  async increment(key: string, windowEndMs: number): Promise<number> {
    const k = `${this.#prefix}${key}|${windowEndMs}`
    const [count] = await this.#client
      .multi()
      .incr(k)
      .pExpireAt(k, windowEndMs + 1000)
      .exec()
    return Number(count)
  }

  /** Whether a warning about a failure is due (at most one a minute). */
  warnDue(now = Date.now()): boolean {
    if (now - this.#lastWarning < 60_000) return false
    this.#lastWarning = now
    return true
  }

  async close(): Promise<void> {
    await this.#client.close().catch(() => this.#client.destroy())
  }
}

/** Settings of {@link RateLimiter}. */
export interface RateLimiterInit {
  /** Rates per scope (defaults: {@link DEFAULT_RATES}). */
  readonly rates?: Readonly<Record<string, Rate>>
  /** CIDR networks never limited. */
  readonly exemptNetworks?: readonly string[]
  /** Turn limiting off entirely. */
  readonly disabled?: boolean
  /** Where counts live (default: this process's memory). */
  readonly counter?: RateCounter
  /** Told when the counter fails (the request is then allowed). */
  readonly onCounterError?: (error: unknown) => void
}

/**
 * Counts requests per scope and caller.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ exemptNetworks: [] })
 * const { allowed } = await limiter.check('swh_api', { ip: '10.0.0.1', token: null })
 * ```
 */
export class RateLimiter {
  readonly #rates: Record<string, Rate>
  readonly #exempt = new BlockList()
  /**
   * Answers of `#exempt` by caller address (the networks never change): `BlockList.check`
   * builds a `SocketAddress` each time, a good part of the limiter's cost per request.
   */
  readonly #exemptByIp = new LRUCache<string, boolean>({ max: 10_000 })
  readonly #disabled: boolean
  readonly #counter: RateCounter
  readonly #onCounterError: ((error: unknown) => void) | undefined

  constructor(init: RateLimiterInit = {}) {
    this.#rates = { ...DEFAULT_RATES, ...(init.rates ?? {}) }
    this.#disabled = init.disabled === true
    this.#counter = init.counter ?? new MemoryRateCounter()
    this.#onCounterError = init.onCounterError
    for (const net of init.exemptNetworks ?? DEFAULT_EXEMPT_NETWORKS) {
      const [addr, bits] = net.split('/')
      const family = isIP(addr ?? '')
      if (!family) throw new InvalidInputError(`Invalid exempt network "${net}"`)
      this.#exempt.addSubnet(
        addr!,
        Number(bits ?? (family === 4 ? 32 : 128)),
        family === 4 ? 'ipv4' : 'ipv6',
      )
    }
  }

  #isExempt(ip: string): boolean {
    const known = this.#exemptByIp.get(ip)
    if (known !== undefined) return known
    const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
    const family = isIP(plain)
    const exempt = family !== 0 && this.#exempt.check(plain, family === 4 ? 'ipv4' : 'ipv6')
    this.#exemptByIp.set(ip, exempt)
    return exempt
  }

  /** Counts a request of `caller` in `scope`. */
  async check(
    scope: string,
    caller: { ip: string; token: string | null },
    now = Date.now(),
  ): Promise<RateDecision> {
    if (this.#disabled || this.#isExempt(caller.ip)) return { allowed: true, headers: {} }
    const rate = this.#rates[scope] ?? this.#rates['swh_api']!
    const limit = caller.token ? rate.count * AUTHENTICATED_FACTOR : rate.count
    const windowMs = rate.seconds * 1000
    const windowEnd = (Math.floor(now / windowMs) + 1) * windowMs
    const key = `${scope}|${caller.token ? `t:${caller.token}` : `ip:${caller.ip}`}`
    let count: number
    try {
      count = await this.#counter.increment(key, windowEnd)
    } catch (e) {
      this.#onCounterError?.(e)
      return { allowed: true, headers: {} }
    }
    return {
      allowed: count <= limit,
      headers: {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(Math.max(0, limit - count)),
        'X-RateLimit-Reset': String(Math.ceil(windowEnd / 1000)),
      },
    }
  }
}
