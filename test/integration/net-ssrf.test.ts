/**
 * SSRF protection and per-visit limits against real servers on loopback: a DNS server (names
 * resolving to private, metadata and rebinding addresses), HTTP servers answering git's
 * `info/refs` with redirects, `git http-backend` and `git daemon` serving repositories made by
 * git, and the `arca save` CLI. What is expected comes from the test's own servers (the
 * requests they saw), git (`rev-list`), and the ranges' definitions (RFC 1918, RFC 3927, …).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin, type OriginLoadOptions } from '../../src/loader/index.js'
import { checkedLookup, checkUrl, HttpClient, type NetPolicy } from '../../src/net/index.js'
import { openArchive } from '../../src/storage/archive.js'
import { arca } from '../helpers/cli.js'
import { closeServer, type CountingServer, startCounting } from '../helpers/counting-server.js'
import { type DnsServer, startDnsServer } from '../helpers/dns-server.js'
import { type GitServer, startGitDaemon, startHttpBackend } from '../helpers/git-servers.js'
import { git, gitEnvFixed, makeHistoryRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const LOOPBACK: NetPolicy = { allowNetworks: ['127.0.0.0/8'] }

let root: string
let dns: DnsServer
let policy: NetPolicy
/** Requests seen by the server on 127.0.0.2, which no checked fetch may reach. */
let forbidden: CountingServer
let redirector: CountingServer
let http: GitServer
let daemon: GitServer

beforeAll(async () => {
  root = makeTemp('arca-ssrf-')
  makeHistoryRepo(root, 3, 2, 'small.git')
  // A repository of incompressible bytes (2 MiB), for the size limit.
  const big = join(root, 'big.git')
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', big], { env: gitEnvFixed() })
  const blob = randomBytes(2 << 20)
  git(big, ['fast-import', '--quiet'], {
    input: Buffer.concat([
      Buffer.from(
        'commit refs/heads/main\ncommitter C <c@example.org> 1700000000 +0000\ndata 3\nbig\n' +
          `M 100644 inline big.bin\ndata ${blob.length}\n`,
      ),
      blob,
      Buffer.from('\n\n'),
    ]),
  })
  forbidden = await startCounting('127.0.0.2', () => ({ status: 200 }))
  dns = await startDnsServer({
    'private.test': ['10.20.30.40'],
    'public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'mixed.test': ['93.184.216.34', 'fd00:ec2::254'],
    'metadata.test': ['169.254.169.254'],
    'mapped.test': ['::ffff:7f00:2'],
    'sixtofour.test': ['2002:a9fe:a9fe::1'],
    'loop2.test': ['127.0.0.2'],
    'good.test': ['127.0.0.1'],
    // public to the check, then loopback-but-not-allowed to the connection
    'rebind.test': (n) => (n === 0 ? ['127.0.0.1'] : ['127.0.0.2']),
  })
  // Only 127.0.0.1 is allowed here, so that 127.0.0.2 is a forbidden target the test can watch.
  policy = { allowNetworks: ['127.0.0.1/32'], dnsServers: [dns.address] }
  redirector = await startCounting('127.0.0.1', (path) => {
    const suffix = '/info/refs?service=git-upload-pack'
    const to: Record<string, string> = {
      '/meta.git': 'http://169.254.169.254/latest/meta-data/x.git',
      '/private.git': `http://loop2.test:${forbidden.port}/x.git`,
      '/private10.git': `http://private.test:${forbidden.port}/x.git`,
      '/file.git': 'file:///etc/passwd',
    }
    const repo = path.slice(0, path.indexOf(suffix))
    const loc = to[repo]
    return loc ? { status: 302, headers: { location: `${loc}${suffix}` } } : { status: 404 }
  })
  http = await startHttpBackend(root)
  daemon = await startGitDaemon(root)
})

