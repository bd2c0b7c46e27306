/**
 * Mirrors end to end, with real processes: an upstream archive loaded by `arca save` from real
 * git repositories and served over a real socket; `arca mirror` child processes replaying it
 * over the HTTP feed or from NATS JetStream; faults injected (SIGKILL at random points,
 * duplicated and shuffled records, corrupt records, connections cut mid-stream) while a checker
 * reads the mirror's tables looking for dangling edges. Each mirror is judged against git, not
 * against Arca: per origin, the latest snapshot must be the one computed from the source
 * repository's refs (hashed here from the spec), and every object git reaches from those refs
 * must be on the mirror, trees with git's entries, commits with git's tree and parents, blobs
 * with git's bytes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, rmSync } from 'node:fs'
import { createServer, type Server, Socket } from 'node:net'
import { join } from 'node:path'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { EmbeddedJournal } from '../../src/journal/embedded/embedded-journal.js'
import { type JournalRecord, TOPICS } from '../../src/journal/interface.js'
import { NatsJournal } from '../../src/journal/nats/nats-journal.js'
import { encodeRecord } from '../../src/journal/serde.js'
import { MirrorState } from '../../src/mirror/state.js'
import type { Directory, Revision } from '../../src/model/objects.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { TokenStore } from '../../src/web/auth/tokens.js'
import { type RunningServer, startServer } from '../../src/web/server.js'
import { checkArchive } from '../helpers/archive-check.js'
import { arca, ARCA_BIN, type CliResult } from '../helpers/cli.js'
import {
  commitLinks,
  type ExpectedBranches,
  expectedBranches,
  objectBytes,
  parseTree,
  reachableObjects,
  snapshotId,
} from '../helpers/git-expect.js'
import { makeHistoryRepo, makeRichRepo } from '../helpers/repos.js'
import { deleteNatsPrefix, NATS_SERVER, natsAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const natsOk = await natsAvailable()

let root: string
beforeAll(() => {
  root = makeTemp('arca-mirror-')
})
afterAll(() => removeTemp(root))

/** An upstream: a data directory loaded with `arca save`, served in this process. */
interface Upstream {
  dir: string
  archive: Archive
  server: RunningServer
  token: string
  close(): Promise<void>
}

async function serveUpstream(dir: string, journalUrl?: string): Promise<Upstream> {
  const archive = await openArchive({ dataDir: dir, journalUrl })
  const token = (await new TokenStore(archive.backend.db).create('mirror', ['mirror'])).secret
  const server = await startServer({ archive, port: 0, rateLimits: { disabled: true } })
  return {
    dir,
    archive,
    server,
    token,
    async close() {
      await server.close()
      await archive.close()
    },
  }
}

function save(dir: string, url: string, extra: string[] = []): void {
  const r = arca(['save', '--data', dir, ...extra, url])
  expect(r.status, r.stderr).toBe(0)
}

/**
 * Runs `arca ARGS` without blocking this process (the upstream server lives here: a
 * synchronous child would deadlock it).
 */
function arcaAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [ARCA_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    p.stdout.on('data', (b: Buffer) => out.push(b))
    p.stderr.on('data', (b: Buffer) => err.push(b))
    p.on('error', reject)
    p.on('close', (status) => {
      const stdoutBytes = Buffer.concat(out)
      resolve({
        status,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      })
    })
  })
}

function mirrorOnce(
  dir: string,
  upstream: string,
  token: string,
  extra: string[] = [],
): Promise<CliResult> {
  return arcaAsync([
    'mirror',
    '--data',
    dir,
    '--upstream',
    upstream,
    '--token',
    token,
    '--once',
    '--json',
    ...extra,
  ])
}

/** Runs `arca mirror` as a child process (for kills and concurrent checks). */
function spawnMirror(
  dir: string,
  upstream: string,
  token: string,
  extra: string[] = [],
): ChildProcess {
  return spawn(
    process.execPath,
    [
      ARCA_BIN,
      'mirror',
      '--data',
      dir,
      '--upstream',
      upstream,
      '--token',
      token,
      '--once',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
}

const exited = (p: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.exitCode)
    else p.once('exit', (code) => resolve(code))
  })

