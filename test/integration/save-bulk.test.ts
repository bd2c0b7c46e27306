/**
 * Bulk save against a real `arca serve` on loopback: `POST /api/1/origin/save/bulk/` with a
 * text list and a JSON array, each URL checked as Save Code Now checks one (SWH's URL rules,
 * loadable visit types, the unauthorized prefix list, the network safety check refusing private
 * and metadata addresses), malformed lines reported with their line numbers, a missing visit
 * type detected against a real `git daemon`, accepted URLs made save requests (a load task for
 * those under an authorized prefix, pending otherwise) exactly as single requests are; the
 * per-URL throttling in `swh_save_origin_post`; and the `/save/bulk/` page's upload form. On
 * SQLite and PostgreSQL.
 */
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openTaskQueue, type SqlTaskQueue } from '../../src/scheduler/index.js'
import { arca } from '../helpers/cli.js'
import { type GitServer, startGitDaemon } from '../helpers/git-servers.js'
import { makeOneCommitBareRepo } from '../helpers/repos.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

type Json = Record<string, unknown>

async function post(
  server: ServeProcess,
  path: string,
  body: BodyInit,
  type?: string,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    ...(type ? { headers: { 'Content-Type': type } } : {}),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // pages stay text
  }
  return { status: res.status, headers: res.headers, body: parsed }
}

const BULK = '/api/1/origin/save/bulk/'
const REJECTED =
  'The "save code now" request has been rejected because the provided origin url is not allowed to be archived.'

