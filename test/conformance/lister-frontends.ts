/**
 * The web front-ends of the lister conformance suite: the real cgit and gitweb (Debian's
 * packages, CGI under lighttpd) and `hg serve` (hgweb, with and without its JSON style) over
 * repositories made here with git and hg, reached through a proxy that injects faults (a 5xx,
 * a page cut short, a page that is not the expected one, a 404) for the next requests of a
 * path. How each one pages, what its saved state is, which origins and last updates it lists
 * are written by hand from what each test writes (agefile dates, commit dates, changelog times)
 * and from the servers' own URL layouts.
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import {
  CgitLister,
  GitwebLister,
  HgwebLister,
  type Lister,
  type ListerState,
} from '../../src/lister/index.js'
import type { GitServer } from '../helpers/git-servers.js'
import { hg } from '../helpers/hg-repos.js'
import { git } from '../helpers/repos.js'
import {
  CGIT_CGI,
  GITWEB_CGI,
  haveCgi,
  startCgit,
  startGitweb,
  startHgweb,
} from '../helpers/web-frontends.js'

/** A fault the proxy answers a request with instead of the real server's answer. */
export type WebFault = '5xx' | 'truncated' | 'malformed' | 'notfound'

/** The proxy in front of a real server: requests asked (path and query) and faults to inject. */
export interface FaultProxy {
  /** The proxy's origin (`http://127.0.0.1:PORT`). */
  readonly origin: string
  readonly asked: string[]
  readonly faults: Map<string, WebFault[]>
  close(): Promise<void>
}

/** A front-end of the suite, started over its repositories. */
export interface Frontend {
  readonly name: string
  /** Whether its programs are installed (in CI they must be). */
  readonly programs: () => boolean
  /** Makes the repositories under `dir` and starts the server; its index URL. */
  start(dir: string): Promise<GitServer>
  /** The lister of the index at `index` (the proxy's URL of the index). */
  make(index: string): Lister
  /** The requests (path and query) that begin each page of the listing, in order. */
  readonly pages: readonly string[]
  /** Origins on each page. */
  readonly perPage: readonly number[]
  /** Requests made for the first page only (none of them asked by a resumed run). */
  readonly firstOnly: readonly string[]
  /** The state saved when the page `i` (≥ 1) is the next one. */
  state(index: string, i: number): ListerState
  /** Every origin listed, `[url, last update ms]`, sorted by URL. */
  expected(index: string): [string, number][]
  /** A whole answer that is not the page expected, and the error it gives. */
  readonly malformed: { readonly body: string; readonly type: string; readonly error: RegExp }
  /** Whether a malformed page is retried by the client (else the run fails at once). */
  readonly malformedRetried: boolean
  /** The error of a page cut short every time. */
  readonly truncated: RegExp
  /** Pages of the listing once {@link addRepo} added one. */
  readonly pagesAfterAdd: number
  /** Adds one repository; its origin `[url, last update ms]`. */
  addRepo(dir: string, index: string): [string, number]
  /** Removes what {@link addRepo} added. */
  removeRepo(dir: string): void
}

