/**
 * Request body limits, against a real `arca serve`: a large body (streamed, generated on the
 * fly) is refused with a 413 in the API's error shape while it streams in, with or without a
 * Content-Length, the server's memory stays bounded and it keeps answering.
 */
import { connect } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type ServeProcess, startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const MiB = 1024 * 1024

interface Answer {
  status: number
  body: string
  sent: number
}

/**
 * POSTs `total` bytes of filler to `path` over a raw socket, written as the socket takes them,
 * and stops writing once an answer arrives (read from the same socket, so an answer sent
 * before the server closes the connection is never lost to a write error). `contentLength`
 * announces a length (else the body is chunked); `stopAfter` stops writing after that many
 * bytes, leaving the body unfinished.
 */
function streamPost(
  base: string,
  path: string,
  total: number,
  opts: { contentLength?: number; stopAfter?: number } = {},
): Promise<Answer> {
  const url = new URL(base)
  const chunked = opts.contentLength === undefined
  const data = Buffer.alloc(64 * 1024, 'a')
  const piece = chunked
    ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
    : data
  const head =
    `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
    (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${opts.contentLength}\r\n`) +
    '\r\n'
  return new Promise((resolve, reject) => {
    let sent = 0
    let received = Buffer.alloc(0)
    let done = false
    const socket = connect(Number(url.port), url.hostname)
    /** The answer, once its head and its Content-Length worth of body are in. */
    const answer = (): Answer | null => {
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return null
      const lines = received.subarray(0, end).toString('latin1').split('\r\n')
      const length = lines.find((l) => /^content-length:/i.test(l))
      const body = received.subarray(end + 4)
      if (length && body.length < Number(length.split(':')[1])) return null
      return { status: Number(lines[0]!.split(' ')[1]), body: body.toString(), sent }
    }
    const finish = (): void => {
      const a = answer()
      if (done || !a) return
      done = true
      socket.destroy()
      resolve(a)
    }
    socket.on('data', (b: Buffer) => {
      received = Buffer.concat([received, b])
      finish()
    })
    socket.on('error', () => undefined) // the server may close while we write; see 'close'
    socket.on('close', () => {
      finish()
      if (!done) reject(new Error(`connection closed without an answer: ${received.toString()}`))
    })
    const write = (): void => {
      while (!done && sent < Math.min(total, opts.stopAfter ?? total)) {
        sent += data.length
        if (!socket.write(piece)) {
          socket.once('drain', write)
          return
        }
      }
      if (!done && chunked && opts.stopAfter === undefined) socket.write('0\r\n\r\n')
    }
    socket.once('connect', () => {
      socket.write(head)
      write()
    })
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
