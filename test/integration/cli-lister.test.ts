/**
 * `arca lister run` against a local GitHub-shaped server (two pages), then the listed origins
 * in `arca schedule list` and the instance in `arca lister list`.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const run = promisify(execFile)

describe('arca lister', () => {
  let dir: string
  const server = createServer((req, res) => {
    const since = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('since') ?? 0)
    const ids = since === 0 ? [1, 2] : since === 2 ? [3] : []
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (since === 0) headers['link'] = '</repositories?since=2>; rel="next"'
    res
      .writeHead(200, headers)
      .end(
        JSON.stringify(
          ids.map((id) => ({ id, html_url: `https://gh.example/o/r${id}`, fork: false })),
        ),
      )
  })
  let base = ''
  beforeAll(async () => {
    dir = makeTemp('arca-cli-lister-')
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((r) => server.close(r))
    removeTemp(dir)
  })

  it('lists a forge into the schedule', async () => {
    const r = await run(process.execPath, [
      ARCA_BIN,
      'lister',
      'run',
      'github',
      base,
      '--data',
      dir,
      '--allow-network',
      '127.0.0.1/32',
    ])
    expect(r.stdout).toBe(`github ${base}: 2 page(s), 3 origin(s), 3 new\n`)
    const list = arca(['schedule', 'list', '--data', dir])
    expect(list.status).toBe(0)
    for (const id of [1, 2, 3]) expect(list.stdout).toContain(`https://gh.example/o/r${id}`)
    const inst = arca(['lister', 'list', '--data', dir, '--json'])
    expect(inst.status).toBe(0)
    const row = JSON.parse(inst.stdout) as { status: string; originsFound: number }
    expect(row.status).toBe('complete')
    expect(row.originsFound).toBe(3)
  })

  it('lists a Forgejo instance with a token from the environment, never printed', async () => {
    const auth: (string | undefined)[] = []
    const forgejo = createServer((req, res) => {
      auth.push(req.headers['authorization'])
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1)
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (page === 1) headers['link'] = '</api/v1/repos/search?page=2>; rel="next"'
      const ids = page === 1 ? [1, 2] : [3]
      res.writeHead(200, headers).end(
        JSON.stringify({
          ok: true,
          data: ids.map((id) => ({
            id,
            clone_url: `https://codeberg.example/o/r${id}.git`,
            updated_at: '2024-03-01T10:00:00Z',
            fork: id === 3,
            parent: id === 3 ? { clone_url: 'https://codeberg.example/o/r1.git' } : null,
          })),
        }),
      )
    })
    await new Promise<void>((r) => forgejo.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(forgejo.address() as AddressInfo).port}`
    const data = makeTemp('arca-cli-lister-forgejo-')
    try {
      const r = await run(
        process.execPath,
        [
          ARCA_BIN,
          'lister',
          'run',
          'forgejo',
          url,
          '--data',
          data,
          '--token-env',
          'FJ_TOKEN',
          '--allow-network',
          '127.0.0.1/32',
        ],
        { env: { ...process.env, FJ_TOKEN: 'fj-secret-42' } },
      )
      expect(r.stdout).toBe(`forgejo ${url}: 2 page(s), 3 origin(s), 3 new\n`)
      expect(r.stdout + r.stderr).not.toContain('fj-secret-42')
      expect(auth).toEqual(['token fj-secret-42', 'token fj-secret-42'])
      const list = arca(['schedule', 'list', '--data', data])
      for (const id of [1, 2, 3])
        expect(list.stdout).toContain(`https://codeberg.example/o/r${id}.git`)
      const inst = JSON.parse(arca(['lister', 'list', '--data', data, '--json']).stdout) as {
        type: string
        status: string
        state: unknown
      }
      expect(inst).toMatchObject({ type: 'forgejo', status: 'complete', state: { page: 2 } })
    } finally {
      await new Promise((r) => forgejo.close(r))
      removeTemp(data)
    }
  })
})
