/**
 * Resolving a host under a network policy: every address of every family, each checked
 * (`policy.ts`), and a `lookup` function for node's `http`, `https` and `net` that hands the
 * connection exactly the addresses it checked, so that a name answering a public address to
 * the check and a private one to the connection (DNS rebinding) is never connected to.
 *
 * @module
 */

import { type LookupAddress, type LookupOptions, promises as dns } from 'node:dns'
import type { LookupFunction } from 'node:net'

import { ForbiddenError, NotFoundError } from '../errors.js'
import { checkAddress, type NetPolicy } from './policy.js'
import { parseAddress } from './ranges.js'

/** An address and its family (4 or 6). */
export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/** `[::1]` → `::1`. */
function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function isNoData(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'ENODATA' || code === 'ENOTFOUND' || code === 'NOTFOUND' || code === 'ENOENT'
}

/** Every address of `host` (an address stands for itself), by the policy's resolver. */
export async function resolveHost(host: string, policy: NetPolicy): Promise<ResolvedAddress[]> {
  const literal = parseAddress(host)
  if (literal) return [{ address: literal.toString(), family: literal.kind() === 'ipv4' ? 4 : 6 }]
  const name = bareHost(host)
  let out: ResolvedAddress[]
  if (policy.dnsServers && policy.dnsServers.length > 0) {
    const resolver = new dns.Resolver({ timeout: 5000, tries: 2 })
    resolver.setServers([...policy.dnsServers])
    const family = async (f: 4 | 6): Promise<ResolvedAddress[]> => {
      try {
        const list = f === 4 ? await resolver.resolve4(name) : await resolver.resolve6(name)
        return list.map((address) => ({ address, family: f }))
      } catch (e) {
        if (isNoData(e)) return []
        throw e
      }
    }
    const [v4, v6] = await Promise.all([family(4), family(6)])
    out = [...v4, ...v6]
  } else {
    try {
      const list = await dns.lookup(name, { all: true, verbatim: true })
      out = list.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
    } catch (e) {
      if (!isNoData(e)) throw e
      out = []
    }
  }
  if (out.length === 0)
    throw new NotFoundError(`The host ${name} could not be resolved`, { details: { host: name } })
  return out
}

/**
 * Every address of `host`, when each may be reached under `policy`; else a ForbiddenError
 * naming the host, the address and its range.
 */
export async function resolveAllowed(host: string, policy: NetPolicy): Promise<ResolvedAddress[]> {
  const addresses = await resolveHost(host, policy)
  for (const a of addresses) {
    const reason = checkAddress(a.address, bareHost(host), policy)
    if (reason) throw new ForbiddenError(reason, { details: { host, address: a.address } })
  }
  return addresses
}

/**
 * A `lookup` for node's `http.request`, `https.request` and `net.connect` that resolves with
 * the policy's resolver and fails (with the ForbiddenError of {@link resolveAllowed}) when any
 * address may not be reached: the connection then uses only addresses that were checked.
 *
 * @example
 * ```ts
 * http.request(url, { lookup: checkedLookup(policy) })
 * ```
 */
export function checkedLookup(policy: NetPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback): void => {
    resolveAllowed(hostname, policy).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0
        const list = all.filter((a) => wanted === 0 || a.family === wanted)
        if (options.all) {
          callback(
            null,
            list.map((a): LookupAddress => ({ ...a })),
          )
        } else if (list.length === 0) {
          callback(
            Object.assign(new Error(`${hostname} has no IPv${wanted} address`), {
              code: 'ENOTFOUND',
            }),
            '',
          )
        } else {
          callback(null, list[0]!.address, list[0]!.family)
        }
      },
      (e: NodeJS.ErrnoException) => callback(e, ''),
    )
  }
}