async function counters(dir: string): Promise<Record<string, number>> {
  const a = await openArchive({ dataDir: dir })
  try {
    return { ...(await a.storage.statCounters()) }
  } finally {
    await a.close()
  }
}

/** Dangling edges and corrupt content files of `dir` (read-only; sound beside a writer). */
async function problems(dir: string): Promise<string[]> {
  const a = await openArchive({ dataDir: dir })
  try {
    return await checkArchive(a)
  } finally {
    await a.close()
  }
}

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1')

/**
 * Judges the mirror in `dir` against git: its visited origins are exactly `repos` (`file://`);
 * per origin, the latest snapshot is the one git's refs give (id and branches), and every object
 * reachable from the refs is there with git's content.
 */
async function expectMirrorOf(dir: string, repos: readonly string[]): Promise<void> {
  const a = await openArchive({ dataDir: dir })
  try {
    const s = a.storage
    // Origins visited (a submodule's URL is an origin with no visit of its own).
    const visited: string[] = []
    for (const o of (await s.originList({ limit: 1000 })).results)
      if (await s.originVisitGetLatest(o.url)) visited.push(o.url)
    expect(visited.sort()).toEqual(repos.map((r) => `file://${r}`).sort())
    for (const repo of repos) {
      const url = `file://${repo}`
      const expected = expectedBranches(repo)
      const latest = await s.originVisitGetLatest(url, { requireSnapshot: true })
      expect(latest?.status.snapshot, url).toBe(snapshotId(expected))
      const [snapshot] = await s.snapshotGet([latest!.status.snapshot!])
      const got: ExpectedBranches = new Map(
        snapshot!.branches.map((b) => [
          latin1(b.name),
          b.target === null
            ? null
            : b.target.targetType === 'alias'
              ? { type: 'alias', target: Buffer.from(b.target.target) }
              : { type: b.target.targetType, target: Buffer.from(b.target.target, 'hex') },
        ]),
      )
      expect(got, url).toEqual(expected)

      const objects = reachableObjects(repo)
      const ofType = (t: string): string[] => objects.filter((o) => o.type === t).map((o) => o.oid)
      expect(await s.releaseMissing(ofType('tag')), url).toEqual([])
      expect(await s.revisionMissing(ofType('commit')), url).toEqual([])
      expect(await s.directoryMissing(ofType('tree')), url).toEqual([])
      expect(await s.contentMissing(ofType('blob')), url).toEqual([])
      const links = commitLinks(repo)
      for (const r of await s.revisionGet(ofType('commit'))) {
        expect({ tree: r!.directory, parents: r!.parents }, r!.id).toEqual(links.get(r!.id))
      }
      const trees = objectBytes(repo, ofType('tree'))
      const byName = (x: { name: string }, y: { name: string }): number =>
        Buffer.compare(Buffer.from(x.name, 'latin1'), Buffer.from(y.name, 'latin1'))
      for (const d of await s.directoryGet(ofType('tree'))) {
        const entries = d!.entries
          .map((e) => ({ name: latin1(e.name), perms: e.perms, target: e.target }))
          .sort(byName)
        expect(entries, d!.id).toEqual(parseTree(trees.get(d!.id)!))
      }
      for (const [oid, bytes] of objectBytes(repo, ofType('blob'))) {
        expect(Buffer.from(await a.objstorage.getBytes(oid)).equals(bytes), oid).toBe(true)
      }
    }
  } finally {
    await a.close()
  }
}

/** Runs `check` in a loop until `done` resolves; returns every problem seen. */
async function checkWhile(
  done: Promise<unknown>,
  check: () => Promise<string[]>,
): Promise<string[]> {
  let finished = false
  void done.finally(() => {
    finished = true
  })
  const seen: string[] = []
  let rounds = 0
  while (!finished || rounds === 0) {
    seen.push(...(await check()))
    rounds++
    await new Promise((r) => setTimeout(r, 20))
  }
  return seen
}

