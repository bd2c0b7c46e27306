/**
 * The plain URL list (bulk save): `arca lister run url-list FILE` lists each line's URL with
 * the checks Save Code Now applies (Software Heritage's URL rules, the unauthorized prefix
 * list, the network safety check, loadable visit types), a missing type detected against a
 * real git daemon, every rejected line reported with its reason; and a long list read page by
 * page from the saved line and byte offsets.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ListerStore, runLister, UrlListLister } from '../../src/lister/index.js'
import { arca } from '../helpers/cli.js'
import { type GitServer, startGitDaemon } from '../helpers/git-servers.js'
import { makeOneCommitBareRepo } from '../helpers/repos.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const sqlite = (await schedulerBackends()).find((b) => b.name === 'sqlite')!

describe('url-list lister', () => {
  let dir: string
  let daemon: GitServer

  beforeAll(async () => {
    dir = makeTemp('arca-urllist-')
    makeOneCommitBareRepo(join(dir, 'repos'), 'found.git')
    daemon = await startGitDaemon(join(dir, 'repos'))
  })
  afterAll(async () => {
    await daemon?.stop()
    if (dir) removeTemp(dir)
  })

  it('lists the lines Save Code Now would take and reports the others', () => {
    const data = join(dir, 'data')
    const list = join(dir, 'urls.txt')
    writeFileSync(
      list,
      [
        '# projects to archive',
        'https://93.184.216.34/team/app.git git',
        '',
        'https://93.184.216.34/team/lib hg',
        `${daemon.url}/found.git`,
        'http://169.254.169.254/latest/meta-data git',
        'https://user:s3cret@93.184.216.34/private.git git',
        'https://93.184.216.35/blocked/x.git git',
        'https://93.184.216.34/x.git darcs',
        'notaurl',
        'https://93.184.216.34/a.git git extra',
        'https://93.184.216.34/team/app.git git',
        '',
      ].join('\n'),
    )
    const pre = arca([
      'save-request',
      'prefix',
      'add',
      'unauthorized',
      'https://93.184.216.35/blocked/',
      '--data',
      data,
    ])
    expect(pre.status, pre.stderr).toBe(0)
    const r = arca([
      'lister',
      'run',
      'url-list',
      list,
      '--data',
      data,
      '--allow-network',
      '127.0.0.1/32',
    ])
    expect(r.status, r.stderr).toBe(0)

    expect(r.stdout).toContain('1 page(s), 3 origin(s), 3 new, 6 line(s) rejected')
    const rejected = r.stderr.trim().split('\n')
    expect(rejected).toHaveLength(6)
    expect(rejected[0]).toMatch(/urls\.txt:6: rejected .*169\.254\.169\.254.*: .*not allowed/)
    expect(rejected[1]).toMatch(/urls\.txt:7: .*contains a password/)
    expect(rejected[1]).not.toContain('s3cret')
    expect(rejected[2]).toMatch(/urls\.txt:8: .*under a prefix not allowed/)
    expect(rejected[3]).toMatch(/urls\.txt:9: .*Visit of type darcs cannot be saved/)
    expect(rejected[4]).toMatch(/urls\.txt:10: .*'notaurl' is not valid/)
    expect(rejected[5]).toMatch(/urls\.txt:11: .*expected "URL \[VISIT_TYPE\]", got 3 columns/)

    const listed = arca(['schedule', 'list', '--json', '--data', data])
    expect(listed.status, listed.stderr).toBe(0)
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { url: string; visitType: string })
      .map((o) => [o.url, o.visitType])
      .sort()
    expect(rows).toEqual(
      [
        [`${daemon.url}/found.git`, 'git'],
        ['https://93.184.216.34/team/app.git', 'git'],
        ['https://93.184.216.34/team/lib', 'hg'],
      ].sort(),
    )
  })

  it('reads a long list page by page and resumes at the saved line', async () => {
    const list = join(dir, 'long.txt')
    const lines = Array.from({ length: 1200 }, (_, i) => `https://93.184.216.34/r/${i}.git git`)
    writeFileSync(list, lines.join('\n') + '\n')
    const lister = new UrlListLister(list, { visitTypes: ['git'], policy: { allowNetworks: [] } })
    const first = await lister.page(lister.initialState())
    expect(first.origins).toHaveLength(500)
    const bytes500 = Buffer.byteLength(lines.slice(0, 500).join('\n') + '\n')
    expect(first.next).toEqual({ line: 500, byte: bytes500 })

    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      await store.save({
        type: 'url-list',
        url: lister.url,
        state: first.next!,
        completeState: null,
        status: 'failed',
        lastRun: 0,
        lastError: 'killed',
        originsFound: 0,
      })
      const r = await runLister(lister, { http: null!, store, visits: sched.visits })
      expect(r).toEqual({ pages: 2, origins: 700, added: 700 })
      const urls = await sched.db.all<{ url: string }>(`SELECT url FROM listed_origin`)
      expect(new Set(urls.map((u) => u.url))).toEqual(
        new Set(lines.slice(500).map((l) => l.split(' ')[0])),
      )
      // a list cut shorter than the saved offset is an error naming it, not a silent restart
      const cut = join(dir, 'cut.txt')
      writeFileSync(cut, 'https://93.184.216.34/x.git git\n')
      const short = new UrlListLister(cut, { visitTypes: ['git'], policy: { allowNetworks: [] } })
      await expect(short.page({ line: 500, byte: bytes500 })).rejects.toThrow(/past the end/)
    } finally {
      await sched.teardown()
    }
  })
})