const pgAvailable = await postgresAvailable()

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe.runIf(backend === 'SQLite' || pgAvailable)(
    `bulk save (arca serve on loopback, ${backend})`,
    () => {
      let dir: string
      let data: string
      let drop: (() => Promise<void>) | null = null
      let storageArgs: string[] = []
      let daemon: GitServer
      let server: ServeProcess
      let queue: SqlTaskQueue

      beforeAll(async () => {
        dir = makeTemp('arca-save-bulk-')
        makeOneCommitBareRepo(join(dir, 'repos'), 'found.git')
        daemon = await startGitDaemon(join(dir, 'repos'))
        data = join(dir, 'data')
        let storage = `sqlite:${join(data, 'graph.sqlite')}`
        if (backend === 'PostgreSQL') {
          const db = await createTestDatabase()
          storage = db.url
          drop = db.drop
        }
        const args = ['--data', data, '--storage', storage]
        for (const [list, prefix] of [
          ['authorized', 'https://forge.example.org/ok/'],
          ['unauthorized', 'https://forge.example.org/blocked/'],
        ] as const) {
          const r = arca(['save-request', 'prefix', 'add', list, prefix, ...args])
          expect(r.status, r.stderr).toBe(0)
        }
        // loopback allowed (the git daemon); every other private address refused as by default
        server = await startServe([
          ...args,
          '--no-worker',
          '--exempt',
          'none',
          '--rate',
          'swh_save_origin_post=1000/h',
          '--allow-network',
          '127.0.0.1/32',
        ])
        queue = await openTaskQueue(storage)
        storageArgs = args
      })
      afterAll(async () => {
        await queue?.close()
        await server?.stop()
        await daemon?.stop()
        await drop?.()
        if (dir) removeTemp(dir)
      })

      it('takes a text list: each line accepted or rejected with its reason', async () => {
        const lines = [
          '# to archive', // 1
          'https://forge.example.org/ok/app.git git', // 2: authorized prefix → accepted, task
          '', // 3
          'https://forge.example.org/team/lib hg', // 4: no prefix → pending
          `${daemon.url}/found.git`, // 5: type detected (git daemon)
          'http://10.1.2.3/internal.git git', // 6: private address
          'http://169.254.169.254/latest/meta-data git', // 7: metadata address
          'https://forge.example.org/blocked/x.git git', // 8: unauthorized prefix
          'https://forge.example.org/x.git darcs', // 9: unknown visit type
          'https://u:hunter2@forge.example.org/p.git git', // 10: password
          'https://forge.example.org/a b c', // 11: three columns
          'notaurl git', // 12: invalid URL
          'http://127.0.0.1:1/nothing-here', // 13: nothing answers there: no type detected
        ]
        const bytes = Buffer.concat([
          Buffer.from(lines.join('\n') + '\n'),
          Buffer.from([0x68, 0x74, 0xff, 0xfe, 0x0a]), // 14: not UTF-8
        ])
        const r = await post(server, BULK, bytes, 'text/plain')
        expect(r.status).toBe(200)
        const body = r.body as { accepted: number; rejected: number; results: Json[] }
        const byLine = new Map(body.results.map((x) => [x['line'] as number, x]))
        expect([...byLine.keys()]).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        expect([body.accepted, body.rejected]).toEqual([3, 9])

        const ok = byLine.get(2)!
        expect(ok).toMatchObject({ status: 'accepted', reason: null, visit_type: 'git' })
        const okReq = ok['save_request'] as Json
        expect(okReq).toMatchObject({
          origin_url: 'https://forge.example.org/ok/app.git',
          save_request_status: 'accepted',
        })
        expect(okReq['loading_task_id']).toBeGreaterThan(0)
        expect(byLine.get(4)!['save_request']).toMatchObject({
          visit_type: 'hg',
          save_request_status: 'pending',
          loading_task_id: -1,
        })
        expect(byLine.get(5)).toMatchObject({ status: 'accepted', visit_type: 'git' })
        expect(byLine.get(5)!['save_request']).toMatchObject({
          origin_url: `${daemon.url}/found.git`,
          save_request_status: 'pending',
        })
        const reason = (n: number): string => String(byLine.get(n)!['reason'])
        for (const n of [6, 7, 8, 9, 10, 11, 12, 13, 14])
          expect(byLine.get(n)!['status'], `line ${n}`).toBe('rejected')
        expect(reason(6)).toMatch(
          new RegExp(`^${REJECTED.replace(/[.()"]/g, '\\$&')} .*10\\.1\\.2\\.3`),
        )
        expect(reason(7)).toContain('169.254.169.254')
        expect(reason(8)).toBe(REJECTED)
        expect(reason(9)).toMatch(
          /^Visit of type darcs cannot be saved! Allowed types are the following: /,
        )
        expect(reason(10)).toMatch(/contains a password/)
        expect(byLine.get(10)!['origin_url']).toBe('https://forge.example.org/p.git')
        expect(JSON.stringify(body)).not.toContain('hunter2')
        expect(reason(11)).toBe('expected "URL [VISIT_TYPE]", got 3 columns')
        expect(reason(12)).toMatch(/notaurl/)
        expect(reason(13)).toMatch(/could not be detected/)
        expect(reason(14)).toBe('not UTF-8 text, or longer than 8192 bytes')

        // the requests are Save Code Now's own: found by the save API, the task in the queue
        const got = await fetch(`${server.url}/api/1/origin/save/${String(okReq['id'])}/`)
        expect(((await got.json()) as Json)['origin_url']).toBe(
          'https://forge.example.org/ok/app.git',
        )
        const [task] = await queue.get([okReq['loading_task_id'] as number])
        expect(task).toMatchObject({
          kind: 'load-git',
          origin: 'https://forge.example.org/ok/app.git',
        })
        // refused URLs are recorded as rejected requests, as a single request's would be
        const list = arca(['save-request', 'list', '--json', ...storageArgs])
        const saved = list.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Json)
        const status = new Map(saved.map((s) => [s['origin_url'] ?? s['originUrl'], s]))
        expect(status.has('http://10.1.2.3/internal.git')).toBe(true)
        expect(status.has('https://forge.example.org/x.git')).toBe(false) // a 400: nothing recorded
      })

      it('takes a JSON array of strings and objects, with a default visit type', async () => {
        const r = await post(
          server,
          `${BULK}?visit_type=hg`,
          JSON.stringify([
            'https://forge.example.org/ok/one',
            { origin_url: 'https://forge.example.org/ok/two.git', visit_type: 'git' },
            { origin_url: 'http://192.168.0.10/x' },
            { url: 'https://forge.example.org/wrong-key' },
            42,
          ]),
          'application/json',
        )
        expect(r.status).toBe(200)
        const results = (r.body as { results: Json[] }).results
        expect(results.map((x) => [x['line'], x['visit_type'], x['status']])).toEqual([
          [1, 'hg', 'accepted'],
          [2, 'git', 'accepted'],
          [3, 'hg', 'rejected'],
          [4, null, 'rejected'],
          [5, null, 'rejected'],
        ])
        expect(String(results[2]!['reason'])).toContain('192.168.0.10')
        expect(results[3]!['reason']).toBe(
          'expected a string "URL [VISIT_TYPE]" or an object {origin_url, visit_type}',
        )
      })

      it('refuses a whole upload that is not a list: 400, 413', async () => {
        const notJson = await post(server, BULK, '{"a":', 'application/json')
        expect([notJson.status, (notJson.body as Json)['reason']]).toEqual([
          400,
          'The list is not valid JSON',
        ])
        const empty = await post(server, BULK, '# nothing\n\n', 'text/plain')
        expect([empty.status, (empty.body as Json)['reason']]).toEqual([
          400,
          'The list holds no URL',
        ])
        const many = Array.from({ length: 1001 }, (_, i) => `https://forge.example.org/m/${i} git`)
        const big = await post(server, BULK, many.join('\n'), 'text/plain')
        expect([big.status, (big.body as Json)['reason']]).toEqual([
          413,
          'The list holds 1001 URLs: at most 1000 an upload',
        ])
        const badType = await post(server, `${BULK}?visit_type=nope`, 'https://a.example.org/x')
        expect(badType.status).toBe(400)
      })

      it('the /save/bulk/ page uploads a file and shows each outcome', async () => {
        const page = await fetch(`${server.url}/save/bulk/`)
        expect(page.status).toBe(200)
        const html = await page.text()
        expect(html).toContain('enctype="multipart/form-data"')
        expect(html).toContain('type="file"')
        expect(html).toContain('<h1>Save code now</h1>')
        const form = new FormData()
        form.set(
          'list',
          new File(
            [
              'https://forge.example.org/ok/page.git git\nhttp://10.9.9.9/x.git git\nbad line here\n',
            ],
            'urls.txt',
            { type: 'text/plain' },
          ),
        )
        form.set('visit_type', '')
        const r = await post(server, '/save/bulk/', form)
        expect(r.status).toBe(200)
        const text = String(r.body)
        expect(text).toContain('1 URL(s) accepted, 2 rejected')
        expect(text).toMatch(/data-line="1" data-status="accepted"/)
        expect(text).toMatch(/data-line="2" data-status="rejected"/)
        expect(text).toContain('10.9.9.9')
        expect(text).toContain('expected &quot;URL [VISIT_TYPE]&quot;, got 3 columns')
        const none = new FormData()
        none.set('visit_type', 'git')
        const missing = await post(server, '/save/bulk/', none)
        expect(missing.status).toBe(400)
        expect(String(missing.body)).toContain('list: choose a file to upload')
      })
    },
  )
}

