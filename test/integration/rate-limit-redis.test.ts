/**
 * Rate limits shared by several web processes through Redis (the real local server), and what
 * happens when Redis goes away.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server, Socket } from 'node:net'

import { createClient } from '@redis/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { UnavailableError } from '../../src/errors.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { RedisRateCounter } from '../../src/web/middleware/rate-limit.js'
import { webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { REDIS_URL, redisAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const available = await redisAvailable()

/** A TCP proxy in front of Redis that the test can cut. */
async function startProxy(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = new Socket()
    upstream.connect(Number(target.port || 6379), target.hostname)
    client.pipe(upstream).pipe(client)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => sockets.delete(s))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

if (available) {
  describe('rate limits in Redis', () => {
    let dir: string
    let archive: Archive
    const counters: RedisRateCounter[] = []
    beforeAll(async () => {
      dir = makeTemp('arca-rl-')
      archive = await openArchive({ dataDir: dir })
    })
    afterAll(async () => {
      for (const c of counters) await c.close()
      await archive.close()
      removeTemp(dir)
    })

    const appWith = (counter: RedisRateCounter, onCounterError?: (e: unknown) => void) =>
      createApp(
        webContext(
          archive,
          {},
          {
            exemptNetworks: [],
            rates: { swh_api: { count: 3, seconds: 60 } },
            counter,
            ...(onCounterError ? { onCounterError } : {}),
          },
        ),
      )
    const ping = async (app: ReturnType<typeof createApp>) =>
      Promise.resolve(app.request('http://arca.test/api/1/ping/'))

    it('two web processes share one quota', async () => {
      const prefix = `arcatest:${randomBytes(4).toString('hex')}:`
      const a = await RedisRateCounter.connect(REDIS_URL, prefix)
      const b = await RedisRateCounter.connect(REDIS_URL, prefix)
      counters.push(a, b)
      const appA = appWith(a)
      const appB = appWith(b)
      const seen: [number, string | null][] = []
      for (const app of [appA, appB, appA, appB]) {
        const r = await ping(app)
        seen.push([r.status, r.headers.get('x-ratelimit-remaining')])
      }
      expect(seen).toEqual([
        [200, '2'],
        [200, '1'],
        [200, '0'],
        [429, '0'],
      ])
      // Counts expire with their window.
      const raw = createClient({ url: REDIS_URL })
      await raw.connect()
      try {
        const keys = await raw.keys(`${prefix}*`)
        expect(keys).toHaveLength(1)
        const ttl = await raw.pTTL(keys[0]!)
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(61_000)
      } finally {
        raw.destroy()
      }
    })

    it('lets requests through, and says so, while Redis is unreachable', async () => {
      const proxy = await startProxy(new URL(REDIS_URL))
      const prefix = `arcatest:${randomBytes(4).toString('hex')}:`
      const counter = await RedisRateCounter.connect(proxy.url, prefix)
      counters.push(counter)
      const errors: unknown[] = []
      const app = appWith(counter, (e) => errors.push(e))
      expect((await ping(app)).headers.get('x-ratelimit-remaining')).toBe('2')
      await proxy.cut()
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) statuses.push((await ping(app)).status)
      expect(statuses).toEqual([200, 200, 200, 200, 200])
      expect(errors.length).toBe(5)
    })

    it('refuses a bad or unreachable store by name', async () => {
      await expect(RedisRateCounter.connect('http://127.0.0.1:6379')).rejects.toThrow(
        /Invalid rate limit store/,
      )
      await expect(RedisRateCounter.connect('redis://127.0.0.1:1')).rejects.toBeInstanceOf(
        UnavailableError,
      )
      const r = arca(['serve', '--data', dir, '--port', '0', '--rate-limit-store', 'memcached://x'])
      expect(r.status).toBe(2)
      expect(r.stderr.toString()).toMatch(/Invalid rate limit store "memcached:\/\/x"/)
    })
  })
} else {
  it.skip('Redis rate limit suite (server unreachable)', () => {})
}
