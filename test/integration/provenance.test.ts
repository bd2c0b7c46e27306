/**
 * Provenance (docs/provenance.md) against git itself, on both storage backends: generated
 * histories (moves, copies within and between repositories, deletions, restorations, a merged
 * side branch, dates going backwards, a fork, a re-visit, a repository loaded after another yet
 * holding older commits). For every blob and tree, the first occurrence (earliest commit by
 * committer date, its origin, the shallowest path) and the full lists of commits, tags and
 * repositories containing it are checked against `git log --all` + `git ls-tree -r -t`; then
 * again after `provenanceReindex({ force: true })`; masking; and the Web API routes.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import type { CoreSwhid } from '../../src/model/index.js'
import type { ProvenanceListKind } from '../../src/storage/index.js'
import { type Archive, maskedView, openArchive, type Storage } from '../../src/storage/index.js'
import { createApp } from '../../src/web/app.js'
import { mountBrowse } from '../../src/web/browse/index.js'
import { startServer, webContext } from '../../src/web/server.js'
import {
  expectedFirst,
  expectFirstsFromGit,
  type GitTruth,
  gitTruth,
  makeHistory,
} from '../helpers/git-history.js'
import { git } from '../helpers/repos.js'
import { onTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

/** Debian's python3 (it has requests). */
const PYTHON = process.env['ARCA_PYTHON'] ?? '/usr/bin/python3'

const POOL = ['shared one\n', 'shared two\n', 'licence text\n', 'int main(void);\n', '']

interface Fixture {
  archive: Archive
  repos: string[]
  /** Origin URL of each repository, in the order given. */
  origins: string[]
  /** Load order (indexes into repos), for the origin of first occurrences. */
  order: number[]
  truth: GitTruth
  cleanup: () => Promise<void>
}

async function makeFixture(storageUrl?: string): Promise<Fixture> {
  const root = makeTemp('arca-prov-')
  const data = makeTemp('arca-prov-data-')
  const a = join(root, 'a')
  const b = join(root, 'b')
  const c = join(root, 'c')
  makeHistory(a, { seed: 1, commits: 24, baseDate: 1_600_000_000, pool: POOL, tag: 'v1' })
  // Loaded after A, yet older: first occurrences move to it.
  makeHistory(b, { seed: 2, commits: 14, baseDate: 1_590_000_000, pool: POOL })
  const archive = await openArchive({
    dataDir: data,
    ...(storageUrl ? { storageUrl } : {}),
    writer: 'loader',
  })
  const origins: string[] = []
  const load = async (repo: string): Promise<string> => {
    const r = await loadGit(repo, { storage: archive.storage, scratchDir: archive.tmpDir })
    expect(r.status).toBe('full')
    return r.origin
  }
  origins[0] = await load(a)
  origins[1] = await load(b)
  // A fork of A with its own commits, then A re-visited with new commits.
  makeHistory(c, { seed: 3, commits: 6, baseDate: 1_610_000_000, pool: POOL, cloneOf: a })
  origins[2] = await load(c)
  makeHistory(a, { seed: 4, commits: 6, baseDate: 1_620_000_000, pool: POOL, tag: 'v2' })
  expect(await load(a)).toBe(origins[0])
  await archive.storage.flush()
  return {
    archive,
    repos: [a, b, c],
    origins,
    order: [0, 1, 2],
    truth: gitTruth([a, b, c]),
    cleanup: async () => {
      await archive.close()
      removeTemp(root)
      removeTemp(data)
    },
  }
}

function swhidOf(id: string, type: 'blob' | 'tree'): CoreSwhid {
  return { type: type === 'blob' ? 'cnt' : 'dir', id }
}

async function listAll(s: Storage, swhid: CoreSwhid, kind: ProvenanceListKind): Promise<string[]> {
  const out: string[] = []
  let pageToken: string | null = null
  for (;;) {
    const page = await s.provenanceList(swhid, kind, { limit: 7, pageToken })
    expect(page).not.toBeNull()
    expect(page!.truncated).toBe(false)
    out.push(...page!.results.map((r) => r.id))
    if (!page!.nextPageToken) return out
    pageToken = page!.nextPageToken
  }
}

