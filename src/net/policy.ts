/**
 * The network policy of fetches made on someone's request: every special range is refused
 * (`ranges.ts`) except the networks the operator allows (`--allow-network CIDR`,
 * `ARCA_ALLOW_NETWORKS`), e.g. a forge on the local network. An allowed network admits the
 * IPv4-mapped form of its addresses too.
 *
 * @module
 */

import ipaddr from 'ipaddr.js'

import { InvalidInputError } from '../errors.js'
import { classifyAddress, embeddedV4, parseAddress } from './ranges.js'

/** What a fetch made on someone's request may reach. */
export interface NetPolicy {
  /** Networks (CIDRs, or single addresses) allowed although special, e.g. `10.1.0.0/16`. */
  readonly allowNetworks: readonly string[]
  /**
   * DNS servers (`address` or `address:port`) names are resolved with; default: the system's
   * resolver (`getaddrinfo`: /etc/hosts, then DNS), as connections would use.
   */
  readonly dnsServers?: readonly string[]
}

/** The policy that allows nothing special. */
export const STRICT_POLICY: NetPolicy = { allowNetworks: [] }

/** A CIDR or single address, checked and in canonical form; an InvalidInputError if not one. */
export function parseNetwork(text: string): string {
  const t = text.trim()
  try {
    if (ipaddr.isValidCIDR(t)) {
      const [addr, bits] = ipaddr.parseCIDR(t)
      return `${addr.toString()}/${bits}`
    }
    const addr = parseAddress(t)
    if (addr) return `${addr.toString()}/${addr.kind() === 'ipv4' ? 32 : 128}`
  } catch {
    // reported below
  }
  throw new InvalidInputError(
    `"${text}" is not a network: give a CIDR such as 10.0.0.0/8 or fd12:3456::/48, or an address`,
  )
}

/** Networks from a comma- or space-separated list (`ARCA_ALLOW_NETWORKS`). */
export function parseNetworkList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map(parseNetwork)
}

/** The allowed network holding `address` (or the IPv4 address it maps), if any. */
function allowedBy(address: string, policy: NetPolicy): string | undefined {
  const addr = parseAddress(address)
  if (addr === null) return undefined
  const mapped = addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
  const forms = mapped ? [addr, embeddedV4(addr)!.v4] : [addr]
  return policy.allowNetworks.find((cidr) => {
    const range = ipaddr.parseCIDR(cidr)
    return forms.some((f) => f.kind() === range[0].kind() && f.match(range))
  })
}

/**
 * Why `address` (of `host`) may not be reached under `policy`, or null when it may.
 *
 * @example
 * ```ts
 * checkAddress('10.0.0.7', 'git.internal', STRICT_POLICY)
 * // 'git.internal resolves to 10.0.0.7, in 10.0.0.0/8 (private), which is not allowed'
 * ```
 */
export function checkAddress(address: string, host: string, policy: NetPolicy): string | null {
  const c = classifyAddress(address)
  if (c === null || allowedBy(address, policy)) return null
  const where =
    host === address || `[${address}]` === host ? host : `${host} resolves to ${address}`
  const via = c.via ? `, which carries ${c.via.v4} (${c.via.form}),` : ''
  return `${where}${via} in ${c.cidr} (${c.name}), which is not allowed (allow it with --allow-network)`
}