afterAll(async () => {
  await Promise.all([http?.stop(), daemon?.stop(), dns?.stop()])
  await Promise.all([
    forbidden && closeServer(forbidden.server),
    redirector && closeServer(redirector.server),
  ])
  removeTemp(root)
})

describe('checkUrl resolves every address of every family', () => {
  it('refuses names resolving to special addresses, naming host, address and range', async () => {
    const dnsOnly: NetPolicy = { allowNetworks: [], dnsServers: [dns.address] }
    expect(await checkUrl('https://private.test/x.git', dnsOnly)).toBe(
      'private.test resolves to 10.20.30.40 in 10.0.0.0/8 (private), which is not allowed (allow it with --allow-network)',
    )
    expect(await checkUrl('git://metadata.test/x', dnsOnly)).toMatch(
      /^metadata\.test resolves to 169\.254\.169\.254 in 169\.254\.169\.254\/32 \(cloud metadata/,
    )
    // one bad address among good ones (IPv6 here) is enough
    expect(await checkUrl('https://mixed.test/x', dnsOnly)).toMatch(
      /mixed\.test resolves to fd00:ec2::254 in fd00:ec2::254\/128 \(cloud metadata/,
    )
    expect(await checkUrl('ssh://git@mapped.test/x', dnsOnly)).toMatch(
      /carries 127\.0\.0\.2 \(IPv4-mapped\), in 127\.0\.0\.0\/8 \(loopback\)/,
    )
    expect(await checkUrl('svn://sixtofour.test/x', dnsOnly)).toMatch(
      /carries 169\.254\.169\.254 \(6to4\)/,
    )
    expect(await checkUrl('https://public.test/x.git', dnsOnly)).toBeNull()
    expect(await checkUrl('https://nowhere.test/x.git', dnsOnly)).toMatch(
      /nowhere\.test could not be resolved/,
    )
    expect(dns.asked.get('public.test A')).toBeGreaterThan(0)
    expect(dns.asked.get('public.test AAAA')).toBeGreaterThan(0)
  })

  it('refuses localhost through the system resolver, unless its addresses are allowed', async () => {
    expect(await checkUrl('http://localhost:8080/x.git', { allowNetworks: [] })).toMatch(
      /^localhost resolves to (127\.0\.0\.1 in 127\.0\.0\.0\/8|::1 in ::1\/128) \(loopback\)/,
    )
    expect(
      await checkUrl('http://localhost:8080/x.git', { allowNetworks: ['127.0.0.0/8', '::1'] }),
    ).toBeNull()
  })

  it('the checking lookup connects only to checked addresses', async () => {
    const fetchWith = (url: string): Promise<number> =>
      new Promise((resolve, reject) => {
        get(url, { lookup: checkedLookup(policy) }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }).once('error', reject)
      })
    await expect(fetchWith(`http://loop2.test:${forbidden.port}/a`)).rejects.toThrow(
      /loop2\.test resolves to 127\.0\.0\.2 in 127\.0\.0\.0\/8 \(loopback\)/,
    )
    // DNS rebinding: the check sees 127.0.0.1, the connection would be told 127.0.0.2
    expect(await checkUrl(`http://rebind.test:${forbidden.port}/a`, policy)).toBeNull()
    await expect(fetchWith(`http://rebind.test:${forbidden.port}/a`)).rejects.toThrow(
      /rebind\.test resolves to 127\.0\.0\.2/,
    )
    // an address needs no lookup: the client checks it itself
    const client = new HttpClient(policy)
    try {
      await expect(client.request(`http://127.0.0.2:${forbidden.port}/b`)).rejects.toThrow(
        /^127\.0\.0\.2 in 127\.0\.0\.0\/8 \(loopback\)/,
      )
      await expect(client.request(`http://[::ffff:127.0.0.2]:${forbidden.port}/c`)).rejects.toThrow(
        /carries 127\.0\.0\.2 \(IPv4-mapped\)/,
      )
    } finally {
      client.close()
    }
    expect(forbidden.paths).toEqual([])
  })
})

describe('loads under the policy', () => {
  let data: string
  let archive: Awaited<ReturnType<typeof openArchive>>
  beforeAll(async () => {
    data = makeTemp('arca-data-')
    archive = await openArchive({ dataDir: data, writer: 'loader' })
  })
  afterAll(async () => {
    await archive?.close()
    removeTemp(data)
  })
  const load = (url: string, extra: Partial<OriginLoadOptions> = {}) =>
    loadOrigin('git', url, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      network: policy,
      ...extra,
    })

  it('redirects to metadata, a private name or file:// end the visit failed with the reason', async () => {
    const base = `http://127.0.0.1:${redirector.port}`
    const meta = await load(`${base}/meta.git`)
    expect(meta.status).toBe('failed')
    expect(meta.message).toMatch(
      /redirects to http:\/\/169\.254\.169\.254\/latest\/meta-data\/x\.git\/info\/refs\?service=git-upload-pack, refused: 169\.254\.169\.254 in 169\.254\.169\.254\/32 \(cloud metadata/,
    )
    const named = await load(`${base}/private.git`)
    expect(named.status).toBe('failed')
    expect(named.message).toMatch(
      /refused: loop2\.test resolves to 127\.0\.0\.2 in 127\.0\.0\.0\/8/,
    )
    const ten = await load(`${base}/private10.git`)
    expect(ten.message).toMatch(
      /refused: private\.test resolves to 10\.20\.30\.40 in 10\.0\.0\.0\/8 \(private\)/,
    )
    const file = await load(`${base}/file.git`)
    expect(file.message).toMatch(/redirects to file:\/\/\/etc\/passwd.*not HTTP\(S\): refused/)
    expect(forbidden.paths).toEqual([])
    expect(redirector.paths.length).toBe(4)
  })

  it('a URL failing the check is refused before any connection, and recorded nowhere', async () => {
    const before = redirector.paths.length
    const url = `http://loop2.test:${forbidden.port}/x.git`
    await expect(load(url)).rejects.toThrow(
      /Refused to fetch: loop2\.test resolves to 127\.0\.0\.2/,
    )
    await expect(load(join(root, 'small.git'))).rejects.toThrow(/local paths are not fetched/)
    await expect(load(`file://${join(root, 'small.git')}`)).rejects.toThrow(/file:\/\/ URLs/)
    expect(await archive.storage.originGet([`http://loop2.test:${forbidden.port}/x.git`])).toEqual([
      null,
    ])
    expect(forbidden.paths).toEqual([])
    expect(redirector.paths.length).toBe(before)
  })

  it('a good load over git http-backend and git daemon succeeds with loopback allowed', async () => {
    const commits = Number(git(join(root, 'small.git'), ['rev-list', '--all', '--count']))
    const overHttp = await load(`${http.url}/small.git`, { network: LOOPBACK })
    expect(overHttp.status).toBe('full')
    expect(overHttp.stats.revisions).toBe(commits)
    const overDaemon = await load(`${daemon.url}/small.git`, { network: LOOPBACK })
    expect(overDaemon.status).toBe('full')
    expect(overDaemon.snapshot).toBe(overHttp.snapshot)
    // a name of the test DNS resolving to 127.0.0.1, over both transports
    const port = new URL(http.url).port
    const named = await load(`http://good.test:${port}/small.git`, {
      network: { allowNetworks: ['127.0.0.0/8'], dnsServers: [dns.address] },
    })
    expect(named.status).toBe('full')
    expect(named.snapshot).toBe(overHttp.snapshot)
    await expect(
      load(`${daemon.url}/small.git`, { network: { allowNetworks: [] } }),
    ).rejects.toThrow(/127\.0\.0\.1 in 127\.0\.0\.0\/8 \(loopback\)/)
  })

  it('the v0 fallback (git binary) loads from an allowed address', async () => {
    const v0 = await startHttpBackend(root, { v0Only: true })
    try {
      const r = await load(`${v0.url}/small.git`, { network: LOOPBACK, date: new Date() })
      expect(r.status).toBe('full')
    } finally {
      await v0.stop()
    }
  })
})

describe('per-visit limits', () => {
  let data: string
  let archive: Awaited<ReturnType<typeof openArchive>>
  beforeAll(async () => {
    data = makeTemp('arca-data-')
    archive = await openArchive({ dataDir: data, writer: 'loader' })
  })
  afterAll(async () => {
    await archive?.close()
    removeTemp(data)
  })

  /** Scratch directories left in the archive's tmp/. */
  const scratchLeft = (): string[] =>
    existsSync(archive.tmpDir) ? readdirSync(archive.tmpDir) : []

  it('a slow server: the visit fails at the time limit, nothing half-visible', async () => {
    const slow = await startHttpBackend(root, { stallAfterBytes: 1000 })
    try {
      const url = `${slow.url}/big.git`
      const r = await loadOrigin('git', url, {
        storage: archive.storage,
        scratchDir: archive.tmpDir,
        network: LOOPBACK,
        timeLimitMs: 1500,
      })
      expect(r.status).toBe('failed')
      expect(r.message).toBe('time limit of 1.5 s exceeded')
      expect(r.snapshot).toBeNull()
      expect(r.stats.contents).toBe(0)
      const latest = await archive.storage.originVisitGetLatest(url)
      expect(latest?.status.status).toBe('failed')
      expect(latest?.status.snapshot).toBeNull()
      expect(scratchLeft()).toEqual([])
    } finally {
      await slow.stop()
    }
  })

  it('a big repository: the visit is stopped past the size limit, nothing half-visible', async () => {
    const url = `${http.url}/big.git`
    const r = await loadOrigin('git', url, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      maxFetchBytes: 100_000,
    })
    expect(r.status).toBe('failed')
    expect(r.message).toMatch(/^fetch size limit of 100000 bytes exceeded \(received \d+ bytes/)
    expect(r.snapshot).toBeNull()
    expect((await archive.storage.statCounters()).content).toBe(0)
    expect(scratchLeft()).toEqual([])
    // the same repository within a larger limit is archived
    const ok = await loadOrigin('git', url, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      maxFetchBytes: 8 << 20,
    })
    expect(ok.status).toBe('full')
  })
})

