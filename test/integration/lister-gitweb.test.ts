/**
 * The gitweb lister against the real gitweb (Debian's package) run by lighttpd on loopback,
 * over bare repositories made with git: every project listed with the clone URL its summary
 * page advertises (the https one of the two configured) and its last change (git's own
 * committer date of the newest commit), and the clone URL made from a base when asked.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { GitwebLister, ListerHttp, ListerStore, runLister } from '../../src/lister/index.js'
import type { GitServer } from '../helpers/git-servers.js'
import { git } from '../helpers/repos.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'
import { requireService } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { GITWEB_CGI, haveCgi, startGitweb } from '../helpers/web-frontends.js'

const NAMES = ['one.git', 'two.git', 'three.git', 'sub/four.git']

const ok = await requireService('gitweb and lighttpd', () => Promise.resolve(haveCgi(GITWEB_CGI)))
const sqlite = (await schedulerBackends()).find((b) => b.name === 'sqlite')!

describe.runIf(ok)('gitweb lister (real gitweb)', () => {
  let dir: string
  let gitweb: GitServer
  /** Project → the committer time (ms) of its newest commit, as git reports it. */
  const newest = new Map<string, number>()
  const http = new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] }, retries: 1 })

  beforeAll(async () => {
    dir = makeTemp('arca-gitweb-')
    const repos = join(dir, 'repos')
    NAMES.forEach((name, i) => {
      const bare = join(repos, name)
      mkdirSync(bare, { recursive: true })
      git(bare, ['init', '-q', '--bare', '-b', 'main'])
      const work = join(dir, 'work', name)
      mkdirSync(work, { recursive: true })
      git(work, ['init', '-q', '-b', 'main'])
      for (let c = 0; c <= i; c++) {
        writeFileSync(join(work, 'f'), `${name} ${c}\n`)
        git(work, ['add', 'f'])
        const date = `${1_600_000_000 + i * 86_400 + c * 3600} +0100`
        git(work, ['commit', '-q', '-m', `c${c}`], {
          env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        })
      }
      git(work, ['push', '-q', bare, 'main'])
      newest.set(name, Number(git(bare, ['log', '-1', '--format=%ct', 'main'])) * 1000)
    })
    gitweb = await startGitweb(dir, repos, {
      cloneBase: ['git://127.0.0.1/pub', 'https://git.example.org/pub'],
    })
  })
  afterAll(async () => {
    http.close()
    await gitweb?.stop()
    if (dir) removeTemp(dir)
  })

  it('lists every project with its advertised https clone URL and last change', async () => {
    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      const lister = new GitwebLister(gitweb.url)
      const r = await runLister(lister, { http, store, visits: sched.visits })
      expect(r).toEqual({ pages: 1, origins: NAMES.length, added: NAMES.length })
      const rows = await sched.db.all<{ url: string; t: string; u: number }>(
        `SELECT url, visit_type AS t, last_update AS u FROM listed_origin ORDER BY url`,
      )
      expect(rows.map((x) => [x.url, x.t, Number(x.u)])).toEqual(
        [...NAMES].sort().map((n) => [`https://git.example.org/pub/${n}`, 'git', newest.get(n)]),
      )
      expect((await store.get('gitweb', gitweb.url))?.status).toBe('complete')
    } finally {
      await sched.teardown()
    }
  })

  it('pages the project list and resumes from the saved offset', async () => {
    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      const lister = new GitwebLister(gitweb.url, { pageSize: 3 })
      const first = await lister.page(lister.initialState(), http)
      expect(first.origins).toHaveLength(3)
      expect(first.next).toEqual({ offset: 3 })
      await store.save({
        type: 'gitweb',
        url: lister.url,
        state: first.next!,
        completeState: null,
        status: 'failed',
        lastRun: 0,
        lastError: 'killed',
        originsFound: 3,
      })
      const r = await runLister(lister, { http, store, visits: sched.visits })
      expect(r).toEqual({ pages: 1, origins: 1, added: 1 })
      const seen = new Set([...first.origins.map((o) => o.url)])
      const rows = await sched.db.all<{ url: string }>(`SELECT url FROM listed_origin`)
      expect(rows).toHaveLength(1)
      expect(seen.has(rows[0]!.url)).toBe(false)
      expect(NAMES.map((n) => `https://git.example.org/pub/${n}`)).toContain(rows[0]!.url)
    } finally {
      await sched.teardown()
    }
  })

  it('makes clone URLs from a configured base', async () => {
    const lister = new GitwebLister(gitweb.url, { baseGitUrl: 'https://mirror.example.org/' })
    const p = await lister.page(lister.initialState(), http)
    expect(p.origins.map((o) => o.url).sort()).toEqual(
      [...NAMES].sort().map((n) => `https://mirror.example.org/${n}`),
    )
    expect(p.next).toBeNull()
  })

  it('fails, naming the page, on a page that is not a gitweb project list', async () => {
    const lister = new GitwebLister(`${gitweb.url}?p=one.git;a=summary`)
    await expect(lister.page(lister.initialState(), http)).rejects.toThrow(
      /not a gitweb project list/,
    )
  })
})
