/**
 * The address ranges a fetch made on someone's request must not reach: loopback, private and
 * shared (CGNAT) networks, link-local, unique-local, multicast, unspecified, broadcast,
 * reserved, benchmarking and documentation ranges (IANA's IPv4 and IPv6 special-purpose
 * registries, RFC 6890 and its updates), and the instance-metadata addresses of cloud
 * providers. IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d`, 6to4 `2002:AABB:CCDD::`, Teredo) are judged by the address they carry.
 * Addresses are parsed with `ipaddr.js`, which also reads the short and numeric IPv4 forms
 * (`127.1`, `0x7f.1`, `2130706433`) that resolvers accept.
 *
 * @module
 */

import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** One special range: its CIDR and what it is. */
interface SpecialRange {
  readonly cidr: string
  readonly name: string
  readonly range: [Address, number]
}

function table(entries: readonly (readonly [string, string])[]): SpecialRange[] {
  return entries.map(([cidr, name]) => ({ cidr, name, range: ipaddr.parseCIDR(cidr) }))
}

/** Cloud instance-metadata and platform endpoints, named before the ranges holding them. */
const METADATA = table([
  ['169.254.169.254/32', 'cloud metadata (AWS, GCP, Azure, OpenStack, DigitalOcean)'],
  ['169.254.170.2/32', 'cloud metadata (AWS ECS task metadata)'],
  ['169.254.169.253/32', 'cloud metadata (AWS DNS resolver)'],
  ['168.63.129.16/32', 'cloud metadata (Azure WireServer)'],
  ['100.100.100.200/32', 'cloud metadata (Alibaba Cloud)'],
  ['192.0.0.192/32', 'cloud metadata (Oracle Cloud)'],
  ['fd00:ec2::254/128', 'cloud metadata (AWS IMDS over IPv6)'],
  ['fd00:ec2::23/128', 'cloud metadata (AWS DNS resolver over IPv6)'],
])

const V4 = table([
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', 'reserved (former 6to4 relay anycast)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
])

const V6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'NAT64 local-use'],
  ['100::/64', 'discard-only'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['2001:10::/28', 'ORCHID (deprecated)'],
  ['2001:20::/28', 'ORCHIDv2'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'SRv6 SIDs'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
])

/** IPv6 prefixes that carry an IPv4 address, and where it sits. */
const EMBEDDING: readonly {
  readonly name: string
  readonly range: [Address, number]
  readonly v4: (p: readonly number[]) => readonly number[]
}[] = [
  {
    name: 'IPv4-mapped',
    range: ipaddr.parseCIDR('::ffff:0:0/96'),
    v4: (p) => [p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255],
  },
  {
    name: 'NAT64',
    range: ipaddr.parseCIDR('64:ff9b::/96'),
    v4: (p) => [p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255],
  },
  {
    name: 'IPv4-translated',
    range: ipaddr.parseCIDR('::ffff:0:0:0/96'),
    v4: (p) => [p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255],
  },
  {
    name: '6to4',
    range: ipaddr.parseCIDR('2002::/16'),
    v4: (p) => [p[1]! >> 8, p[1]! & 255, p[2]! >> 8, p[2]! & 255],
  },
  {
    // The client's address, inverted, in the last 32 bits.
    name: 'Teredo',
    range: ipaddr.parseCIDR('2001::/32'),
    v4: (p) => [(~p[6]! >> 8) & 255, ~p[6]! & 255, (~p[7]! >> 8) & 255, ~p[7]! & 255],
  },
]

/** Why an address is special: the range it is in (with the address it carries, if any). */
export interface AddressClass {
  /** What the range is (`loopback`, `private`, `cloud metadata (…)`, …). */
  readonly name: string
  /** The range, as a CIDR. */
  readonly cidr: string
  /** For an IPv6 address carrying an IPv4 one: the form and the IPv4 address. */
  readonly via?: { readonly form: string; readonly v4: string }
}

/** Parses an IP address in any form resolvers accept; null when `text` is not one. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (!ipaddr.isValid(bare)) return null
  try {
    return ipaddr.parse(bare)
  } catch {
    return null
  }
}

function inTable(addr: Address, entries: readonly SpecialRange[]): SpecialRange | undefined {
  return entries.find((r) => r.range[0].kind() === addr.kind() && addr.match(r.range))
}

/**
 * The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64, IPv4-translated, 6to4,
 * Teredo), with the form's name; null for other addresses.
 */
export function embeddedV4(addr: Address): { form: string; v4: ipaddr.IPv4 } | null {
  if (addr.kind() !== 'ipv6') return null
  const v6 = addr as ipaddr.IPv6
  for (const e of EMBEDDING)
    if (v6.match(e.range)) return { form: e.name, v4: new ipaddr.IPv4([...e.v4(v6.parts)]) }
  return null
}

/**
 * The special range `address` is in, or null for a globally reachable address.
 *
 * @example
 * ```ts
 * classifyAddress('::ffff:127.0.0.1') // { name: 'loopback', cidr: '127.0.0.0/8', via: { form: 'IPv4-mapped', v4: '127.0.0.1' } }
 * classifyAddress('140.82.121.4') // null
 * ```
 */
export function classifyAddress(address: string | Address): AddressClass | null {
  const addr = typeof address === 'string' ? parseAddress(address) : address
  if (addr === null) return { name: 'not an IP address', cidr: String(address) }
  const meta = inTable(addr, METADATA)
  if (meta) return { name: meta.name, cidr: meta.cidr }
  const embedded = embeddedV4(addr)
  if (embedded) {
    const inner = classifyAddress(embedded.v4)
    return inner && { ...inner, via: { form: embedded.form, v4: embedded.v4.toString() } }
  }
  const r = inTable(addr, addr.kind() === 'ipv4' ? V4 : V6)
  return r ? { name: r.name, cidr: r.cidr } : null
}
