/**
 * Bounded concurrency per host: two lister clients sharing one HostLimits(3) send 10 requests
 * at once to a local server that holds every request until the test releases it, counting
 * those in flight; a second host gets its own slots; a rate limit pauses the host for all.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { HostLimits, ListerHttp } from '../../src/lister/index.js'

interface Holding {
  base: string
  pending: ServerResponse[]
  max: number
  close(): Promise<void>
  /** Resolves once `pending` has `n` requests (or more). */
  until(n: number): Promise<void>
  release(): void
}

async function holdingServer(): Promise<Holding> {
  let wake: (() => void) | null = null
  const h: Holding = {
    base: '',
    pending: [],
    max: 0,
    close: () => new Promise((r) => server.close(() => r())),
    async until(n) {
      while (h.pending.length < n) await new Promise<void>((r) => (wake = r))
    },
    release() {
      const res = h.pending.shift()!
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]')
    },
  }
  const server = createServer((_req, res) => {
    h.pending.push(res)
    h.max = Math.max(h.max, h.pending.length)
    const w = wake
    wake = null
    w?.()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  h.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return h
}

describe('lister HTTP: bounded concurrency per host', () => {
  let one: Holding
  let two: Holding
  beforeAll(async () => {
    one = await holdingServer()
    two = await holdingServer()
  })
  afterAll(async () => {
    await one.close()
    await two.close()
  })

  it('never has more than N requests in flight to one host, across clients', async () => {
    const limits = new HostLimits(3)
    const policy = { allowNetworks: ['127.0.0.1/32'] }
    const a = new ListerHttp({ policy, hostLimits: limits })
    const b = new ListerHttp({ policy, hostLimits: limits })
    try {
      const total = 10
      const all = Promise.all(
        Array.from({ length: total }, (_, i) => (i % 2 ? a : b).getJson(`${one.base}/r?i=${i}`)),
      )
      for (let served = 0; served < total; served++) {
        await one.until(Math.min(3, total - served))
        // a moment for any request beyond the bound to arrive (none may)
        await new Promise((r) => setTimeout(r, 20))
        one.release()
      }
      const pages = await all
      expect(pages.map((p) => p.body)).toEqual(Array.from({ length: total }, () => []))
      expect(one.max).toBe(3)
    } finally {
      a.close()
      b.close()
    }
  })

  it('gives each host its own slots', async () => {
    const limits = new HostLimits(1)
    const http = new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] }, hostLimits: limits })
    try {
      one.max = 0
      const all = Promise.all([
        http.getJson(`${one.base}/a`),
        http.getJson(`${one.base}/b`),
        http.getJson(`${two.base}/a`),
      ])
      // one request in flight on each host at once; the second to `one` waits for its slot
      await Promise.all([one.until(1), two.until(1)])
      two.release()
      one.release()
      await one.until(1)
      one.release()
      await all
      expect(one.max).toBe(1)
      expect(two.max).toBe(1)
    } finally {
      http.close()
    }
  })

  it('pauses the whole host when one request is rate limited', async () => {
    let n = 0
    const limited = createServer((_req, res) => {
      if (n++ === 0) return void res.writeHead(429, { 'retry-after': '3' }).end('{}')
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]')
    })
    await new Promise<void>((r) => limited.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/r`
    const limits = new HostLimits(2)
    const waits: Record<string, number[]> = { a: [], b: [] }
    const client = (name: string) =>
      new ListerHttp({
        policy: { allowNetworks: ['127.0.0.1/32'] },
        hostLimits: limits,
        clock: () => 1_000_000, // the clock stands still: waits are exactly what was asked
        sleep: (ms) => {
          waits[name]!.push(ms)
          return Promise.resolve()
        },
      })
    const a = client('a')
    const b = client('b')
    try {
      await a.getJson(url) // 429, Retry-After: 3, then the page
      await b.getJson(url) // a request of another client: waits for the same pause first
      expect(waits).toEqual({ a: [3000], b: [3000] })
      expect(n).toBe(3)
    } finally {
      a.close()
      b.close()
      await new Promise((r) => limited.close(r))
    }
  })

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new HostLimits(0)).toThrow(/positive integer/)
  })
})
