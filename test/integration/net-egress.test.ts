/**
 * The egress proxy the hg, svn and bzr loaders' tools connect through under a network policy:
 * a redirect to a forbidden address is never followed, a name that resolves to a forbidden
 * address is never connected to, and a real `hg serve` loads through it. What is expected comes
 * from the test's own servers (the requests they saw) and from Mercurial (`hg log`).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadOrigin } from '../../src/loader/index.js'
import { type NetPolicy, startEgressProxy } from '../../src/net/index.js'
import { openArchive } from '../../src/storage/archive.js'
import { closeServer, type CountingServer, startCounting } from '../helpers/counting-server.js'
import { type DnsServer, startDnsServer } from '../helpers/dns-server.js'
import { freePort } from '../helpers/git-servers.js'
import { hg, hgTestEnv, makeHgRichRepo } from '../helpers/hg-repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

/** 127.0.0.1 allowed; 127.0.0.2 (where the forbidden server listens) is not. */
const ONLY_ONE: NetPolicy = { allowNetworks: ['127.0.0.1/32'] }

let root: string
let forbidden: CountingServer
let redirector: CountingServer
let dns: DnsServer
let serve: ChildProcess
let serveUrl: string
let repo: string

beforeAll(async () => {
  root = makeTemp('arca-egress-')
  forbidden = await startCounting('127.0.0.2', () => ({ status: 200, body: 'secret' }))
  // Every path answers a redirect to the same path on the forbidden server.
  redirector = await startCounting('127.0.0.1', (path) => ({
    status: 302,
    headers: { Location: `http://127.0.0.2:${forbidden.port}${path}` },
  }))
  // DNS rebinding: the first question (the check before the visit) is told 127.0.0.1, every
  // later one 127.0.0.2.
  const rebind = (n: number) => (n === 0 ? ['127.0.0.1'] : ['127.0.0.2'])
  dns = await startDnsServer({
    'inside.test': ['127.0.0.2'],
    'here.test': ['127.0.0.1'],
    'rebind-hg.test': rebind,
    'rebind-svn.test': rebind,
    'rebind-bzr.test': rebind,
  })
  repo = makeHgRichRepo(root)
  const port = await freePort()
  serve = spawn('hg', ['serve', '-R', repo, '-a', '127.0.0.1', '-p', String(port)], {
    env: hgTestEnv(),
    stdio: 'ignore',
  })
  serveUrl = `http://127.0.0.1:${port}/`
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`${serveUrl}?cmd=capabilities`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    await new Promise((r) => setTimeout(r, 50))
  }
}, 60_000)

afterAll(async () => {
  serve?.kill()
  await dns?.stop()
  if (redirector) await closeServer(redirector.server)
  if (forbidden) await closeServer(forbidden.server)
  removeTemp(root)
})

async function load(type: string, url: string, network?: NetPolicy) {
  const data = makeTemp('arca-egress-data-')
  const archive = await openArchive({ dataDir: data, writer: 'loader' })
  try {
    return await loadOrigin(type, url, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      ...(network ? { network } : {}),
      stallTimeoutMs: 20_000,
    })
  } finally {
    await archive.close()
    removeTemp(data)
  }
}

describe('the proxy itself', () => {
  it('tunnels to an allowed address and refuses a forbidden one, by address or by name', async () => {
    const proxy = await startEgressProxy({ ...ONLY_ONE, dnsServers: [dns.address] })
    try {
      const tunnel = (authority: string) =>
        new Promise<string>((resolve, reject) => {
          const s = connect(proxy.port, '127.0.0.1', () =>
            s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`),
          )
          let got = ''
          s.on('data', (d: Buffer) => {
            got += d.toString('latin1')
            if (got.includes('\r\n\r\n')) {
              s.destroy()
              resolve(got.split('\r\n')[0]!)
            }
          })
          s.on('error', reject)
        })
      expect(await tunnel(`127.0.0.1:${redirector.port}`)).toBe(
        'HTTP/1.1 200 Connection Established',
      )
      expect(await tunnel(`127.0.0.2:${forbidden.port}`)).toBe('HTTP/1.1 403 Forbidden')
      expect(await tunnel(`inside.test:${forbidden.port}`)).toBe('HTTP/1.1 403 Forbidden')
      expect(await tunnel(`here.test:${redirector.port}`)).toBe(
        'HTTP/1.1 200 Connection Established',
      )
      // A request in absolute form is sent on as it is, the redirect not followed.
      const status = await new Promise<number>((resolve, reject) => {
        const r = request(
          {
            host: '127.0.0.1',
            port: proxy.port,
            path: `http://127.0.0.1:${redirector.port}/x`,
          },
          (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          },
        )
        r.on('error', reject)
        r.end()
      })
      expect(status).toBe(302)
      expect(forbidden.paths).toEqual([])
      expect(proxy.refusals()).toHaveLength(2)
      expect(proxy.refusals()[0]).toMatch(/CONNECT 127\.0\.0\.2:\d+ refused: .*127\.0\.0\.2/)
      expect(proxy.refusals()[1]).toMatch(/CONNECT inside\.test:\d+ refused/)
    } finally {
      await proxy.close()
    }
  })
})

describe.each([
  ['hg', '/repo'],
  ['bzr', '/branch'],
])('%s over HTTP, redirected', (type, path) => {
  it('follows the redirect without a policy (so the check below means something)', async () => {
    const before = forbidden.paths.length
    await load(type, `http://127.0.0.1:${redirector.port}${path}`)
    expect(forbidden.paths.length).toBeGreaterThan(before)
  }, 60_000)

  it('under a policy, never reaches the forbidden address the redirect names, and says why', async () => {
    const before = forbidden.paths.length
    const r = await load(type, `http://127.0.0.1:${redirector.port}${path}`, ONLY_ONE)
    expect(forbidden.paths.length).toBe(before)
    expect(r.status).toBe('failed')
    expect(r.message).toMatch(/^Refused to connect: .*127\.0\.0\.2/)
  }, 60_000)
})

describe('svn over HTTP, redirected', () => {
  it('is not followed by svn, with a policy or without', async () => {
    const before = forbidden.paths.length
    for (const network of [undefined, ONLY_ONE]) {
      const r = await load('svn', `http://127.0.0.1:${redirector.port}/svn/repo`, network)
      expect(r.status).not.toBe('full')
      expect(r.message).toMatch(/moved temporarily/i)
    }
    expect(forbidden.paths.length).toBe(before)
  }, 60_000)
})

describe.each(['hg', 'svn', 'bzr'])('%s over HTTP, DNS rebinding', (type) => {
  it('connects to no address but the ones the proxy checked', async () => {
    const before = forbidden.paths.length
    const policy = { ...ONLY_ONE, dnsServers: [dns.address] }
    const r = await load(type, `http://rebind-${type}.test:${forbidden.port}/repo`, policy)
    expect(dns.asked.get(`rebind-${type}.test A`)).toBeGreaterThanOrEqual(2)
    expect(forbidden.paths.length).toBe(before)
    expect(r.status).toBe('failed')
    expect(r.message).toMatch(/^Refused to connect: .*rebind-.*127\.0\.0\.2/)
  }, 60_000)
})

describe('a real hg serve through the proxy', () => {
  it('loads every changeset, as it does without a policy', async () => {
    const r = await load('hg', serveUrl, ONLY_ONE)
    expect(r.status).toBe('full')
    const changesets = hg(repo, ['log', '-T', '{node}\\n']).trim().split('\n').length
    expect(r.stats.revisions).toBe(changesets)
  }, 60_000)
})
