/**
 * `arca forge request|list|reject|accept --now` against a local GitLab-shaped server (keyset
 * paging, two pages): the request refused when its type or URL is bad or it is a duplicate,
 * then accepted and listed in the CLI's process; the listed origins in `arca schedule list`,
 * the lister instance complete in `arca lister list`.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const run = promisify(execFile)

describe('arca forge', () => {
  let dir: string
  const server = createServer((req, res) => {
    const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('id_after') ?? 0)
    const ids = after === 0 ? [1, 2] : after === 2 ? [3] : []
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (after === 0)
      headers['link'] = `<http://${req.headers.host}/api/v4/projects?id_after=2>; rel="next"`
    res
      .writeHead(200, headers)
      .end(
        JSON.stringify(
          ids.map((id) => ({ id, http_url_to_repo: `https://gl.cli.example/g/p${id}.git` })),
        ),
      )
  })
  let base = ''
  beforeAll(async () => {
    dir = makeTemp('arca-cli-forge-')
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((r) => server.close(r))
    removeTemp(dir)
  })

  it('requests, refuses, rejects, accepts and lists a forge', async () => {
    const net = ['--allow-network', '127.0.0.1/32']
    const badType = arca(['forge', 'request', base, '--type', 'nope', '--data', dir, ...net])
    expect(badType.status).toBe(2)
    expect(badType.stderr).toMatch(/"nope" is not a known forge type/)
    const badUrl = arca([
      'forge',
      'request',
      'ftp://x.example.org',
      '--type',
      'gitlab',
      '--data',
      dir,
    ])
    expect(badUrl.status).toBe(2)

    const badEmail = arca([
      'forge',
      'request',
      base,
      '--type',
      'gitlab',
      '--submitter-email',
      'nobody',
      '--data',
      dir,
      ...net,
    ])
    expect(badEmail.status).toBe(2)
    expect(badEmail.stderr).toMatch(/submitter_email: "nobody" is not an email address/)
    const made = arca([
      'forge',
      'request',
      `${base}/`,
      '--type',
      'gitlab',
      '--submitter',
      'ana',
      '--submitter-email',
      'ana@people.example.net',
      '--data',
      dir,
      ...net,
    ])
    expect(made.status, made.stderr).toBe(0)
    expect(made.stdout).toMatch(new RegExp(`^1\\t\\S+\\tgitlab\\t${base}\\tPENDING\\n$`))
    const dup = arca(['forge', 'request', base, '--type', 'gitlab', '--data', dir, ...net])
    expect(dup.status).not.toBe(0)
    expect(dup.stderr).toMatch(/Request for forge already exists \(id 1\)/)

    const other = arca([
      'forge',
      'request',
      'https://spam.example.org',
      '--type',
      'gitlab',
      '--contact-email',
      'a@spam.example.org',
      '--data',
      dir,
    ])
    expect(other.status, other.stderr).toBe(0)
    const rejected = arca(['forge', 'reject', '2', '--reason', 'Not a forge.', '--data', dir])
    expect(rejected.status, rejected.stderr).toBe(0)
    expect(rejected.stdout).toMatch(/\tREJECTED\n$/)
    const noReason = arca(['forge', 'reject', '1', '--data', dir])
    expect(noReason.status).not.toBe(0)

    const accepted = await run(process.execPath, [
      ARCA_BIN,
      'forge',
      'accept',
      '1',
      '--now',
      '--data',
      dir,
      ...net,
    ])
    expect(accepted.stdout.split('\n')).toEqual([
      expect.stringMatching(/^1\t.*\tSCHEDULED$/),
      'listed 3 origin(s) in 2 page(s), 3 new',
      expect.stringMatching(/^1\t.*\tFIRST_LISTING_DONE$/),
      '',
    ])

    const list = arca(['forge', 'list', '--json', '--data', dir])
    expect(list.status).toBe(0)
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rows.map((r) => [r['id'], r['status']])).toEqual([
      [2, 'REJECTED'],
      [1, 'FIRST_LISTING_DONE'],
    ])
    expect(rows[1]).toMatchObject({
      submitter_name: 'ana',
      submitter_email: 'ana@people.example.net',
    })
    expect(rows[0]).toMatchObject({ submitter_name: 'cli', submitter_email: '' })
    // the text listing is the moderator's view too: submitter and email last
    const text = arca(['forge', 'list', '--data', dir])
    expect(text.stdout.split('\n')[1]).toMatch(
      new RegExp(
        `^1\\t\\S+\\tgitlab\\t${base}\\tFIRST_LISTING_DONE\\tana\\tana@people\\.example\\.net$`,
      ),
    )
    const sched = arca(['schedule', 'list', '--data', dir])
    for (const id of [1, 2, 3])
      expect(sched.stdout).toContain(`https://gl.cli.example/g/p${id}.git`)
    const inst = arca(['lister', 'list', '--json', '--data', dir])
    const i = JSON.parse(inst.stdout.trim()) as Record<string, unknown>
    expect(i).toMatchObject({ type: 'gitlab', url: base, status: 'complete', originsFound: 3 })
  })
})
