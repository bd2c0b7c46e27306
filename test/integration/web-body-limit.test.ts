/**
 * Request body limits, against a real `arca serve`: a large body (streamed, generated on the
 * fly) is refused with a 413 in the API's error shape while it streams in, with or without a
 * Content-Length, the server's memory stays bounded and it keeps answering.
 */
import { request } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeTemp, removeTemp } from '../helpers/tree.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'

const MiB = 1024 * 1024

interface Answer {
  status: number
  body: string
  sent: number
}

/**
 * POSTs `total` bytes of `filler` to `path`, written in 64 KiB chunks as the socket takes them,
 * and stops writing once the answer arrives. `contentLength` announces a length (else the body
 * is chunked); `stopAfter` stops writing after that many bytes, leaving the body unfinished.
 */
function streamPost(
  base: string,
  path: string,
  total: number,
  opts: { contentLength?: number; stopAfter?: number } = {},
): Promise<Answer> {
  const url = new URL(path, base)
  const chunk = Buffer.alloc(64 * 1024, 'a')
  return new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    const req = request(
      {
        method: 'POST',
        // A connection of its own: the server closes one whose body it refused.
        agent: false,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: {
          'Content-Type': 'application/json',
          ...(opts.contentLength === undefined
            ? { 'Transfer-Encoding': 'chunked' }
            : { 'Content-Length': String(opts.contentLength) }),
        },
      },
      (res) => {
        answered = true
        const parts: Buffer[] = []
        res.on('data', (b: Buffer) => parts.push(b))
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), sent })
          req.destroy()
        })
      },
    )
    req.on('error', (e) => {
      if (!answered) reject(e)
    })
    const write = (): void => {
      while (!answered && sent < Math.min(total, opts.stopAfter ?? total)) {
        sent += chunk.length
        if (!req.write(chunk)) {
          req.once('drain', write)
          return
        }
      }
      if (!answered && opts.stopAfter === undefined) req.end()
    }
    write()
  })
}

async function ping(base: string): Promise<number> {
  return (await fetch(`${base}/api/1/ping/`)).status
}

describe('request body limits (arca serve)', () => {
  let dir: string
  let serve: ServeProcess
  beforeAll(async () => {
    dir = makeTemp('arca-bodylimit-')
    serve = await startServe(['--data', dir])
  }, 60_000)
  afterAll(async () => {
    await serve?.stop('SIGKILL')
    removeTemp(dir)
  })

  it('a 200 MB chunked POST to /api/1/known/ is a 413 while it streams; memory stays bounded', async () => {
    const before = serve.rss()
    const r = await streamPost(serve.url, '/api/1/known/', 200 * MiB)
    expect(r.status).toBe(413)
    expect(JSON.parse(r.body)).toMatchObject({ exception: 'LargePayloadExc' })
    expect(JSON.parse(r.body).reason).toMatch(/at most 1 MiB/)
    expect(serve.rss() - before).toBeLessThan(100 * MiB)
    expect(await ping(serve.url)).toBe(200)
  }, 120_000)

  it('a Content-Length above the limit is refused before the body is read', async () => {
    const before = serve.rss()
    // 500 MB announced, 128 KiB sent: the answer comes without the rest.
    const r = await streamPost(serve.url, '/api/1/known/', 500_000_000, {
      contentLength: 500_000_000,
      stopAfter: 128 * 1024,
    })
    expect(r.status).toBe(413)
    expect(JSON.parse(r.body)).toMatchObject({ exception: 'LargePayloadExc' })
    expect(r.sent).toBeLessThan(1 * MiB)
    expect(serve.rss() - before).toBeLessThan(100 * MiB)
    expect(await ping(serve.url)).toBe(200)
  }, 60_000)

  it('a 200 MB POST with its Content-Length is a 413, memory bounded', async () => {
    const before = serve.rss()
    const r = await streamPost(serve.url, '/api/1/known/', 200 * MiB, { contentLength: 200 * MiB })
    expect(r.status).toBe(413)
    expect(serve.rss() - before).toBeLessThan(100 * MiB)
    expect(await ping(serve.url)).toBe(200)
  }, 120_000)

  it('every other route has the default limit (64 KiB), the mirror feed included', async () => {
    for (const path of ['/mirror/1/contents', '/mirror/1/objects/content', '/api/1/ping/']) {
      const r = await streamPost(serve.url, path, MiB)
      expect(r.status, path).toBe(413)
      expect(JSON.parse(r.body), path).toMatchObject({ exception: 'LargePayloadExc' })
    }
  }, 60_000)

  it('a legitimate /known/ body (1000 SWHIDs, pretty-printed) is answered', async () => {
    const ids = Array.from(
      { length: 1000 },
      (_, i) => `swh:1:cnt:${i.toString(16).padStart(40, '0')}`,
    )
    const res = await fetch(`${serve.url}/api/1/known/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ids, null, 8),
    })
    expect(res.status).toBe(200)
    const out = (await res.json()) as Record<string, { known: boolean }>
    expect(Object.keys(out)).toHaveLength(1000)
    expect(out[ids[0]!]).toEqual({ known: false })
  }, 60_000)
})