/** Starts a proxy to `upstream` (an origin) injecting the faults set for each path. */
export async function startProxy(
  upstream: string,
  malformed: Frontend['malformed'],
): Promise<FaultProxy> {
  const asked: string[] = []
  const faults = new Map<string, WebFault[]>()
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/'
    asked.push(path)
    const fault = faults.get(path)?.shift()
    if (fault === '5xx') return void res.writeHead(503).end('unavailable')
    if (fault === 'notfound') return void res.writeHead(404).end('not found')
    if (fault === 'malformed')
      return void res.writeHead(200, { 'content-type': malformed.type }).end(malformed.body)
    void fetch(new URL(path, upstream)).then(
      async (r) => {
        const body = await r.text()
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/html' })
        // a page cut short: the connection ended cleanly before the page did
        res.end(fault === 'truncated' ? body.slice(0, Math.floor(body.length / 2)) : body)
      },
      () => res.writeHead(502).end('upstream unreachable'),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    faults,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

const NOT_AN_INDEX = {
  body: '<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body><p>Back soon.</p></body></html>\n',
  type: 'text/html; charset=UTF-8',
}

/** A bare repository at `bare` with one commit at `date` (git's `SECONDS +ZZZZ`). */
function bareRepo(dir: string, bare: string, name: string, date: string): void {
  mkdirSync(bare, { recursive: true })
  git(bare, ['init', '-q', '--bare', '-b', 'main'])
  const work = join(dir, 'work', name)
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  git(work, ['init', '-q', '-b', 'main'])
  writeFileSync(join(work, 'README'), `${name}\n`)
  git(work, ['add', 'README'])
  git(work, ['commit', '-q', '-m', `first commit of ${name}`], {
    env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  })
  git(work, ['push', '-q', bare, 'main'])
}

const CLONE = 'https://git.example.org/pub'

/** cgit: repository → its agefile's date, and that date in ms worked by hand. */
const CGIT: Record<string, [string, number]> = {
  'alpha.git': ['2021-01-02 03:04:05 +0000', Date.UTC(2021, 0, 2, 3, 4, 5)],
  'beta.git': ['2022-06-30 23:59:59 +0200', Date.UTC(2022, 5, 30, 21, 59, 59)],
  'gamma.git': ['2023-03-04 05:06:07 -0130', Date.UTC(2023, 2, 4, 6, 36, 7)],
  'tools/delta.git': ['2024-12-31 00:00:00 +0000', Date.UTC(2024, 11, 31)],
  'tools/epsilon.git': ['2025-07-14 12:00:00 +0000', Date.UTC(2025, 6, 14, 12)],
}
const CGIT_NEW: [string, [string, number]] = [
  'zeta.git',
  ['2026-02-03 04:05:06 +0100', Date.UTC(2026, 1, 3, 3, 5, 6)],
]

function cgitRepo(dir: string, name: string, date: string): void {
  const bare = join(dir, 'repos', name)
  bareRepo(dir, bare, name, '1600000000 +0000')
  mkdirSync(join(bare, 'info', 'web'), { recursive: true })
  writeFileSync(join(bare, 'info', 'web', 'last-modified'), `${date}\n`)
}

const cgit: Frontend = {
  name: 'cgit',
  programs: () => haveCgi(CGIT_CGI),
  async start(dir) {
    for (const [name, [date]] of Object.entries(CGIT)) cgitRepo(dir, name, date)
    return startCgit(dir, join(dir, 'repos'), { perPage: 2, cloneBase: CLONE })
  },
  make: (index) => new CgitLister(index),
  // cgit's pager: max-repo-count (2) repositories a page, `?ofs=N`
  pages: ['/cgit/', '/cgit/?ofs=2', '/cgit/?ofs=4'],
  perPage: [2, 2, 1],
  // the clone URLs are read from each repository's summary page
  firstOnly: ['/cgit/', '/cgit/alpha.git/', '/cgit/beta.git/'],
  state: (index, i) => ({ page: `${index}?ofs=${2 * i}` }),
  expected: () =>
    Object.entries(CGIT)
      .map(([n, [, ms]]): [string, number] => [`${CLONE}/${n}`, ms])
      .sort(),
  malformed: { ...NOT_AN_INDEX, error: /not a cgit repository index/ },
  malformedRetried: false,
  truncated: /the page is truncated/,
  pagesAfterAdd: 3, // zeta.git joins the last page
  addRepo(dir) {
    cgitRepo(dir, CGIT_NEW[0], CGIT_NEW[1][0])
    return [`${CLONE}/${CGIT_NEW[0]}`, CGIT_NEW[1][1]]
  },
  removeRepo: (dir) => rmSync(join(dir, 'repos', CGIT_NEW[0]), { recursive: true, force: true }),
}

/** gitweb: project → the committer time (s) of its commit; gitweb lists them by path. */
const GITWEB: Record<string, number> = {
  'one.git': 1_600_000_000,
  'sub/four.git': 1_600_360_000,
  'three.git': 1_600_720_000,
  'two.git': 1_601_080_000,
}
const GITWEB_NEW: [string, number] = ['zz.git', 1_700_000_000]
const summary = (p: string): string => `/gitweb?p=${p};a=summary`

const gitweb: Frontend = {
  name: 'gitweb',
  programs: () => haveCgi(GITWEB_CGI),
  async start(dir) {
    for (const [name, t] of Object.entries(GITWEB))
      bareRepo(dir, join(dir, 'repos', name), name, `${t} +0100`)
    return startGitweb(dir, join(dir, 'repos'), { cloneBase: [CLONE] })
  },
  // gitweb does not page its project list: the lister does, 2 projects a page
  make: (index) => new GitwebLister(index, { pageSize: 2 }),
  pages: ['/gitweb/', summary('three.git')],
  perPage: [2, 2],
  firstOnly: [summary('one.git'), summary('sub/four.git')],
  state: (_index, i) => ({ offset: 2 * i }),
  expected: () =>
    Object.entries(GITWEB)
      .map(([n, t]): [string, number] => [`${CLONE}/${n}`, t * 1000])
      .sort(),
  malformed: { ...NOT_AN_INDEX, error: /not a gitweb summary page/ },
  malformedRetried: false,
  truncated: /the page is truncated/,
  pagesAfterAdd: 3, // a fifth project: a third page
  addRepo(dir) {
    const [name, t] = GITWEB_NEW
    bareRepo(dir, join(dir, 'repos', name), name, `${t} +0000`)
    return [`${CLONE}/${name}`, t * 1000]
  },
  removeRepo: (dir) => rmSync(join(dir, 'repos', GITWEB_NEW[0]), { recursive: true, force: true }),
}

/** hgweb: repository → the time (s) its changelog is stamped with (hgweb's last change). */
const HG: Record<string, number> = {
  alpha: 1_500_000_000,
  beta: 1_600_000_000,
  'team/delta': 1_650_000_000,
  'team/gamma': 1_700_000_000,
}
const HG_NEW: [string, number] = ['team/epsilon', 1_750_000_000]

function hgRepo(dir: string, path: string, when: number): void {
  const repo = join(dir, 'repos', path)
  mkdirSync(repo, { recursive: true })
  hg(repo, ['init'])
  writeFileSync(join(repo, 'README'), `${path}\n`)
  hg(repo, ['add', 'README'])
  hg(repo, ['commit', '-m', `first of ${path}`, '-d', `${when} 0`])
  utimesSync(join(repo, '.hg', 'store', '00changelog.i'), when, when)
}

function hgweb(noJson: boolean): Frontend {
  return {
    name: noJson ? 'hgweb without its JSON style' : 'hgweb',
    programs: () => true,
    async start(dir) {
      for (const [path, when] of Object.entries(HG)) hgRepo(dir, path, when)
      return startHgweb(dir, join(dir, 'repos'), { collapse: true, noJson })
    },
    make: (index) => new HgwebLister(index),
    // one page a directory of the collapsed index; without JSON, `?style=json` is the HTML
    // index, then the plain index is asked for
    pages: ['/?style=json', noJson ? '/team/' : '/team/?style=json'],
    perPage: [2, 2],
    firstOnly: ['/?style=json'],
    state: (index) => ({
      todo: JSON.stringify([`${index}team/`]),
      done: JSON.stringify([index]),
      ...(noJson ? { html: 1 } : {}),
    }),
    expected: (index) =>
      Object.entries(HG)
        .map(([p, t]): [string, number] => [`${index}${p}/`, t * 1000])
        .sort(),
    malformed: noJson
      ? { ...NOT_AN_INDEX, error: /not an hgweb index/ }
      : {
          body: '{"entries": [{"name": "alpha", ',
          type: 'application/json',
          error: /malformed JSON/,
        },
    malformedRetried: !noJson,
    truncated: noJson ? /the page is truncated/ : /malformed JSON/,
    pagesAfterAdd: 2, // team/epsilon is in the team/ directory
    addRepo(dir, index) {
      hgRepo(dir, HG_NEW[0], HG_NEW[1])
      return [`${index}${HG_NEW[0]}/`, HG_NEW[1] * 1000]
    },
    removeRepo: (dir) => rmSync(join(dir, 'repos', HG_NEW[0]), { recursive: true, force: true }),
  }
}

export const frontends: Frontend[] = [cgit, gitweb, hgweb(false), hgweb(true)]
