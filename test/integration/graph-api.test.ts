/**
 * The graph API (docs/graph-api.md) on a real git repository archived into Arca, on SQLite and
 * PostgreSQL. Every expectation comes from git itself (rev-list, ls-tree, cat-file,
 * for-each-ref) or python3's hashlib (origin SWHIDs), never from Arca's own code; swh-web-client's
 * `get_origin` request is replayed with python3 `requests` against a real server.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadGit } from '../../src/loader/git/loader.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { createApp } from '../../src/web/app.js'
import { type RunningServer, startServer, webContext } from '../../src/web/server.js'
import { arca } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const pgOk = await postgresAvailable()
const BASE = 'http://arca.test'
const FAKE_SUBMODULE = 'a'.repeat(40)

function commit(repo: string, files: Record<string, string>, message: string): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(repo, path, '..'), { recursive: true })
    writeFileSync(join(repo, path), text)
  }
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '-m', message])
}

/** The sha1 of an origin URL, by python3's hashlib (the `swh:1:ori:` id). */
function pySha1(text: string): string {
  return execFileSync('python3', [
    '-c',
    'import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())',
    text,
  ])
    .toString()
    .trim()
}

/** What git says about the repository. */
interface GitFacts {
  head: string
  commits: string[]
  parents: Map<string, string[]>
  treeOf: Map<string, string>
  /** tree -> its direct entries as SWHIDs (blobs cnt, trees dir, gitlinks rev). */
  entries: Map<string, string[]>
  blobs: Set<string>
  tag: string
  tagTarget: string
  refs: Set<string>
}

function entriesOf(repo: string, tree: string): string[] {
  const out: string[] = []
  for (const line of git(repo, ['ls-tree', tree]).split('\n').filter(Boolean)) {
    const [meta] = line.split('\t')
    const [, type, id] = meta!.split(' ')
    out.push(`swh:1:${{ blob: 'cnt', tree: 'dir', commit: 'rev' }[type!]}:${id}`)
  }
  return out
}

function gitFacts(repo: string): GitFacts {
  const commits = git(repo, ['rev-list', '--all']).split('\n')
  const parents = new Map<string, string[]>()
  const treeOf = new Map<string, string>()
  const entries = new Map<string, string[]>()
  const blobs = new Set<string>()
  const walkTree = (tree: string): void => {
    if (entries.has(tree)) return
    const list = entriesOf(repo, tree)
    entries.set(tree, list)
    for (const e of list) {
      if (e.startsWith('swh:1:dir:')) walkTree(e.slice(10))
      if (e.startsWith('swh:1:cnt:')) blobs.add(e.slice(10))
    }
  }
  for (const c of commits) {
    const line = git(repo, ['rev-list', '--parents', '-n', '1', c]).split(' ')
    parents.set(c, line.slice(1))
    const tree = git(repo, ['rev-parse', `${c}^{tree}`])
    treeOf.set(c, tree)
    walkTree(tree)
  }
  const refs = new Set(
    git(repo, ['for-each-ref', '--format=%(objecttype) %(objectname)'])
      .split('\n')
      .map((l) => {
        const [type, id] = l.split(' ')
        return `swh:1:${{ commit: 'rev', tag: 'rel' }[type!]}:${id}`
      }),
  )
  const tag = git(repo, ['rev-parse', 'v1'])
  return {
    head: git(repo, ['rev-parse', 'main']),
    commits,
    parents,
    treeOf,
    entries,
    blobs,
    tag,
    tagTarget: git(repo, ['cat-file', 'tag', tag]).split('\n')[0]!.split(' ')[1]!,
    refs,
  }
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean)