describe('bulk save throttling', () => {
  let dir: string
  let server: ServeProcess
  beforeAll(async () => {
    dir = makeTemp('arca-save-bulk-throttle-')
    server = await startServe([
      '--data',
      dir,
      '--no-worker',
      '--exempt',
      'none',
      '--rate',
      'swh_save_origin_post=3/h',
    ])
  })
  afterAll(async () => {
    await server?.stop()
    removeTemp(dir)
  })

  it('counts every URL in swh_save_origin_post: past the quota, URLs are rejected unrecorded', async () => {
    const urls = [1, 2, 3, 4, 5].map((n) => `https://forge.example.org/t/${n} git`)
    const r = await post(server, BULK, urls.join('\n'), 'text/plain')
    expect(r.status).toBe(200)
    const results = (r.body as { results: Json[] }).results
    expect(results.map((x) => x['status'])).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'rejected',
      'rejected',
    ])
    expect(String(results[3]!['reason'])).toMatch(
      /^Request was throttled\. Expected available in \d+ seconds\.$/,
    )
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    // a single request shares the quota
    const one = await fetch(
      `${server.url}/api/1/origin/save/git/url/https://forge.example.org/t/6/`,
      {
        method: 'POST',
      },
    )
    expect(one.status).toBe(429)
    const list = arca(['save-request', 'list', '--json', '--data', dir])
    expect(list.stdout.trim().split('\n')).toHaveLength(3)
  })
})