function checkAgainstGit(f: Fixture, s: Storage): Promise<void> {
  return expectFirstsFromGit(f.truth, (x) => s.provenanceFirst(x), f.origins, f.order)
}

function suite(label: string, setup: () => Promise<Fixture | null>): void {
  describe(`provenance (${label})`, () => {
    let f: Fixture
    beforeAll(async () => {
      const fx = await setup()
      if (fx) f = fx
    }, 300_000)
    afterAll(async () => f?.cleanup())

    it('matches git for every blob and tree: first occurrence and full lists', async () => {
      expect(f.truth.objects.size).toBeGreaterThan(50)
      // The generated histories exercise what they claim to.
      const blobsInTwoRepos = [...f.truth.objects.values()].filter(
        (o) =>
          o.type === 'blob' &&
          new Set(o.occ.flatMap((x) => [...f.truth.repos.get(x.commit)!])).size > 1,
      )
      expect(blobsInTwoRepos.length).toBeGreaterThan(0)
      // Some objects of A (loaded first) occur earlier in B (loaded second): the first
      // occurrence moved when B was indexed.
      const movedToB = [...f.truth.objects.values()].filter((o) => {
        const holders = f.truth.repos.get(expectedFirst(o.occ).commit)!
        return holders.has(1) && o.occ.some((x) => f.truth.repos.get(x.commit)!.has(0))
      })
      expect(movedToB.length).toBeGreaterThan(0)
      // Objects at several paths of one commit (copies), so the path rule is exercised.
      const copied = [...f.truth.objects.values()].filter((o) => {
        const first = expectedFirst(o.occ)
        return o.occ.filter((x) => x.commit === first.commit).length > 1
      })
      expect(copied.length).toBeGreaterThan(0)
      await checkAgainstGit(f, f.archive.backend)
    }, 120_000)

    it('unknown objects have no provenance; the lists answer null', async () => {
      const none = { type: 'cnt', id: '0'.repeat(40) } as const
      expect(await f.archive.backend.provenanceFirst([none])).toEqual([null])
      expect(await f.archive.backend.provenanceList(none, 'revision')).toBeNull()
      // A directory id asked as a content is not that content.
      const tree = git(f.repos[0]!, ['rev-parse', 'main^{tree}'])
      expect(await f.archive.backend.provenanceFirst([{ type: 'cnt', id: tree }])).toEqual([null])
    })

    it('revisions and snapshots name an origin holding them', async () => {
      const head = git(f.repos[1]!, ['rev-parse', 'main'])
      const [r] = await f.archive.backend.provenanceFirst([{ type: 'rev', id: head }])
      expect(r).toMatchObject({ anchor: null, origin: f.origins[1] })
    })

    it('a forced reindex rebuilds the same index', async () => {
      const report = await f.archive.backend.provenanceReindex({ force: true })
      expect(report.revisions).toBe(f.truth.repos.size)
      await checkAgainstGit(f, f.archive.backend)
    }, 120_000)

    it('masked objects, revisions and origins never appear', async () => {
      const view = maskedView(f.archive).storage
      const [blobId, blob] = [...f.truth.objects].find(([, o]) => o.type === 'blob')!
      const swhid = swhidOf(blobId, 'blob')
      const want = expectedFirst(blob.occ)
      const backend = f.archive.backend
      await backend.maskSet('req-p1', 'test', [`swh:1:cnt:${blobId}`], 'restricted')
      expect(await view.provenanceFirst([swhid])).toEqual([null])
      await expect(view.provenanceList(swhid, 'revision')).rejects.toMatchObject({
        code: 'masked',
      })
      await backend.maskSet('req-p1', 'lifted', [`swh:1:cnt:${blobId}`], null)
      await backend.maskSet('req-p2', 'test', [`swh:1:rev:${want.commit}`], 'restricted')
      const [o] = await view.provenanceFirst([swhid])
      expect(o?.anchor ?? null).toBeNull()
      expect(o?.path ?? null).toBeNull()
      expect(await listAll(view, swhid, 'revision')).not.toContain(want.commit)
      await backend.maskSet('req-p2', 'lifted', [`swh:1:rev:${want.commit}`], null)
      const masked = f.origins[0]!
      const { originSwhid } = await import('../../src/storage/proxies/masking.js')
      await backend.maskSet('req-p3', 'test', [originSwhid(masked)], 'restricted')
      expect(await listAll(view, swhid, 'origin')).not.toContain(masked)
      const [o2] = await view.provenanceFirst([swhid])
      expect(o2?.origin ?? null).not.toBe(masked)
      await backend.maskSet('req-p3', 'lifted', [originSwhid(masked)], null)
    })

    it("answers swh-scanner's provenance requests over HTTP (Debian's python3 + requests)", async () => {
      // What swh/scanner/data.py's _call_whereis and _call_whereare send and parse, over a real
      // socket: GET provenance/whereis/<swhid>/ read as JSON text, POST provenance/whereare/
      // with json=[…], every answer a qualified SWHID (swh.model's grammar) or None.
      const server = await startServer({
        archive: f.archive,
        port: 0,
        rateLimits: { exemptNetworks: ['127.0.0.0/8'], rates: {} },
      })
      try {
        const blobs = [...f.truth.objects].filter(([, o]) => o.type === 'blob').slice(0, 150)
        const swhids = [...blobs.map(([id]) => `swh:1:cnt:${id}`), `swh:1:cnt:${'0'.repeat(40)}`]
        const script = String.raw`
import json, re, sys, requests
api, swhids = sys.argv[1], json.loads(sys.stdin.read())
Q = re.compile(r"^swh:1:(cnt|dir|rev|rel|snp):[0-9a-f]{40}(;(origin|visit|anchor|path|lines)=[^;]*)*$")
out = []
for i in range(0, len(swhids), 100):
    r = requests.post(api + "provenance/whereare/", json=swhids[i:i + 100])
    r.raise_for_status()
    out.extend(r.json())
r = requests.get(api + "provenance/whereis/" + swhids[0] + "/")
r.raise_for_status()
one = json.loads(r.text) if r.text else None
assert all(q is None or Q.match(q) for q in out + [one]), out
print(json.dumps({"whereare": out, "whereis": one}))
`
        // Asynchronously: the server answers from this process.
        const out = await new Promise<string>((resolve, reject) => {
          const child = execFile(
            PYTHON,
            ['-c', script, `${server.url}/api/1/`],
            { encoding: 'utf8', timeout: 50_000 },
            (err, stdout, stderr) =>
              err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
          )
          child.stdin!.end(JSON.stringify(swhids))
        })
        const got = JSON.parse(out) as { whereare: (string | null)[]; whereis: string | null }
        const expected = blobs.map(([id, o]) => {
          const want = expectedFirst(o.occ)
          const holder = f.order.find((ri) => f.truth.repos.get(want.commit)!.has(ri))!
          return (
            `swh:1:cnt:${id};origin=${f.origins[holder]};anchor=swh:1:rev:${want.commit}` +
            `;path=/${want.path}`
          )
        })
        expect(got.whereare).toEqual([...expected, null])
        expect(got.whereis).toBe(expected[0])
      } finally {
        await server.close()
      }
    }, 60_000)

    it('serves whereis / whereare as Software Heritage does, and the lists', async () => {
      const wctx = webContext(
        f.archive,
        {},
        { exemptNetworks: [], rates: { swh_api: { count: 100_000, seconds: 60 } } },
      )
      const app = createApp(wctx)
      mountBrowse(app, wctx)
      const base = 'http://arca.test/api/1'
      const [blobId, blob] = [...f.truth.objects].find(([, o]) => o.type === 'blob')!
      const want = expectedFirst(blob.occ)
      const holder = f.order.find((ri) => f.truth.repos.get(want.commit)!.has(ri))!
      const expected =
        `swh:1:cnt:${blobId};origin=${f.origins[holder]};anchor=swh:1:rev:${want.commit}` +
        `;path=/${want.path}`
      // No authentication: Arca makes provenance public.
      for (const path of [
        `/provenance/whereis/swh:1:cnt:${blobId}/`,
        `/provenance/whereis/swhid/swh:1:cnt:${blobId}/`,
      ]) {
        const res = await app.request(base + path)
        expect(res.status).toBe(200)
        expect(await res.json()).toBe(expected)
      }
      const unknown = await app.request(`${base}/provenance/whereis/swh:1:cnt:${'0'.repeat(40)}/`)
      expect(unknown.status).toBe(200)
      expect(await unknown.text()).toBe('null')
      const bad = await app.request(`${base}/provenance/whereis/swh:1:abc:${'0'.repeat(40)}/`)
      expect(bad.status).toBe(400)
      expect(await bad.json()).toMatchObject({ exception: 'BadInputExc' })
      const post = (body: string): Promise<Response> =>
        Promise.resolve(
          app.request(`${base}/provenance/whereare/`, {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/json' },
          }),
        )
      const many = await post(
        JSON.stringify([`swh:1:cnt:${blobId}`, `swh:1:dir:${'0'.repeat(40)}`]),
      )
      expect(many.status).toBe(200)
      expect(await many.json()).toEqual([expected, null])
      for (const body of ['{}', '[]', 'not json']) {
        const r = await post(body)
        expect(r.status).toBe(400)
        expect(await r.json()).toMatchObject({
          exception: 'BadInputExc',
          reason: 'A list of core SWHIDS must be provided in POST data.',
        })
      }
      expect((await post(JSON.stringify(['swh:1:cnt:zz']))).status).toBe(400)
      expect((await app.request(`${base}/provenance/whereare/`)).status).toBe(405)
      // The lists: Link paging, totals.
      const commits = [...new Set(blob.occ.map((x) => x.commit))]
      const seen: string[] = []
      let url: string | null = `${base}/provenance/revisions/swh:1:cnt:${blobId}/?per_page=2`
      while (url) {
        const r: Response = await app.request(url)
        expect(r.status).toBe(200)
        expect(r.headers.get('x-total-count')).toBe(String(commits.length))
        for (const it of (await r.json()) as { swhid: string }[]) seen.push(it.swhid.slice(10))
        const link = r.headers.get('link')
        url = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null
      }
      expect(seen.sort()).toEqual(commits.sort())
      const first = await app.request(`${base}/provenance/first/swh:1:cnt:${blobId}/`)
      expect(await first.json()).toMatchObject({
        qualified_swhid: expected,
        revision: `swh:1:rev:${want.commit}`,
        date: new Date(want.date * 1000).toISOString(),
      })
      const rev = await app.request(`${base}/provenance/origins/swh:1:rev:${want.commit}/`)
      expect(rev.status).toBe(400)
      // The browse pages' "Also found in" panel.
      const page = await (
        await app.request(`http://arca.test/browse/content/sha1_git:${blobId}/`)
      ).text()
      expect(page).toContain('Also found in')
      expect(page).toContain(`/browse/revision/${want.commit}/`)
      expect(page).toContain(encodeURIComponent(f.origins[holder]!))
      const tree = git(f.repos[0]!, ['rev-parse', 'main^{tree}'])
      const dirPage = await (await app.request(`http://arca.test/browse/directory/${tree}/`)).text()
      expect(dirPage).toContain('Also found in')
    })
  })
}

suite('SQLite', () => makeFixture())
if (await postgresAvailable()) {
  suite('PostgreSQL', () => onTestDatabase(makeFixture))
}