describe.each([
  ['sqlite', true],
  ['postgres', pgOk],
] as const)('graph API on %s', (backend, enabled) => {
  let root: string
  let data: string
  let repo: string
  let archive: Archive
  let app: ReturnType<typeof createApp>
  let drop: (() => Promise<void>) | undefined
  let storageUrl: string | undefined
  let f: GitFacts
  let origin: string
  let ori: string
  let snapshot: string

  const get = async (path: string): Promise<Response> => app.request(`${BASE}${path}`)
  const text = async (path: string): Promise<string[]> => {
    const res = await get(path)
    expect(res.status, path).toBe(200)
    return lines(await res.text())
  }
  const set = async (path: string): Promise<Set<string>> => new Set(await text(path))

  beforeAll(async () => {
    if (!enabled) return
    root = makeTemp('arca-graph-')
    data = makeTemp('arca-graph-data-')
    if (backend === 'postgres') {
      const db = await createTestDatabase()
      drop = db.drop
      storageUrl = db.url
    }
    repo = join(root, 'project')
    git(root, ['init', '-q', '-b', 'main', repo])
    commit(repo, { README: 'hello\n', 'src/a.c': 'int a;\n', 'src/lib/b.c': 'int b;\n' }, 'one')
    git(repo, ['checkout', '-q', '-b', 'feature'])
    commit(repo, { 'f.txt': 'feature\n' }, 'feature')
    git(repo, ['checkout', '-q', 'main'])
    // The same bytes in two directories: one content, two referring directories.
    commit(repo, { 'src/a.c': 'int a = 2;\n', 'docs/copy.c': 'int b;\n' }, 'two')
    git(repo, ['tag', '-a', '-m', 'version one', 'v1'])
    git(repo, ['merge', '-q', '--no-ff', '-m', 'merge feature', 'feature'])
    // A submodule entry (a gitlink: dir -> rev edge) to a commit the archive does not hold.
    git(repo, ['update-index', '--add', '--cacheinfo', `160000,${FAKE_SUBMODULE},vendor/sub`])
    git(repo, ['commit', '-q', '-m', 'vendor a submodule'])
    f = gitFacts(repo)

    const writer = await openArchive({ dataDir: data, storageUrl, writer: 'loader' })
    const r = await loadGit(repo, { storage: writer.storage, scratchDir: writer.tmpDir })
    expect(r.status).toBe('full')
    origin = r.origin
    await writer.close()
    archive = await openArchive({ dataDir: data, storageUrl })
    ori = `swh:1:ori:${pySha1(origin)}`
    const latest = await archive.storage.originVisitGetLatest(origin)
    snapshot = latest!.status.snapshot!
    app = createApp(webContext(archive, {}, { exemptNetworks: [] }))
  }, 120_000)

  afterAll(async () => {
    if (!enabled) return
    await archive?.close()
    await drop?.()
    removeTemp(root)
    removeTemp(data)
  })

  it.runIf(enabled)(
    'neighbors of a revision are its tree and parents (git rev-list --parents)',
    async () => {
      const merge = git(repo, ['rev-parse', 'main^'])
      const got = await text(`/api/1/graph/neighbors/swh:1:rev:${merge}/`)
      expect(new Set(got)).toEqual(
        new Set([
          `swh:1:dir:${f.treeOf.get(merge)}`,
          ...f.parents.get(merge)!.map((p) => `swh:1:rev:${p}`),
        ]),
      )
      expect(got).toHaveLength(3)
      expect(await text(`/api/1/graph/neighbors/swh:1:rev:${merge}/?edges=rev:dir`)).toEqual([
        `swh:1:dir:${f.treeOf.get(merge)}`,
      ])
    },
  )

  it.runIf(enabled)('visit/nodes with rev:rev is the history (git rev-list)', async () => {
    const got = await text(`/api/1/graph/visit/nodes/swh:1:rev:${f.head}/?edges=rev:rev`)
    expect(got).toHaveLength(f.commits.length)
    expect(new Set(got)).toEqual(new Set(f.commits.map((c) => `swh:1:rev:${c}`)))
    expect(got[0]).toBe(`swh:1:rev:${f.head}`)
    // return_types and max_matching_nodes
    const two = await text(
      `/api/1/graph/visit/nodes/swh:1:rev:${f.head}/?edges=rev:rev&max_matching_nodes=2`,
    )
    expect(two).toHaveLength(2)
  })

  it.runIf(enabled)('visit/nodes of a tree is git ls-tree -r -t, submodule included', async () => {
    const tree = f.treeOf.get(f.head)!
    const expected = new Set([`swh:1:dir:${tree}`])
    for (const line of git(repo, ['ls-tree', '-r', '-t', tree]).split('\n')) {
      const [, type, id] = line.split('\t')[0]!.split(' ')
      expected.add(`swh:1:${{ blob: 'cnt', tree: 'dir', commit: 'rev' }[type!]}:${id}`)
    }
    expect(await set(`/api/1/graph/visit/nodes/swh:1:dir:${tree}/`)).toEqual(expected)
    expect(expected.has(`swh:1:rev:${FAKE_SUBMODULE}`)).toBe(true)
    // Without dir:rev the submodule is not reached.
    const noSub = await set(`/api/1/graph/visit/nodes/swh:1:dir:${tree}/?edges=dir:dir,dir:cnt`)
    expect(noSub.has(`swh:1:rev:${FAKE_SUBMODULE}`)).toBe(false)
    expect(noSub.size).toBe(expected.size - 1)
    const cnts = await set(`/api/1/graph/visit/nodes/swh:1:dir:${tree}/?return_types=cnt`)
    expect([...cnts].every((n) => n.startsWith('swh:1:cnt:'))).toBe(true)
  })

  it.runIf(enabled)(
    'visit/edges of a tree are the entries of every subtree (git ls-tree)',
    async () => {
      const tree = f.treeOf.get(f.head)!
      const expected = new Set<string>()
      const visit = (t: string): void => {
        for (const e of f.entries.get(t)!) {
          expected.add(`swh:1:dir:${t} ${e}`)
          if (e.startsWith('swh:1:dir:')) visit(e.slice(10))
        }
      }
      visit(tree)
      expect(await set(`/api/1/graph/visit/edges/swh:1:dir:${tree}/`)).toEqual(expected)
    },
  )

  it.runIf(enabled)('visit/paths of a tree are its root-to-file paths (NDJSON)', async () => {
    const tree = f.treeOf.get(f.head)!
    const expected = new Set<string>()
    const visit = (t: string, path: string[]): void => {
      const list = f.entries.get(t)!
      for (const e of list) {
        if (e.startsWith('swh:1:dir:')) visit(e.slice(10), [...path, e])
        else expected.add(JSON.stringify([...path, e]))
      }
      if (list.length === 0) expected.add(JSON.stringify(path))
    }
    visit(tree, [`swh:1:dir:${tree}`])
    const res = await get(`/api/1/graph/visit/paths/swh:1:dir:${tree}/`)
    expect(res.headers.get('content-type')).toBe('application/x-ndjson')
    expect(new Set(lines(await res.text()))).toEqual(expected)
  })

  it.runIf(enabled)(
    'leaves of a revision are every blob of its history, and the submodule',
    async () => {
      const expected = new Set([...f.blobs].map((b) => `swh:1:cnt:${b}`))
      expected.add(`swh:1:rev:${FAKE_SUBMODULE}`)
      expect(await set(`/api/1/graph/leaves/swh:1:rev:${f.head}/`)).toEqual(expected)
      const count = await get(`/api/1/graph/leaves/count/swh:1:rev:${f.head}/`)
      expect(await count.json()).toBe(expected.size)
    },
  )

  it.runIf(enabled)(
    'snapshot, release and origin edges follow git for-each-ref and cat-file',
    async () => {
      expect(await set(`/api/1/graph/neighbors/swh:1:snp:${snapshot}/`)).toEqual(f.refs)
      expect(await text(`/api/1/graph/neighbors/swh:1:rel:${f.tag}/`)).toEqual([
        `swh:1:rev:${f.tagTarget}`,
      ])
      expect(await text(`/api/1/graph/neighbors/${ori}/`)).toEqual([`swh:1:snp:${snapshot}`])
    },
  )

  it.runIf(enabled)(
    'backward: the commits whose tree holds a blob (git ls-tree -r per commit)',
    async () => {
      const blob = git(repo, ['rev-parse', 'main:docs/copy.c'])
      const expected = new Set(
        f.commits
          .filter((c) => git(repo, ['ls-tree', '-r', c]).includes(` ${blob}\t`))
          .map((c) => `swh:1:rev:${c}`),
      )
      const got = await set(
        `/api/1/graph/leaves/swh:1:cnt:${blob}/?direction=backward&edges=cnt:dir,dir:dir,dir:rev`,
      )
      expect(got).toEqual(expected)
      // The blob is in src/lib/ and docs/: two directories refer to it.
      const dirs = await set(`/api/1/graph/neighbors/swh:1:cnt:${blob}/?direction=backward`)
      const lib = git(repo, ['rev-parse', 'main:src/lib'])
      const docs = git(repo, ['rev-parse', 'main:docs'])
      expect(dirs).toEqual(new Set([`swh:1:dir:${lib}`, `swh:1:dir:${docs}`]))
      // Whole backward closure ends at the origin.
      expect(await text(`/api/1/graph/leaves/swh:1:cnt:${blob}/?direction=backward`)).toEqual([ori])
      expect(
        await text(
          `/api/1/graph/leaves/swh:1:cnt:${blob}/?direction=backward&resolve_origins=true`,
        ),
      ).toEqual([origin])
      // Children of a revision, backward through parents.
      const first = f.commits.find((c) => f.parents.get(c)!.length === 0)!
      const children = f.commits.filter((c) => f.parents.get(c)!.includes(first))
      expect(
        await set(`/api/1/graph/neighbors/swh:1:rev:${first}/?direction=backward&edges=rev:rev`),
      ).toEqual(new Set(children.map((c) => `swh:1:rev:${c}`)))
      // The tag and the snapshot refer to the tagged commit.
      expect(
        await set(
          `/api/1/graph/neighbors/swh:1:rev:${f.tagTarget}/?direction=backward&edges=rev:rel,rev:snp`,
        ),
      ).toEqual(
        new Set([
          `swh:1:rel:${f.tag}`,
          ...(f.refs.has(`swh:1:rev:${f.tagTarget}`) ? [`swh:1:snp:${snapshot}`] : []),
        ]),
      )
    },
  )

  it.runIf(enabled)('walk finds a valid path; randomwalk to ori answers get_origin', async () => {
    const blob = git(repo, ['rev-parse', 'main:src/lib/b.c'])
    for (const algo of ['dfs', 'bfs']) {
      const path = await text(
        `/api/1/graph/walk/swh:1:rev:${f.head}/swh:1:cnt:${blob}/?traversal=${algo}`,
      )
      expect(path[0]).toBe(`swh:1:rev:${f.head}`)
      expect(path.at(-1)).toBe(`swh:1:cnt:${blob}`)
      // Every step is an edge git knows.
      for (let i = 1; i < path.length; i++) {
        const [from, to] = [path[i - 1]!, path[i]!]
        const id = from.slice(10)
        const succ = from.startsWith('swh:1:rev:')
          ? [`swh:1:dir:${f.treeOf.get(id)}`, ...f.parents.get(id)!.map((p) => `swh:1:rev:${p}`)]
          : f.entries.get(id)!
        expect(succ, `${from} -> ${to}`).toContain(to)
      }
      // The same bytes are docs/copy.c: rev -> tree -> docs -> blob is the shortest path.
      if (algo === 'bfs') expect(path).toHaveLength(4)
    }
    const walk = await text(`/api/1/graph/randomwalk/swh:1:cnt:${blob}/ori/?direction=backward`)
    expect(walk[0]).toBe(`swh:1:cnt:${blob}`)
    expect(walk.at(-1)).toBe(ori)
    expect(
      await text(
        `/api/1/graph/randomwalk/swh:1:cnt:${blob}/ori/?direction=backward&limit=-1&resolve_origins=true`,
      ),
    ).toEqual([origin])
    // Each walk is drawn anew: the first two nodes of one are the blob and a directory holding it.
    const head = await text(
      `/api/1/graph/randomwalk/swh:1:cnt:${blob}/ori/?direction=backward&limit=2`,
    )
    expect(head[0]).toBe(`swh:1:cnt:${blob}`)
    expect(head).toHaveLength(2)
    const holders = f.entries
    expect(
      [...holders].some(([t, list]) => head[1] === `swh:1:dir:${t}` && list.includes(head[0]!)),
    ).toBe(true)
  })

  it.runIf(enabled)('max_edges bounds the traversal', async () => {
    const all = await text(`/api/1/graph/visit/nodes/swh:1:rev:${f.head}/?edges=rev:rev`)
    const some = await text(
      `/api/1/graph/visit/nodes/swh:1:rev:${f.head}/?edges=rev:rev&max_edges=2`,
    )
    expect(some.length).toBeGreaterThan(0)
    expect(some.length).toBeLessThan(all.length)
    expect(all.slice(0, some.length)).toEqual(some)
  })

  it.runIf(enabled)('bad parameters answer 400, unknown nodes 404', async () => {
    const rev = `swh:1:rev:${f.head}`
    for (const q of [
      'direction=sideways',
      'edges=rev:foo',
      'edges=rev',
      'max_edges=x',
      'return_types=bad',
      'traversal=zig',
    ]) {
      const res = await get(`/api/1/graph/walk/${rev}/cnt/?${q}`)
      expect(res.status, q).toBe(400)
      expect(await res.json()).toMatchObject({ exception: 'BadInputExc' })
    }
    expect((await get(`/api/1/graph/leaves/swh:1:rev:${'0'.repeat(40)}/`)).status).toBe(404)
    expect((await get(`/api/1/graph/leaves/swh:1:xyz:${'0'.repeat(40)}/`)).status).toBe(400)
    expect((await get(`/api/1/graph/walk/${rev}/swh:1:cnt:${'0'.repeat(40)}/`)).status).toBe(404)
  })

  it.runIf(enabled)('stats count the nodes git has', async () => {
    const res = await get('/api/1/graph/stats/')
    expect(res.status).toBe(200)
    const s = await res.json()
    expect(s.num_nodes_by_type).toEqual({
      cnt: f.blobs.size,
      dir: f.entries.size,
      rev: f.commits.length,
      rel: 1,
      snp: 1,
      ori: 1,
    })
    expect(s.num_nodes).toBe(f.blobs.size + f.entries.size + f.commits.length + 3)
    expect(s.num_arcs_by_type['rev:rev']).toBe([...f.parents.values()].flat().length)
  })

  it.runIf(enabled)(
    'masked nodes are neither returned nor traversed; a masked start is 403',
    async () => {
      const tree = f.treeOf.get(f.head)!
      const src = git(repo, ['rev-parse', 'main:src'])
      const under = new Set([`swh:1:dir:${src}`])
      for (const line of git(repo, ['ls-tree', '-r', '-t', src]).split('\n')) {
        const [, type, id] = line.split('\t')[0]!.split(' ')
        under.add(`swh:1:${{ blob: 'cnt', tree: 'dir' }[type as 'blob']}:${id}`)
      }
      const before = await set(`/api/1/graph/visit/nodes/swh:1:dir:${tree}/`)
      await archive.backend.maskSet(
        'graph-req',
        'test takedown',
        [`swh:1:dir:${src}`],
        'restricted',
      )
      try {
        const after = await set(`/api/1/graph/visit/nodes/swh:1:dir:${tree}/`)
        expect(after.has(`swh:1:dir:${src}`)).toBe(false)
        // What only src/ reached is gone; what is reachable elsewhere (b.c also in docs/) stays.
        const b = `swh:1:cnt:${git(repo, ['rev-parse', 'main:src/lib/b.c'])}`
        expect(after.has(b)).toBe(true)
        for (const n of under) if (n !== b) expect(after.has(n), n).toBe(false)
        expect(after.size).toBe(before.size - under.size + 1)
        const res = await get(`/api/1/graph/leaves/swh:1:dir:${src}/`)
        expect(res.status).toBe(403)
        expect(await res.json()).toMatchObject({ exception: 'MaskedObjectException' })
      } finally {
        await archive.backend.maskSet('graph-req', 'lifted', [`swh:1:dir:${src}`], null)
      }
    },
  )

  it.runIf(enabled)(
    'arca graph reindex rebuilds the reverse index of an archive made before it',
    async () => {
      const blob = git(repo, ['rev-parse', 'main:docs/copy.c'])
      const path = `/api/1/graph/leaves/swh:1:cnt:${blob}/?direction=backward&edges=cnt:dir,dir:dir,dir:rev`
      const expected = await set(path)
      const db = archive.backend.db
      await db.run('DELETE FROM graph_dir_post')
      await db.run('DELETE FROM graph_rev_parent')
      await db.run('UPDATE graph_index SET complete = 0')
      const res = await get(path)
      expect(res.status).toBe(503)
      // `arca graph reindex`, a real process on the same archive.
      const r = arca([
        'graph',
        'reindex',
        '--data',
        data,
        ...(storageUrl ? ['--storage', storageUrl] : []),
        '--json',
      ])
      expect(r.status, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({
        directories: f.entries.size,
        revisions: f.commits.length,
      })
      expect(await set(path)).toEqual(expected)
      // A second run on a complete index does nothing.
      expect(await archive.backend.graphReindex()).toEqual({ directories: 0, revisions: 0 })
    },
  )

  it.runIf(enabled && backend === 'sqlite')(
    "swh-web-client's get_origin request over a real socket (python3 requests)",
    async () => {
      const server: RunningServer = await startServer({
        archive,
        port: 0,
        host: '127.0.0.1',
        rateLimits: { exemptNetworks: [] },
      })
      try {
        const blob = git(repo, ['rev-parse', 'main:README'])
        // WebAPIClient.get_origin: "/".join([api_url, query]), then r.text.
        const script = [
          'import requests, sys',
          'api_url, key = sys.argv[1], sys.argv[2]',
          'q = f"graph/randomwalk/{key}/ori/?direction=backward&limit=-1&resolve_origins=true"',
          'r = requests.get("/".join([api_url, q]))',
          'r.raise_for_status()',
          'sys.stdout.write(r.text)',
        ].join('\n')
        const out = await new Promise<string>((resolve, reject) => {
          execFile(
            'python3',
            ['-c', script, `${server.url}/api/1`, `swh:1:cnt:${blob}`],
            (err, stdout) => (err ? reject(new Error(err.message)) : resolve(stdout)),
          )
        })
        expect(out).toBe(`${origin}\n`)
      } finally {
        await server.close()
      }
    },
  )
})