describe('arca mirror over the HTTP feed', () => {
  let up: Upstream
  let repos: string
  /** The repositories saved upstream (each an origin). */
  const upRepos: string[] = []
  let history: string
  beforeAll(async () => {
    repos = join(root, 'repos')
    const rich = makeRichRepo(repos)
    history = makeHistoryRepo(repos, 120, 4)
    const dir = join(root, 'up-http')
    save(dir, `file://${rich}`)
    save(dir, `file://${history}`)
    upRepos.push(rich, history)
    up = await serveUpstream(dir)
  }, 120_000)
  afterAll(async () => up?.close())

  it('becomes a verified copy, then follows new visits incrementally', async () => {
    const dir = join(root, 'mirror-a')
    const r = await mirrorOnce(dir, up.server.url, up.token)
    expect(r.status, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as { records: number; rejected: number; held: number }
    expect(summary.rejected).toBe(0)
    await expectMirrorOf(dir, upRepos)
    expect(await counters(dir)).toEqual(await counters(up.dir))
    const v = await arcaAsync(['mirror', 'verify', '--data', dir, '--token', up.token])
    expect(v.status, v.stdout + v.stderr).toBe(0)
    expect(v.stdout).toContain('OK: verified copy')

    // A new commit upstream; the mirror catches up with only what is new.
    const more = makeHistoryRepo(join(root, 'repos2'), 130, 4)
    save(up.dir, `file://${more}`)
    upRepos.push(more)
    const again = await mirrorOnce(dir, up.server.url, up.token)
    expect(again.status, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).records).toBeLessThan(summary.records)
    await expectMirrorOf(dir, upRepos)
    expect(await counters(dir)).toEqual(await counters(up.dir))
    expect(await problems(dir)).toEqual([])

    // The mirror journals what it replays: it can be mirrored in turn.
    const second = await serveUpstream(dir)
    try {
      const chained = join(root, 'mirror-of-mirror')
      const c = await mirrorOnce(chained, second.server.url, second.token)
      expect(c.status, c.stderr).toBe(0)
      await expectMirrorOf(chained, upRepos)
      expect(await counters(chained)).toEqual(await counters(up.dir))
      expect(await problems(chained)).toEqual([])
    } finally {
      await second.close()
    }

    const st = await arcaAsync(['mirror', 'status', '--data', dir, '--token', up.token, '--json'])
    expect(st.status, st.stderr).toBe(0)
    const status = JSON.parse(st.stdout) as { topics: { topic: string; lag: number }[] }
    expect(status.topics.every((t) => t.lag === 0)).toBe(true)
  }, 120_000)

  it('a selective mirror keeps the matching origins and exactly what they reach', async () => {
    const dir = join(root, 'mirror-selective')
    const r = await mirrorOnce(dir, up.server.url, up.token, ['--select', '*/repos/history'])
    expect(r.status, r.stderr).toBe(0)
    const a = await openArchive({ dataDir: dir })
    try {
      const origins = (await a.storage.originList({ limit: 100 })).results.map((o) => o.url)
      expect(origins).toHaveLength(1)
      expect(origins[0]).toMatch(/\/repos\/history$/)
      expect(await checkArchive(a)).toEqual([])
      // What git reaches from the selected origin's refs is stored, and nothing else.
      const reached = reachableObjects(history)
      const count = (t: string): number => reached.filter((o) => o.type === t).length
      const c = await a.storage.statCounters()
      expect(c.revision).toBe(count('commit'))
      expect(c.directory).toBe(count('tree'))
      expect(c.content).toBe(count('blob'))
      expect(c.release).toBe(count('tag'))
      expect(c.content).toBeLessThan((await up.archive.storage.statCounters()).content)
    } finally {
      await a.close()
    }
    await expectMirrorOf(dir, [history])
    const v = await arcaAsync(['mirror', 'verify', '--data', dir, '--token', up.token])
    expect(v.status, v.stdout + v.stderr).toBe(0)
    // Status: the origin topics are caught up; graph topics are not read, so show no lag.
    const st = await arcaAsync(['mirror', 'status', '--data', dir, '--token', up.token, '--json'])
    expect(st.status, st.stderr).toBe(0)
    const status = JSON.parse(st.stdout) as {
      topics: { topic: string; followed: boolean; lag: number | null }[]
    }
    for (const t of status.topics) {
      if (['origin', 'origin_visit', 'origin_visit_status', 'takedown'].includes(t.topic))
        expect(t, t.topic).toMatchObject({ followed: true, lag: 0 })
      else expect(t, t.topic).toMatchObject({ followed: false, lag: null })
    }
    const other = await mirrorOnce(dir, up.server.url, up.token, ['--select', '*'])
    expect(other.status).toBe(2)
    expect(other.stderr).toMatch(/same selection/)
  }, 120_000)

  it('refuses without a mirror-scoped token, and names the problem', async () => {
    const noToken = await arcaAsync([
      'mirror',
      '--data',
      join(root, 'm-denied'),
      '--upstream',
      up.server.url,
      '--once',
    ])
    expect(noToken.status).toBe(2)
    expect(noToken.stderr).toMatch(/mirror/)
    const apiToken = (await new TokenStore(up.archive.backend.db).create('api', ['api'])).secret
    const wrong = await mirrorOnce(join(root, 'm-denied2'), up.server.url, apiToken)
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toMatch(/scope/)
    const res = await fetch(`${up.server.url}/mirror/1/journal`, {
      headers: { Authorization: `Bearer ${apiToken}` },
    })
    expect(res.status).toBe(403)
  })

  it('survives SIGKILL at 20 random points; a concurrent checker never sees a dangling edge', async () => {
    const dir = join(root, 'mirror-killed')
    const delays = fc.sample(fc.integer({ min: 30, max: 1200 }), { numRuns: 20, seed: 42 })
    const seen: string[] = []
    for (const delay of delays) {
      const child = spawnMirror(dir, up.server.url, up.token, ['--batch', '40'])
      const done = exited(child)
      const timer = setTimeout(() => child.kill('SIGKILL'), delay)
      seen.push(...(await checkWhile(done, () => problems(dir))))
      clearTimeout(timer)
      await done
    }
    const last = await mirrorOnce(dir, up.server.url, up.token)
    expect(last.status, last.stderr).toBe(0)
    expect(seen.filter((s) => s.includes('-> missing'))).toEqual([])
    await expectMirrorOf(dir, upRepos)
    expect(await counters(dir)).toEqual(await counters(up.dir))
    expect(await problems(dir)).toEqual([])
  }, 300_000)

  it('replays through connections cut mid-stream', async () => {
    const target = new URL(up.server.url)
    // A proxy that cuts every connection after a random number of bytes.
    const sockets = new Set<Socket>()
    let cuts = 0
    const proxy: Server = createServer((client) => {
      sockets.add(client)
      const upstream = new Socket()
      upstream.connect(Number(target.port), target.hostname)
      let budget = 2000 + Math.floor(Math.random() * 200_000)
      upstream.on('data', (chunk: Buffer) => {
        budget -= chunk.length
        if (budget < 0) {
          cuts++
          client.destroy()
          upstream.destroy()
        } else client.write(chunk)
      })
      client.on('data', (chunk: Buffer) => upstream.write(chunk))
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const port = (proxy.address() as { port: number }).port
    try {
      const dir = join(root, 'mirror-cut')
      const r = await new Promise<number | null>((resolve) => {
        const p = spawnMirror(dir, `http://127.0.0.1:${port}`, up.token, ['--batch', '200'])
        p.on('exit', resolve)
      })
      expect(r).toBe(0)
      expect(cuts).toBeGreaterThan(0)
      await expectMirrorOf(dir, upRepos)
      expect(await counters(dir)).toEqual(await counters(up.dir))
      expect(await problems(dir)).toEqual([])
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((r) => proxy.close(r))
    }
  }, 300_000)

  it('takedowns go through the journal: masked upstream, masked on the mirror, restored', async () => {
    const dir = join(root, 'mirror-takedown')
    expect((await mirrorOnce(dir, up.server.url, up.token)).status).toBe(0)
    const history = (await up.archive.storage.originList({ limit: 10 })).results[0]!.url
    const t = arca(['takedown', '--data', up.dir, history, '--reason', 'court order 42'])
    expect(t.status, t.stderr).toBe(0)
    const origin = encodeURIComponent(history)
    const upRes = await fetch(`${up.server.url}/api/1/origin/${origin}/get/`)
    expect(upRes.status).toBe(403)
    expect(((await upRes.json()) as { masked?: unknown }).masked).toBeDefined()

    expect((await mirrorOnce(dir, up.server.url, up.token)).status).toBe(0)
    const mirrorArchive = await openArchive({ dataDir: dir })
    const mirrorServer = await startServer({
      archive: mirrorArchive,
      port: 0,
      rateLimits: { disabled: true },
    })
    try {
      const res = await fetch(`${mirrorServer.url}/api/1/origin/${origin}/get/`)
      expect(res.status).toBe(403)
      const restore = arca([
        'takedown',
        '--data',
        up.dir,
        history,
        '--reason',
        'appeal granted',
        '--restore',
      ])
      expect(restore.status, restore.stderr).toBe(0)
      expect((await mirrorOnce(dir, up.server.url, up.token)).status).toBe(0)
      expect((await fetch(`${mirrorServer.url}/api/1/origin/${origin}/get/`)).status).toBe(200)
    } finally {
      await mirrorServer.close()
      await mirrorArchive.close()
    }
    const bad = arca(['takedown', '--data', up.dir, 'not-a-target', '--reason', 'x'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/neither a SWHID nor an origin URL/)
  }, 120_000)
})

describe('arca mirror of a hostile journal', () => {
  it('holds back reordered objects, ignores duplicates, rejects and reports corrupt records', async () => {
    // The upstream's graph and bytes, with its journal rewritten: every topic shuffled, a third
    // of the records duplicated, and corrupt records appended.
    const repos = join(root, 'hostile-repos')
    const clean = join(root, 'hostile-clean')
    const sources = [makeHistoryRepo(repos, 80, 3), makeRichRepo(repos)]
    for (const repo of sources) save(clean, `file://${repo}`)
    const dir = join(root, 'hostile-up')
    cpSync(clean, dir, { recursive: true })
    rmSync(join(dir, 'journal'), { recursive: true, force: true })
    const source = new EmbeddedJournal({ root: join(clean, 'journal') })
    await source.open()
    const target = new EmbeddedJournal({ root: join(dir, 'journal'), fsync: false })
    await target.open()
    const rng = fc.sample(fc.integer({ min: 0, max: 1 << 30 }), { numRuns: 100_000, seed: 7 })
    let k = 0
    const corrupt: { topic: string; offset: number }[] = []
    let aDirectory: Directory | null = null
    let aRevision: Revision | null = null
    for (const topic of TOPICS) {
      const records: JournalRecord[] = []
      for await (const r of source.read(topic, 0)) records.push(r)
      for (const r of records.slice(0, Math.ceil(records.length / 3))) records.push(r)
      for (let i = records.length - 1; i > 0; i--) {
        const j = rng[k++ % rng.length]! % (i + 1)
        ;[records[i], records[j]] = [records[j]!, records[i]!]
      }
      if (records.length > 0)
        await target.append(
          topic,
          records.map((r) => ({ key: r.key, value: r.value })),
        )
      if (topic === 'directory' && records.length > 0) {
        const { decodeValue } = await import('../../src/journal/serde.js')
        aDirectory = decodeValue('directory', records[0]!.value)
      }
      if (topic === 'revision' && records.length > 0) {
        const { decodeValue } = await import('../../src/journal/serde.js')
        aRevision = decodeValue('revision', records[0]!.value)
      }
    }
    // Corrupt records: garbage, a truncated record, objects whose id does not match.
    const append = async (topic: (typeof TOPICS)[number], value: Uint8Array) => {
      const offset = await target.append(topic, [{ key: randomBytes(20), value }])
      corrupt.push({ topic, offset })
    }
    await append('directory', randomBytes(64))
    const good = encodeRecord('revision', aRevision!).value
    await append('revision', good.subarray(0, good.length - 7))
    await append(
      'directory',
      encodeRecord('directory', {
        ...aDirectory!,
        entries: aDirectory!.entries.map((e, i) =>
          i === 0 ? { ...e, perms: e.perms ^ 0o111 } : e,
        ),
      }).value,
    )
    await append(
      'revision',
      encodeRecord('revision', { ...aRevision!, message: new TextEncoder().encode('forged') })
        .value,
    )
    await source.close()
    await target.close()

    const up = await serveUpstream(dir)
    try {
      const mdir = join(root, 'hostile-mirror')
      const child = spawnMirror(mdir, up.server.url, up.token, ['--batch', '25'])
      const done = exited(child)
      const seen = await checkWhile(done, () => problems(mdir))
      expect(await done).toBe(1) // records were rejected
      expect(seen.filter((s) => s.includes('-> missing'))).toEqual([])
      await expectMirrorOf(mdir, sources)
      expect(await counters(mdir)).toEqual(await counters(clean))
      expect(await problems(mdir)).toEqual([])
      const state = new MirrorState(join(mdir, 'mirror', 'state.sqlite'))
      try {
        const rejects = state.rejects()
        expect(rejects.map((r) => `${r.topic}@${r.offset}`).sort()).toEqual(
          corrupt.map((c) => `${c.topic}@${c.offset}`).sort(),
        )
        expect(rejects.every((r) => r.reason.length > 10)).toBe(true)
        expect(state.topics().every((t) => t.held === 0)).toBe(true)
      } finally {
        state.close()
      }
      const st = await arcaAsync(['mirror', 'status', '--data', mdir, '--token', up.token])
      expect(st.stdout).toMatch(/rejected directory@\d+/)
    } finally {
      await up.close()
    }
  }, 300_000)
})

if (natsOk) {
  describe('arca mirror from NATS JetStream', () => {
    it('replays a journal kept in NATS, with bytes from the feed', async () => {
      const prefix = `arcatest${randomBytes(4).toString('hex')}`
      const natsUrl = `nats://${NATS_SERVER}/${prefix}`
      try {
        const dir = join(root, 'up-nats')
        const rich = makeRichRepo(join(root, 'nats-repos'))
        save(dir, `file://${rich}`, ['--journal', natsUrl])
        const up = await serveUpstream(dir, natsUrl)
        try {
          const mdir = join(root, 'mirror-nats')
          const r = await mirrorOnce(mdir, natsUrl, up.token, ['--feed', up.server.url])
          expect(r.status, r.stderr).toBe(0)
          await expectMirrorOf(mdir, [rich])
          expect(await counters(mdir)).toEqual(await counters(dir))
          expect(await problems(mdir)).toEqual([])
          // The mirror read through its own durable consumers and acknowledged everything.
          const state = new MirrorState(join(mdir, 'mirror', 'state.sqlite'))
          const group = state.consumerGroup()
          state.close()
          const journal = new NatsJournal({ servers: NATS_SERVER, prefix })
          await journal.open()
          try {
            for (const topic of ['content', 'directory', 'revision', 'snapshot'] as const) {
              const end = await journal.endOffset(topic)
              expect(end).toBeGreaterThan(0)
              expect(await journal.committed(group, topic)).toBe(end)
            }
          } finally {
            await journal.close()
          }
          const v = await arcaAsync([
            'mirror',
            'verify',
            '--data',
            mdir,
            '--token',
            up.token,
            '--feed',
            up.server.url,
          ])
          expect(v.status, v.stdout + v.stderr).toBe(0)
        } finally {
          await up.close()
        }
      } finally {
        await deleteNatsPrefix(prefix)
      }
    }, 120_000)
  })
}
