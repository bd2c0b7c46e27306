/**
 * Exit codes as main.ts documents them (2: bad input or the environment's failure, with a line
 * naming what was wrong; 70 only for bugs), and HTTP's answer to a wrong method: 405 with
 * `Allow` (RFC 9110 §15.5.6), not 404. A full disk is covered in loader-robust.test.ts.
 */
import { spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const EMPTY = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'

describe('exit codes', () => {
  let data: string
  beforeAll(() => {
    data = makeTemp('arca-exit-')
  })
  afterAll(() => removeTemp(data))

  it('a bad --max-content-size is a usage error naming the option (2, not 70)', () => {
    const r = arca(['save', '--data', data, '--max-content-size', 'lots', '/nonexistent'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--max-content-size.*"lots" is not a size/)
    expect(r.stderr).not.toMatch(/internal error/)
  })

  it('an unknown --type is a usage error naming the known types', () => {
    const r = arca(['save', '--data', data, '--type', 'darcs', '/nonexistent'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--type.*"darcs" is not a visit type \(.*git/)
  })

  it('a folder that is no repository of any kind: not found by probing, exit 2', () => {
    const r = arca(['save', '--data', data, data])
    expect(r.status).toBe(2)
    expect(r.stderr + r.stdout).toMatch(/could not tell what kind of repository .* give --type/)
    expect(r.stderr).not.toMatch(/internal error/)
  })

  it('a port in use says so and exits 2', async () => {
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const r = spawnSync(
        process.execPath,
        [ARCA_BIN, 'serve', '--data', data, '--port', String(port)],
        { encoding: 'utf8', timeout: 60_000 },
      )
      expect(r.status, r.stderr).toBe(2)
      expect(r.stderr).toMatch(
        new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`),
      )
      expect(r.stderr).not.toMatch(/internal error/)
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it('an unknown --rate scope is an error naming the scope', () => {
    const r = arca(['serve', '--data', data, '--port', '0', '--rate', 'swh_apy=10/h'], {
      timeout: 60_000,
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/unknown scope "swh_apy" \(scopes: swh_api, /)
  })
})

describe('HTTP: a wrong method is 405 with Allow', () => {
  let data: string
  let serve: ServeProcess
  beforeAll(async () => {
    data = makeTemp('arca-405-')
    serve = await startServe(['--data', data, '--no-rate-limit'])
  })
  afterAll(async () => {
    await serve.stop()
    removeTemp(data)
  })

  it.each([
    ['PUT', '/api/1/ping/', 'GET, HEAD, OPTIONS'],
    ['DELETE', `/api/1/content/sha1_git:${EMPTY}/`, 'GET, HEAD, OPTIONS'],
    ['POST', `/api/1/raw/swh:1:cnt:${EMPTY}/`, 'GET, HEAD, OPTIONS'],
    ['POST', '/browse/search/', 'GET, HEAD, OPTIONS'],
    ['PATCH', '/', 'GET, HEAD, OPTIONS'],
    ['GET', '/mirror/1/contents', 'POST, OPTIONS'],
  ])('%s %s', async (method, path, allow) => {
    const res = await fetch(serve.url + path, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(allow)
    const body = (await res.json()) as { reason: string }
    expect(body.reason).toContain(`"${method}"`)
  })

  it('a path no method serves is still 404', async () => {
    const res = await fetch(serve.url + '/api/1/no-such-thing/', { method: 'PUT' })
    expect(res.status).toBe(404)
  })

  it('resolve of an origin SWHID says what is wrong (not "cannot take qualifiers")', async () => {
    const res = await fetch(`${serve.url}/api/1/resolve/swh:1:ori:${EMPTY}/`)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { reason: string }
    expect(body.reason).toMatch(/object type "ori" is an extended type; expected one of cnt/)
    expect(body.reason).not.toMatch(/qualifier/)
  })
})
