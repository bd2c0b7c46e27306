/**
 * Rate limits of the Web API, with Software Heritage's scopes and defaults (`swh/web/config.py`):
 * anonymous callers are counted per IP address, token holders per token with ten times the
 * quota, configured networks are exempt. Answers carry `X-RateLimit-Limit`, `-Remaining` and
 * `-Reset` (Unix seconds) except for exempt callers; an exhausted quota is a 429.
 *
 * Counting is per process, in fixed windows. Several web processes each count on their own (a
 * deployment behind a load balancer should divide the limits, or pin clients).
 *
 * @module
 */

import { BlockList, isIP } from 'node:net'

import { InvalidInputError } from '../../errors.js'

/** A rate: `count` requests per `seconds`. */
export interface Rate {
  readonly count: number
  readonly seconds: number
}

/** Scopes and their anonymous rates. */
export const DEFAULT_RATES: Readonly<Record<string, Rate>> = {
  swh_api: { count: 120, seconds: 3600 },
  swh_api_origin_search: { count: 10, seconds: 60 },
  swh_api_origin_visit_latest: { count: 700, seconds: 60 },
  swh_raw_object: { count: 120, seconds: 3600 },
  swh_api_mirror: { count: 100_000, seconds: 60 },
}

/** Default exempt networks (as Software Heritage: local callers). */
export const DEFAULT_EXEMPT_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128']

/** Factor applied to a rate for token holders. */
export const AUTHENTICATED_FACTOR = 10

/** Parses `120/h`, `10/min`, `5/s`, `1000/d`. */
export function parseRate(text: string): Rate {
  const m = /^(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour|d|day)$/i.exec(text.trim())
  if (!m) throw new InvalidInputError(`Invalid rate "${text}": use e.g. 120/h, 10/min`)
  const unit = m[2]!.toLowerCase()[0]!
  const seconds = unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 86400
  return { count: Number(m[1]), seconds }
}

/** Result of counting one request. */
export interface RateDecision {
  readonly allowed: boolean
  /** Headers to send (none for exempt callers). */
  readonly headers: Readonly<Record<string, string>>
}

/** Settings of {@link RateLimiter}. */
export interface RateLimiterInit {
  /** Rates per scope (defaults: {@link DEFAULT_RATES}). */
  readonly rates?: Readonly<Record<string, Rate>>
  /** CIDR networks never limited. */
  readonly exemptNetworks?: readonly string[]
  /** Turn limiting off entirely. */
  readonly disabled?: boolean
}

/**
 * Counts requests per scope and caller.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ exemptNetworks: [] })
 * limiter.check('swh_api', { ip: '10.0.0.1', token: null }).allowed
 * ```
 */
export class RateLimiter {
  readonly #rates: Record<string, Rate>
  readonly #exempt = new BlockList()
  readonly #disabled: boolean
  readonly #windows = new Map<string, { window: number; count: number }>()

  constructor(init: RateLimiterInit = {}) {
    this.#rates = { ...DEFAULT_RATES, ...(init.rates ?? {}) }
    this.#disabled = init.disabled === true
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
    const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
    const family = isIP(plain)
    if (!family) return false
    return this.#exempt.check(plain, family === 4 ? 'ipv4' : 'ipv6')
  }

  /** Counts a request of `caller` in `scope`. */
  check(
    scope: string,
    caller: { ip: string; token: string | null },
    now = Date.now(),
  ): RateDecision {
    if (this.#disabled || this.#isExempt(caller.ip)) return { allowed: true, headers: {} }
    const rate = this.#rates[scope] ?? this.#rates['swh_api']!
    const limit = caller.token ? rate.count * AUTHENTICATED_FACTOR : rate.count
    const windowMs = rate.seconds * 1000
    const window = Math.floor(now / windowMs)
    const key = `${scope}|${caller.token ? `t:${caller.token}` : `ip:${caller.ip}`}`
    let w = this.#windows.get(key)
    if (!w || w.window !== window) {
      w = { window, count: 0 }
      this.#windows.set(key, w)
      if (this.#windows.size > 200_000) this.#prune(now)
    }
    const allowed = w.count < limit
    if (allowed) w.count++
    const reset = Math.ceil(((window + 1) * windowMs) / 1000)
    return {
      allowed,
      headers: {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(Math.max(0, limit - w.count)),
        'X-RateLimit-Reset': String(reset),
      },
    }
  }

  #prune(now: number): void {
    for (const [k, w] of this.#windows) {
      const rate = this.#rates[k.split('|')[0]!] ?? this.#rates['swh_api']!
      if (w.window < Math.floor(now / (rate.seconds * 1000))) this.#windows.delete(k)
    }
  }
}
