/**
 * Listing then archiving, end to end with the built CLI: two git repositories made with git
 * and served by `git daemon` on loopback; a Gitea-shaped server (the API's documented answer)
 * lists them with their `clone_url`; `arca lister run gitea` writes them to the schedule, an
 * `arca worker` process visits them (never-visited first), and the archived heads equal git's
 * own `rev-parse`. A re-listing with nothing new adds nothing and asks only the last two pages.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { type GitServer, startGitDaemon } from '../helpers/git-servers.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { runWorkerUntil } from '../helpers/worker-run.js'

const run = promisify(execFile)

describe('a Gitea listing archived by the scheduler', () => {
  let dir: string
  let daemon: GitServer
  const asked: string[] = []
  let clone: (name: string) => string
  const api = createServer((req, res) => {
    asked.push(req.url ?? '')
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1)
    const names = page === 1 ? ['a.git'] : page === 2 ? ['b.git'] : []
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (page === 1) headers['link'] = '</api/v1/repos/search?page=2&limit=50>; rel="next"'
    res.writeHead(200, headers).end(
      JSON.stringify({
        ok: true,
        data: names.map((n, i) => ({
          id: page * 10 + i,
          full_name: `o/${n}`,
          clone_url: clone(n),
          fork: false,
          parent: null,
          updated_at: '2024-03-01T10:00:00Z',
        })),
      }),
    )
  })
  let base = ''
  beforeAll(async () => {
    dir = makeTemp('arca-lister-e2e-')
    for (const name of ['a', 'b']) {
      const work = join(dir, 'work', name)
      git(dir, ['init', '-q', '-b', 'main', work])
      writeFileSync(join(work, 'README'), `repository ${name}\n`)
      git(work, ['add', 'README'])
      git(work, ['commit', '-q', '-m', `first of ${name}`], {
        env: { GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000' },
      })
      git(dir, ['clone', '-q', '--bare', work, join(dir, 'served', `${name}.git`)])
    }
    daemon = await startGitDaemon(join(dir, 'served'))
    clone = (n) => `${daemon.url}/${n}`
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((r) => api.close(r))
    await daemon?.stop()
    removeTemp(dir)
  })

  it('lists the forge, the worker archives what was listed, a re-listing adds nothing', async () => {
    const archive = ['--data', join(dir, 'data')]
    const listed = await run(process.execPath, [
      ARCA_BIN,
      'lister',
      'run',
      'gitea',
      base,
      ...archive,
      '--allow-network',
      '127.0.0.1/32',
    ])
    expect(listed.stdout).toBe(`gitea ${base}: 2 page(s), 2 origin(s), 2 new\n`)

    const worker = await runWorkerUntil([...archive, '--json'], 2, 60_000)
    expect(worker.code).toBe(0)
    expect(worker.stderr).toBe('')
    const lines = worker.lines
    const ended = lines.filter((l) => l['event'] === 'task_ended')
    expect(ended.map((l) => [l['origin'], l['kind'], l['state'], l['status']]).sort()).toEqual([
      [clone('a.git'), 'load-git', 'done', 'full'],
      [clone('b.git'), 'load-git', 'done', 'full'],
    ])
    for (const name of ['a', 'b']) {
      const snap = ended.find((l) => l['origin'] === clone(`${name}.git`))!['snapshot'] as string
      const s = arca(['cat', ...archive, `swh:1:snp:${snap}`])
      expect(s.status).toBe(0)
      const branches = (JSON.parse(s.stdout) as { branches: Record<string, { target: string }> })
        .branches
      expect(branches['refs/heads/main']!.target).toBe(
        git(join(dir, 'served', `${name}.git`), ['rev-parse', 'refs/heads/main']),
      )
    }

    // nothing new on the forge: the last page and the one before it asked, nothing added
    asked.length = 0
    const again = await run(process.execPath, [
      ARCA_BIN,
      'lister',
      'run',
      'gitea',
      base,
      ...archive,
      '--allow-network',
      '127.0.0.1/32',
    ])
    expect(again.stdout).toBe(`gitea ${base}: 2 page(s), 2 origin(s), 0 new\n`)
    expect(asked.map((u) => new URL(u, base).searchParams.get('page'))).toEqual(['1', '2'])
  }, 120_000)
})