describe('arca save --restrict-network', () => {
  it('refuses loopback unless allowed; unrestricted by default', () => {
    const data = makeTemp('arca-data-')
    mkdirSync(data, { recursive: true })
    try {
      const url = `${http.url}/small.git`
      const refused = arca(['save', '--data', data, '--restrict-network', url])
      expect(refused.status).toBe(2)
      expect(refused.stderr).toMatch(
        /127\.0\.0\.1 in 127\.0\.0\.0\/8 \(loopback\), which is not allowed/,
      )
      const env = { ...process.env, ARCA_ALLOW_NETWORKS: '127.0.0.0/8' }
      const allowed = arca(['save', '--json', '--data', data, '--restrict-network', url], { env })
      expect(JSON.parse(allowed.stdout).status).toBe('full')
      const local = arca(['save', '--data', data, '--restrict-network', join(root, 'small.git')])
      expect(local.status).toBe(2)
      expect(local.stderr).toMatch(/local paths are not fetched on request/)
      const plain = arca(['save', '--json', '--data', data, join(root, 'small.git')])
      expect(JSON.parse(plain.stdout).status).toBe('full')
      const bad = arca(['save', '--data', data, '--allow-network', '10.0.0.0/33', url])
      expect(bad.stderr).toMatch(/"10\.0\.0\.0\/33" is not a network/)
    } finally {
      removeTemp(data)
    }
  })
})
