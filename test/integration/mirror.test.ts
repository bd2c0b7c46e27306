/**
 * Mirrors end to end, with real processes: an upstream archive loaded by `arca save` from real
 * git repositories and served over a real socket; `arca mirror` child processes replaying it
 * over the HTTP feed; faults injected (SIGKILL at random points, connections cut mid-stream)
 * while a checker reads the mirror's tables looking for dangling edges (a hostile journal:
 * mirror-hostile.test.ts; NATS JetStream: mirror-nats.test.ts). Each mirror is judged against git, not
 * against Arca: per origin, the latest snapshot must be the one computed from the source
 * repository's refs (hashed here from the spec), and every object git reaches from those refs
 * must be on the mirror, trees with git's entries, commits with git's tree and parents, blobs
 * with git's bytes.
 */
import { createServer, type Server, Socket } from 'node:net'
import { join } from 'node:path'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openArchive } from '../../src/storage/archive.js'
import { TokenStore } from '../../src/web/auth/tokens.js'
import { startServer } from '../../src/web/server.js'
import { checkArchive } from '../helpers/archive-check.js'
import { arca, arcaAsync } from '../helpers/cli.js'
import { reachableObjects } from '../helpers/git-expect.js'
import {
  checkWhile,
  counters,
  exited,
  expectMirrorOf,
  mirrorOnce,
  problems,
  save,
  serveUpstream,
  spawnMirror,
  type Upstream,
} from '../helpers/mirror.js'
import { makeHistoryRepo, makeRichRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
beforeAll(() => {
  root = makeTemp('arca-mirror-')
})
afterAll(() => removeTemp(root))

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
