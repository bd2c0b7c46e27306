/**
 * The hgweb lister against the real `hg serve --web-conf` on loopback, publishing several
 * repositories made with hg (one in a sub-directory): each listed as an hg origin at the URL
 * hgweb serves it under, with the last change hgweb reports (the changelog's modification time,
 * set here), and the listed URLs cloneable by hg itself.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { HgwebLister, ListerHttp, ListerStore, runLister } from '../../src/lister/index.js'
import type { GitServer } from '../helpers/git-servers.js'
import { hg, hgTestEnv } from '../helpers/hg-repos.js'
import { schedulerBackends } from '../helpers/scheduler-backends.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { startHgweb } from '../helpers/web-frontends.js'

/** Repository path → the time (s) its changelog is stamped with. */
const REPOS: Record<string, number> = {
  alpha: 1_500_000_000,
  beta: 1_600_000_000,
  'team/gamma': 1_700_000_000,
}

const sqlite = (await schedulerBackends()).find((b) => b.name === 'sqlite')!

describe('hgweb lister (real hg serve --web-conf)', () => {
  let dir: string
  let hgweb: GitServer
  const tips = new Map<string, string>()
  const http = new ListerHttp({ policy: { allowNetworks: ['127.0.0.1/32'] }, retries: 1 })

  beforeAll(async () => {
    dir = makeTemp('arca-hgweb-')
    const repos = join(dir, 'repos')
    for (const [path, when] of Object.entries(REPOS)) {
      const repo = join(repos, path)
      mkdirSync(repo, { recursive: true })
      hg(repo, ['init'])
      writeFileSync(join(repo, 'README'), `${path}\n`)
      hg(repo, ['add', 'README'])
      hg(repo, ['commit', '-m', `first of ${path}`, '-d', `${when} 0`])
      tips.set(path, hg(repo, ['log', '-r', 'tip', '-T', '{node}']))
      utimesSync(join(repo, '.hg', 'store', '00changelog.i'), when, when)
    }
    hgweb = await startHgweb(dir, repos)
  })
  afterAll(async () => {
    http.close()
    await hgweb?.stop()
    if (dir) removeTemp(dir)
  })

  it('lists every repository as an hg origin with its last change', async () => {
    const sched = await sqlite.setup()
    try {
      const store = new ListerStore(sched.db)
      const lister = new HgwebLister(hgweb.url)
      const r = await runLister(lister, { http, store, visits: sched.visits })
      expect(r).toEqual({ pages: 1, origins: 3, added: 3 })
      const rows = await sched.db.all<{ url: string; t: string; u: number }>(
        `SELECT url, visit_type AS t, last_update AS u FROM listed_origin ORDER BY url`,
      )
      expect(rows.map((x) => [x.url, x.t, Number(x.u)])).toEqual(
        Object.entries(REPOS).map(([p, when]) => [`${hgweb.url}${p}/`, 'hg', when * 1000]),
      )
      // the listed URLs are what hg itself clones from
      for (const [p, tip] of tips) {
        const out = execFileSync('hg', ['identify', '--id', `${hgweb.url}${p}/`], {
          env: hgTestEnv(),
          encoding: 'utf8',
        }).trim()
        expect(out).toBe(tip.slice(0, 12))
      }
      expect((await store.get('hgweb', lister.url))?.status).toBe('complete')
    } finally {
      await sched.teardown()
    }
  })

  it('walks the directory entries of a collapsed index, one page each', async () => {
    mkdirSync(join(dir, 'collapsed'))
    const collapsed = await startHgweb(join(dir, 'collapsed'), join(dir, 'repos'), {
      collapse: true,
    })
    const sched = await sqlite.setup()
    try {
      const lister = new HgwebLister(collapsed.url)
      const first = await lister.page(lister.initialState(), http)
      expect(first.origins.map((o) => o.url)).toEqual([
        `${collapsed.url}alpha/`,
        `${collapsed.url}beta/`,
      ])
      expect(first.next).not.toBeNull()
      const store = new ListerStore(sched.db)
      const r = await runLister(lister, { http, store, visits: sched.visits })
      expect(r).toEqual({ pages: 2, origins: 3, added: 3 })
      const rows = await sched.db.all<{ url: string; u: number }>(
        `SELECT url, last_update AS u FROM listed_origin ORDER BY url`,
      )
      expect(rows.map((x) => [x.url, Number(x.u)])).toEqual(
        Object.entries(REPOS).map(([p, when]) => [`${collapsed.url}${p}/`, when * 1000]),
      )
    } finally {
      await sched.teardown()
      await collapsed.stop()
    }
  })

  it.each(['paper', 'gitweb', 'monoblue', 'spartan'])(
    'lists an hgweb without the JSON style from its HTML index (%s style, collapsed)',
    async (style) => {
      const home = join(dir, `nojson-${style}`)
      mkdirSync(home)
      const nojson = await startHgweb(home, join(dir, 'repos'), {
        collapse: true,
        noJson: true,
        style,
      })
      const sched = await sqlite.setup()
      try {
        // this hgweb has no JSON style: `?style=json` is its HTML index (hg's own answer)
        const asked = await fetch(`${nojson.url}?style=json`)
        expect(asked.headers.get('content-type')).toMatch(/^text\/html/)
        expect(await asked.text()).toContain('Mercurial repositories index')
        const lister = new HgwebLister(nojson.url)
        const first = await lister.page(lister.initialState(), http)
        expect(first.origins.map((o) => o.url)).toEqual([
          `${nojson.url}alpha/`,
          `${nojson.url}beta/`,
        ])
        // the directory left to read, and the HTML index asked for from now on
        expect(first.next).toEqual({
          todo: JSON.stringify([`${nojson.url}team/`]),
          done: JSON.stringify([nojson.url]),
          html: 1,
        })
        const store = new ListerStore(sched.db)
        const r = await runLister(lister, { http, store, visits: sched.visits })
        expect(r).toEqual({ pages: 2, origins: 3, added: 3 })
        const rows = await sched.db.all<{ url: string; t: string; u: number }>(
          `SELECT url, visit_type AS t, last_update AS u FROM listed_origin ORDER BY url`,
        )
        expect(rows.map((x) => [x.url, x.t, Number(x.u)])).toEqual(
          Object.entries(REPOS).map(([p, when]) => [`${nojson.url}${p}/`, 'hg', when * 1000]),
        )
      } finally {
        await sched.teardown()
        await nojson.stop()
      }
    },
  )

  it('fails on an HTML page that is not an hgweb index, where JSON is unavailable', async () => {
    const home = join(dir, 'nojson-repo')
    mkdirSync(home)
    const nojson = await startHgweb(home, join(dir, 'repos'), { noJson: true })
    try {
      // a repository's page (its shortlog, in paper), not the index
      const lister = new HgwebLister(`${nojson.url}alpha/`)
      await expect(lister.page(lister.initialState(), http)).rejects.toThrow(
        /alpha\/\?style=json: not an hgweb index \(neither JSON nor an HTML index\)/,
      )
    } finally {
      await nojson.stop()
    }
  })

  it('fails, naming the page, on an answer that is not an hgweb index', async () => {
    const lister = new HgwebLister(`${hgweb.url}alpha/`)
    await expect(lister.page(lister.initialState(), http)).rejects.toThrow(/not an hgweb index/)
  })
})
