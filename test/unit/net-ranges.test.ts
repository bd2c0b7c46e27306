/**
 * The SSRF address matrix: every special range (IANA's special-purpose registries, RFC 6890 and
 * its updates; cloud providers' documented metadata addresses), in IPv4, IPv6 and the IPv6
 * forms that carry an IPv4 address, with the networks an operator allows; and the URL rules
 * (schemes, local paths) of checkUrl on address literals.
 */
import { describe, expect, it } from 'vitest'

import {
  checkAddress,
  checkUrl,
  classifyAddress,
  type NetPolicy,
  parseNetwork,
  parseNetworkList,
} from '../../src/net/index.js'

const STRICT: NetPolicy = { allowNetworks: [] }

/** [address, the CIDR it must be refused in] — each range's first, inner and last address. */
const REFUSED: readonly (readonly [string, string])[] = [
  ['0.0.0.0', '0.0.0.0/8'],
  ['0.255.255.255', '0.0.0.0/8'],
  ['10.0.0.0', '10.0.0.0/8'],
  ['10.200.3.4', '10.0.0.0/8'],
  ['10.255.255.255', '10.0.0.0/8'],
  ['100.64.0.0', '100.64.0.0/10'],
  ['100.127.255.255', '100.64.0.0/10'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.255.254', '127.0.0.0/8'],
  ['169.254.0.1', '169.254.0.0/16'],
  ['169.254.255.255', '169.254.0.0/16'],
  ['172.16.0.0', '172.16.0.0/12'],
  ['172.31.255.255', '172.16.0.0/12'],
  ['192.0.0.8', '192.0.0.0/24'],
  ['192.0.2.1', '192.0.2.0/24'],
  ['192.88.99.1', '192.88.99.0/24'],
  ['192.168.0.1', '192.168.0.0/16'],
  ['192.168.255.255', '192.168.0.0/16'],
  ['198.18.0.0', '198.18.0.0/15'],
  ['198.19.255.255', '198.18.0.0/15'],
  ['198.51.100.7', '198.51.100.0/24'],
  ['203.0.113.200', '203.0.113.0/24'],
  ['224.0.0.1', '224.0.0.0/4'],
  ['239.255.255.250', '224.0.0.0/4'],
  ['240.0.0.1', '240.0.0.0/4'],
  ['255.255.255.254', '240.0.0.0/4'],
  ['255.255.255.255', '255.255.255.255/32'],
  // cloud metadata, named before the ranges holding them
  ['169.254.169.254', '169.254.169.254/32'],
  ['169.254.170.2', '169.254.170.2/32'],
  ['100.100.100.200', '100.100.100.200/32'],
  ['168.63.129.16', '168.63.129.16/32'],
  ['192.0.0.192', '192.0.0.192/32'],
  ['fd00:ec2::254', 'fd00:ec2::254/128'],
  // IPv6
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['0:0:0:0:0:0:0:1', '::1/128'],
  ['::7f00:1', '::/96'],
  // ipaddr.js reads a dotted tail as IPv4-mapped: refused either way
  ['::10.0.0.1', '10.0.0.0/8'],
  ['64:ff9b:1::a00:1', '64:ff9b:1::/48'],
  ['100::1', '100::/64'],
  ['2001:2::1', '2001:2::/48'],
  ['2001:db8::1', '2001:db8::/32'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32'],
  ['2001:10::1', '2001:10::/28'],
  ['2001:20::1', '2001:20::/28'],
  ['3fff::1', '3fff::/20'],
  ['fc00::1', 'fc00::/7'],
  ['fdff:ffff::1', 'fc00::/7'],
  ['fe80::1', 'fe80::/10'],
  ['febf::1', 'fe80::/10'],
  ['fec0::1', 'fec0::/10'],
  ['ff02::1', 'ff00::/8'],
  ['ff05::1:3', 'ff00::/8'],
  // IPv6 forms carrying a special IPv4 address: judged by it
  ['::ffff:127.0.0.1', '127.0.0.0/8'],
  ['::ffff:7f00:1', '127.0.0.0/8'],
  ['::ffff:10.1.2.3', '10.0.0.0/8'],
  ['::ffff:169.254.169.254', '169.254.169.254/32'],
  ['::ffff:0:192.168.1.1', '192.168.0.0/16'],
  ['64:ff9b::127.0.0.1', '127.0.0.0/8'],
  ['64:ff9b::a9fe:a9fe', '169.254.169.254/32'],
  ['64:ff9b::c0a8:101', '192.168.0.0/16'],
  ['2002:7f00:1::', '127.0.0.0/8'],
  ['2002:a00:1::1', '10.0.0.0/8'],
  ['2002:c0a8:101:1::1', '192.168.0.0/16'],
  ['2002:a9fe:a9fe::', '169.254.169.254/32'],
  // Teredo: the client's address inverted in the last 32 bits (~10.0.0.1 = f5ff:fffe)
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', '10.0.0.0/8'],
  // short and numeric IPv4 forms resolvers accept
  ['127.1', '127.0.0.0/8'],
  ['0x7f.1', '127.0.0.0/8'],
  ['2130706433', '127.0.0.0/8'],
  ['0177.0.0.1', '127.0.0.0/8'],
  ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254/32'],
  ['[::1]', '::1/128'],
]

/** Globally reachable addresses, allowed by the strict policy. */
const ALLOWED = [
  '1.1.1.1',
  '8.8.8.8',
  '140.82.121.4',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '9.255.255.255',
  '11.0.0.0',
  '2606:4700:4700::1111',
  '2a00:1450:4007:80e::200e',
  '2001:4860:4860::8888',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
  'fbff:ffff::1',
  'fe7f::1',
]

describe('address classification', () => {
  it.each(REFUSED)('%s is refused, in %s', (address, cidr) => {
    const c = classifyAddress(address)
    expect(c?.cidr).toBe(cidr)
    const reason = checkAddress(address, address, STRICT)
    expect(reason).toContain(cidr)
    expect(reason).toContain(address)
  })

  it.each(ALLOWED)('%s is globally reachable', (address) => {
    expect(classifyAddress(address)).toBeNull()
    expect(checkAddress(address, address, STRICT)).toBeNull()
  })

  it('names the range, the host, and the IPv4 address a v6 form carries', () => {
    expect(classifyAddress('10.1.2.3')?.name).toBe('private')
    expect(classifyAddress('100.64.1.1')?.name).toMatch(/CGNAT/)
    expect(classifyAddress('169.254.169.254')?.name).toMatch(/metadata/)
    expect(classifyAddress('fd00:ec2::254')?.name).toMatch(/metadata/)
    expect(classifyAddress('fe80::1')?.name).toBe('link-local')
    expect(classifyAddress('fd12::1')?.name).toBe('unique-local')
    expect(classifyAddress('::ffff:127.0.0.1')).toEqual({
      name: 'loopback',
      cidr: '127.0.0.0/8',
      via: { form: 'IPv4-mapped', v4: '127.0.0.1' },
    })
    expect(classifyAddress('2002:a00:1::1')?.via).toEqual({ form: '6to4', v4: '10.0.0.1' })
    expect(checkAddress('10.9.8.7', 'git.internal', STRICT)).toBe(
      'git.internal resolves to 10.9.8.7 in 10.0.0.0/8 (private), which is not allowed (allow it with --allow-network)',
    )
  })
})

describe('allowed networks', () => {
  const loopback: NetPolicy = { allowNetworks: ['127.0.0.0/8'] }
  const lan: NetPolicy = { allowNetworks: ['10.1.0.0/16', 'fd12:3456::/32', '192.168.7.7/32'] }

  it('admit their addresses, and the IPv4-mapped forms of them', () => {
    expect(checkAddress('127.0.0.1', '127.0.0.1', loopback)).toBeNull()
    expect(checkAddress('127.200.0.9', 'x', loopback)).toBeNull()
    expect(checkAddress('::ffff:127.0.0.1', 'x', loopback)).toBeNull()
    expect(checkAddress('10.1.255.3', 'x', lan)).toBeNull()
    expect(checkAddress('fd12:3456:1::5', 'x', lan)).toBeNull()
    expect(checkAddress('192.168.7.7', 'x', lan)).toBeNull()
  })

  it('admit nothing outside them', () => {
    expect(checkAddress('::1', 'x', loopback)).toContain('::1/128')
    expect(checkAddress('10.0.0.1', 'x', loopback)).toContain('10.0.0.0/8')
    expect(checkAddress('169.254.169.254', 'x', loopback)).toContain('metadata')
    expect(checkAddress('10.2.0.1', 'x', lan)).toContain('10.0.0.0/8')
    expect(checkAddress('fd12:3457::1', 'x', lan)).toContain('fc00::/7')
    expect(checkAddress('192.168.7.8', 'x', lan)).toContain('192.168.0.0/16')
  })

  it('are parsed as CIDRs or addresses, and bad ones named', () => {
    expect(parseNetwork('10.0.0.0/8')).toBe('10.0.0.0/8')
    expect(parseNetwork(' 192.168.1.5 ')).toBe('192.168.1.5/32')
    expect(parseNetwork('FD12::/16')).toBe('fd12::/16')
    expect(parseNetworkList('127.0.0.0/8, ::1  10.1.0.0/16')).toEqual([
      '127.0.0.0/8',
      '::1/128',
      '10.1.0.0/16',
    ])
    expect(() => parseNetwork('10.0.0.0/33')).toThrow(/"10\.0\.0\.0\/33" is not a network/)
    expect(() => parseNetwork('example.org')).toThrow(/not a network/)
  })
})

describe('checkUrl on literals and schemes', () => {
  it('refuses local paths, file:// and schemes no loader fetches', async () => {
    expect(await checkUrl('file:///etc/passwd', STRICT)).toMatch(/file:\/\/ URLs are not fetched/)
    expect(await checkUrl('/srv/git/repo.git', STRICT)).toMatch(/local paths are not fetched/)
    expect(await checkUrl('./repo', STRICT)).toMatch(/local paths/)
    expect(await checkUrl('gopher://1.1.1.1/', STRICT)).toMatch(/scheme "gopher:"/)
    expect(await checkUrl('ext::sh -c touch% /tmp/pwned', STRICT)).toMatch(/remote-helper/)
  })

  it('checks the host of every scheme, ports as given, credentials never shown', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'https://[::ffff:a9fe:a9fe]/x',
      'git://169.254.169.254:9418/x.git',
      'ssh://git@169.254.169.254:2222/x.git',
      'git@169.254.169.254:x.git',
      'svn://169.254.169.254/repo',
      'svn+ssh://169.254.169.254/repo',
      'bzr://169.254.169.254/repo',
      'rsync://169.254.169.254/module',
      'pserver://anonymous@169.254.169.254/cvsroot',
      'http://0xa9fea9fe/',
      'http://user:secret@169.254.169.254/',
    ]) {
      const reason = await checkUrl(url, STRICT)
      expect(reason, url).toMatch(/169\.254\.169\.254\/32 \(cloud metadata/)
      expect(reason).not.toContain('secret')
    }
    expect(await checkUrl('git@[::1]:x.git', STRICT)).toContain('::1/128')
    expect(await checkUrl('http://127.0.0.1:8080/x', { allowNetworks: ['127.0.0.0/8'] })).toBe(null)
    expect(await checkUrl('https://8.8.8.8:4443/x.git', STRICT)).toBeNull()
  })
})
