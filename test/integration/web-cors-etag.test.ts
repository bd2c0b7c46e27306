/**
 * CORS and ETag handling over a real socket (`arca serve`'s server, Node's HTTP stack): every
 * answer — GET, HEAD, errors — carries the CORS headers a browser needs to read the API's
 * paging and rate-limit headers; OPTIONS is a 204 naming the methods; the static assets answer
 * a matching If-None-Match (one tag, a list, a weak tag, `*`) with a 304 that keeps ETag,
 * Cache-Control and the CORS headers. Expected values are HTTP's (RFC 9110 §13.1.2, Fetch's
 * CORS protocol), not read from the code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Archive, openArchive } from '../../src/storage/archive.js'
import { type RunningServer, startServer } from '../../src/web/server.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const EXPOSED = [
  'link',
  'x-total-count',
  'x-total-count-relation',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
]

/** The comma-separated list of header `name`, lowercased and trimmed. */
function list(res: Response, name: string): string[] {
  return (res.headers.get(name) ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
}

describe('CORS and ETag', () => {
  let data: string
  let archive: Archive
  let server: RunningServer

  beforeAll(async () => {
    data = makeTemp('arca-cors-')
    archive = await openArchive({ dataDir: data })
    server = await startServer({ archive, port: 0 })
  })
  afterAll(async () => {
    await server?.close()
    await archive?.close()
    removeTemp(data)
  })

  it('OPTIONS: 204 with Allow and the CORS preflight headers', async () => {
    for (const path of ['/api/1/ping/', '/api/1/known/', '/browse/search']) {
      const r = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://elsewhere.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      })
      expect(r.status, path).toBe(204)
      expect(list(r, 'allow').sort(), path).toEqual(['get', 'head', 'options', 'post'])
      expect(r.headers.get('access-control-allow-origin'), path).toBe('*')
      expect(list(r, 'access-control-allow-methods'), path).toEqual(
        expect.arrayContaining(['get', 'head', 'post']),
      )
      expect(list(r, 'access-control-allow-headers'), path).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'accept']),
      )
      expect(await r.text(), path).toBe('')
    }
  })

  it('GET and HEAD answers, successes and errors, carry the CORS headers', async () => {
    const cases: [string, string, number][] = [
      ['GET', '/api/1/ping/', 200],
      ['HEAD', '/api/1/ping/', 200],
      ['GET', '/api/1/origin/search/nothing/', 200],
      ['HEAD', '/api/1/origin/search/nothing/', 200],
      ['HEAD', '/api/1/stat/counters/', 200],
      ['GET', `/api/1/revision/${'0'.repeat(40)}/`, 404],
      ['HEAD', `/api/1/revision/${'0'.repeat(40)}/`, 404],
      ['HEAD', '/api/1/revision/nothex/', 400],
      ['HEAD', '/api/1/no-such-route/', 404],
      ['HEAD', '/static/arca.css', 200],
    ]
    for (const [method, path, status] of cases) {
      const r = await fetch(`${server.url}${path}`, {
        method,
        headers: { Origin: 'https://elsewhere.example' },
      })
      const what = `${method} ${path}`
      expect(r.status, what).toBe(status)
      expect(r.headers.get('access-control-allow-origin'), what).toBe('*')
      expect(list(r, 'access-control-expose-headers'), what).toEqual(
        expect.arrayContaining(EXPOSED),
      )
      if (method === 'HEAD') expect(await r.text(), what).toBe('')
    }
    const search = await fetch(`${server.url}/api/1/origin/search/nothing/`)
    expect(search.headers.get('x-total-count')).toBe('0')
  })

  it('static assets: If-None-Match (one tag, a list, weak, *) answers 304 with ETag', async () => {
    const first = await fetch(`${server.url}/static/arca.css`)
    expect(first.status).toBe(200)
    const tag = first.headers.get('etag')
    expect(tag).toMatch(/^"[^"]+"$/)
    const body = await first.text()
    expect(body.length).toBeGreaterThan(0)
    for (const inm of [tag!, `"0000", ${tag!}`, `W/${tag!}`, '*']) {
      const r = await fetch(`${server.url}/static/arca.css`, {
        headers: { 'If-None-Match': inm, Origin: 'https://elsewhere.example' },
      })
      expect(r.status, inm).toBe(304)
      expect(r.headers.get('etag'), inm).toBe(tag)
      expect(r.headers.get('cache-control'), inm).toBe('public, max-age=3600')
      expect(r.headers.get('access-control-allow-origin'), inm).toBe('*')
      expect(await r.text(), inm).toBe('')
    }
    const other = await fetch(`${server.url}/static/arca.css`, {
      headers: { 'If-None-Match': '"0000"' },
    })
    expect(other.status).toBe(200)
    expect(await other.text()).toBe(body)
  })
})
