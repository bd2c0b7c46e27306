/**
 * The client address behind trusted proxies: the rightmost X-Forwarded-For entry that is not a
 * trusted proxy, so entries a caller writes itself (to the left) change neither its rate-limit
 * count nor its exemption. In process and against a real `arca serve --trust-proxy`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import type { TrustProxySetting } from '../../src/web/client-ip.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let dir: string
let archive: Archive
beforeAll(async () => {
  dir = makeTemp('arca-clientip-')
  archive = await openArchive({ dataDir: dir })
}, 60_000)
afterAll(async () => {
  await archive.close()
  removeTemp(dir)
})

/** An app whose only limit is `swh_api` at 2 a minute; in-process requests come from 127.0.0.1. */
function app(trustProxy: TrustProxySetting, exemptNetworks: string[] = []) {
  return createApp(
    webContext(
      archive,
      { trustProxy },
      { exemptNetworks, rates: { swh_api: { count: 2, seconds: 60 } } },
    ),
  )
}

function ping(a: ReturnType<typeof app>, xff: string, extra: Record<string, string> = {}) {
  return a.request('http://arca.test/api/1/ping/', {
    headers: { 'X-Forwarded-For': xff, ...extra },
  })
}

describe('client address behind proxies (--trust-proxy)', () => {
  it('a spoofed leftmost X-Forwarded-For entry does not reset the limit', async () => {
    const a = app(true)
    const statuses: number[] = []
    for (let i = 1; i <= 4; i++) statuses.push((await ping(a, `10.0.0.${i}, 203.0.113.7`)).status)
    expect(statuses).toEqual([200, 200, 429, 429])
  })

  it('a spoofed leftmost entry does not claim an exempt network', async () => {
    const r = await ping(app(true, ['10.0.0.0/8']), '10.1.2.3, 203.0.113.7')
    expect(r.headers.get('x-ratelimit-limit')).toBe('2')
  })

  it('the address the trusted proxy added decides the exemption', async () => {
    const r = await ping(app(true, ['203.0.113.0/24']), '198.51.100.99, 203.0.113.7')
    expect(r.status).toBe(200)
    expect(r.headers.get('x-ratelimit-limit')).toBeNull()
  })

  it('proxies trusted by address: the walk stops at the first untrusted hop', async () => {
    // Peer 127.0.0.1 (loopback, trusted), then 10.0.0.5 (trusted), then the client.
    const exempt = ['198.51.100.0/24']
    const trusted = app('loopback, 10.0.0.0/8', exempt)
    const r = await ping(trusted, '203.0.113.1, 198.51.100.1, 10.0.0.5')
    expect(r.headers.get('x-ratelimit-limit')).toBeNull()
    // Only loopback trusted: 10.0.0.5 is the client (not exempt).
    const r2 = await ping(app('loopback', exempt), '203.0.113.1, 198.51.100.1, 10.0.0.5')
    expect(r2.headers.get('x-ratelimit-limit')).toBe('2')
  })

  it('a hop count trusts that many hops nearest the server', async () => {
    const exempt = ['198.51.100.0/24']
    const xff = '203.0.113.1, 198.51.100.1, 192.0.2.9'
    expect((await ping(app(2, exempt), xff)).headers.get('x-ratelimit-limit')).toBeNull()
    expect((await ping(app('1', exempt), xff)).headers.get('x-ratelimit-limit')).toBe('2')
  })

  it('a peer that is not a trusted proxy: forwarded headers are ignored, links too', async () => {
    // In-process requests come from 127.0.0.1, which this list does not trust.
    const a = app('10.0.0.0/8', ['127.0.0.0/8'])
    const r = await ping(a, '203.0.113.7', { 'X-Forwarded-Host': 'evil.example' })
    expect(r.headers.get('x-ratelimit-limit')).toBeNull()
    const idx = (await (
      await a.request('http://arca.test/api/1/', {
        headers: { 'X-Forwarded-Host': 'evil.example' },
      })
    ).json()) as { openapi: string }
    expect(idx.openapi).toBe('http://arca.test/api/1/openapi.json')
    const trusting = (await (
      await app(true).request('http://arca.test/api/1/', {
        headers: { 'X-Forwarded-Host': 'archive.example.org', 'X-Forwarded-Proto': 'https' },
      })
    ).json()) as { openapi: string }
    expect(trusting.openapi).toBe('https://archive.example.org/api/1/openapi.json')
  })

  it('without --trust-proxy, X-Forwarded-For is ignored', async () => {
    const r = await ping(app(false, ['203.0.113.0/24']), '203.0.113.7')
    expect(r.headers.get('x-ratelimit-limit')).toBe('2')
  })

  it('arca serve --trust-proxy: a spoofed entry does not reset the limit over a real socket', async () => {
    const d = makeTemp('arca-clientip-serve-')
    const serve = await startServe([
      '--data',
      d,
      '--trust-proxy',
      '--exempt',
      'none',
      '--rate',
      'swh_api=2/min',
    ])
    try {
      const statuses: number[] = []
      for (let i = 1; i <= 3; i++) {
        const r = await fetch(`${serve.url}/api/1/ping/`, {
          headers: { 'X-Forwarded-For': `10.9.9.${i}, 203.0.113.50` },
        })
        statuses.push(r.status)
      }
      expect(statuses).toEqual([200, 200, 429])
    } finally {
      await serve.stop('SIGKILL')
      removeTemp(d)
    }
  }, 60_000)

  it('arca serve --trust-proxy with a bad list is a usage error naming it', () => {
    const d = makeTemp('arca-clientip-bad-')
    try {
      const r = arca(['serve', '--data', d, '--port', '0', '--trust-proxy', 'loopback,not-an-ip'])
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/Invalid trusted proxy list "loopback,not-an-ip"/)
    } finally {
      removeTemp(d)
    }
  })
})
