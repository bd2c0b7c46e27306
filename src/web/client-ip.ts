/**
 * Who is calling, behind reverse proxies: the client address is the one the trusted proxies
 * saw, i.e. walking `X-Forwarded-For` from the right (the socket peer first), the first address
 * that is not a trusted proxy. Entries to its left were written by the client and are ignored,
 * so a caller cannot choose its rate-limit key or claim an exempt network. The walk is
 * `proxy-addr`'s (as Express does it).
 *
 * Trust settings (`arca serve --trust-proxy [SPEC]`): `false` trusts nobody (forwarded headers
 * are ignored); `true` (the flag alone) trusts proxies on loopback; a string is a comma list of
 * `loopback`, `linklocal`, `uniquelocal`, addresses and CIDR networks; a number N trusts the N
 * hops nearest to the server, whatever their addresses.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'

import type { Context } from 'hono'
import { LRUCache } from 'lru-cache'
import proxyaddr from 'proxy-addr'

import { InvalidInputError } from '../errors.js'

/** The `--trust-proxy` setting (see the module description). */
export type TrustProxySetting = boolean | number | string

/** Whether the hop `hop` away from the server (0: the socket peer), at `address`, is trusted. */
export type ProxyTrust = (address: string, hop: number) => boolean

/** Compiled settings, the least recently used forgotten beyond 100. */
const compiled = new LRUCache<TrustProxySetting, ProxyTrust>({ max: 100 })

/** The trust function of a setting; a bad setting is an error naming it. */
export function proxyTrust(setting: TrustProxySetting): ProxyTrust {
  const hit = compiled.get(setting)
  if (hit) return hit
  let trust: ProxyTrust
  if (setting === false) trust = () => false
  else if (setting === true) trust = proxyaddr.compile('loopback')
  else if (typeof setting === 'number' || /^\d+$/.test(setting.trim())) {
    const hops = Number(setting)
    if (!Number.isSafeInteger(hops) || hops < 0)
      throw new InvalidInputError(`Invalid trusted proxy hop count "${setting}"`)
    trust = (_address, hop) => hop < hops
  } else {
    const list = setting
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    if (list.length === 0) throw new InvalidInputError('Empty trusted proxy list')
    try {
      trust = proxyaddr.compile(list)
    } catch (e) {
      throw new InvalidInputError(
        `Invalid trusted proxy list "${setting}": ${(e as Error).message} (use loopback, linklocal, uniquelocal, addresses, CIDRs or a hop count)`,
        { cause: e },
      )
    }
  }
  compiled.set(setting, trust)
  return trust
}

/** The socket peer's address (`127.0.0.1` for in-process requests, which have no socket). */
export function peerAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress ?? '127.0.0.1'
}

/** Whether the socket peer is a trusted proxy (so its forwarded headers may be believed). */
export function fromTrustedProxy(c: Context, setting: TrustProxySetting): boolean {
  return proxyTrust(setting)(peerAddress(c), 0)
}

/** The client's address: the nearest hop that is not a trusted proxy. */
export function clientIp(c: Context, setting: TrustProxySetting): string {
  const peer = peerAddress(c)
  if (setting === false) return peer
  const fwd = c.req.header('x-forwarded-for')
  const request = {
    headers: fwd === undefined ? {} : { 'x-forwarded-for': fwd },
    connection: { remoteAddress: peer },
    socket: { remoteAddress: peer },
  } as unknown as IncomingMessage
  return proxyaddr(request, proxyTrust(setting))
}
