/**
 * The mirror's retry policy, through the real HTTP upstream client against a real local HTTP
 * server: bounded attempts, `Retry-After` honoured, aborts ending the wait.
 */

import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { InvalidInputError, UnavailableError } from '../../src/errors.js'
import { parseRetryAfter } from '../../src/mirror/retry.js'
import { HttpUpstream } from '../../src/mirror/upstream.js'

const STATUS = JSON.stringify({ topics: {}, counters: { content: 7 } })

let server: Server | undefined

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  server = undefined
})

/** Serves `answer(n, res)` for the n-th request (1-based) on 127.0.0.1; returns its URL. */
async function serve(answer: (n: number, res: ServerResponse) => void): Promise<string> {
  let n = 0
  server = createServer((req, res) => {
    req.resume()
    answer(++n, res)
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('mirror upstream retry policy', () => {
  it('waits out Retry-After on a 503, then succeeds on the next attempt', async () => {
    // The server logs each request, and a marker half a second after its 503 that asked for
    // one second: a client honouring Retry-After comes back only after the marker.
    const log: string[] = []
    const url = await serve((n, res) => {
      log.push(`request ${n}`)
      if (n === 1) {
        res.writeHead(503, { 'Retry-After': '1' }).end('busy')
        setTimeout(() => log.push('marker'), 500)
      } else res.writeHead(200, { 'Content-Type': 'application/json' }).end(STATUS)
    })
    const up = new HttpUpstream({ url, token: undefined, retry: { minDelayMs: 1, maxDelayMs: 2 } })
    expect(await up.counters()).toEqual({ content: 7 })
    expect(log).toEqual(['request 1', 'marker', 'request 2'])
  })

  it('gives up after the bounded number of attempts, with the last answer', async () => {
    let requests = 0
    const url = await serve((_n, res) => {
      requests++
      res.writeHead(502).end('bad gateway')
    })
    const up = new HttpUpstream({
      url,
      token: undefined,
      retry: { attempts: 4, minDelayMs: 1, maxDelayMs: 2 },
    })
    const err = await up.counters().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnavailableError)
    expect((err as Error).message).toContain('502')
    expect(requests).toBe(4)
  })

  it('retries a content batch at one level only: a refused request or a cut answer', async () => {
    // First a 503, then an answer cut after its 24-byte head: every attempt counts once.
    let requests = 0
    const url = await serve((n, res) => {
      requests++
      if (n === 1) res.writeHead(503).end('busy')
      else res.writeHead(200).end(Buffer.alloc(10))
    })
    const up = new HttpUpstream({
      url,
      token: undefined,
      retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 2 },
    })
    await expect(up.contents(['00'.repeat(20)])).rejects.toBeInstanceOf(UnavailableError)
    expect(requests).toBe(3)
  })

  it('does not retry an answer that is not transient', async () => {
    let requests = 0
    const url = await serve((_n, res) => {
      requests++
      res.writeHead(404).end('no such thing')
    })
    const up = new HttpUpstream({ url, token: undefined, retry: { minDelayMs: 1 } })
    await expect(up.counters()).rejects.toBeInstanceOf(InvalidInputError)
    expect(requests).toBe(1)
  })

  it('ends a Retry-After wait when the signal aborts, rejecting with its reason', async () => {
    const abort = new AbortController()
    const reason = new Error('stopped by the test')
    let requests = 0
    const url = await serve((_n, res) => {
      requests++
      // An hour's wait: only the abort can end it within the test's timeout.
      res.writeHead(503, { 'Retry-After': '3600' }).end('busy')
      setTimeout(() => abort.abort(reason), 200)
    })
    const up = new HttpUpstream({ url, token: undefined, signal: abort.signal })
    await expect(up.counters()).rejects.toBe(reason)
    expect(requests).toBe(1)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000)
    // RFC 9110 date, 90 s after the given "now" (Sun, 06 Nov 1994 08:49:37 GMT = 784111777000).
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:51:07 GMT', 784_111_777_000)).toBe(90_000)
    expect(parseRetryAfter('soon')).toBeNull()
    expect(parseRetryAfter(null)).toBeNull()
  })
})
