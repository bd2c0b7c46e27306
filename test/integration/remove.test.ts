/**
 * `arca remove` end to end, with real processes on real repositories made with git: repository
 * A, a clone B that went its own way (sharing A's early history and its tag), and an unrelated
 * C, saved into one archive that two chained `arca mirror` processes replicate. What a removal
 * of A must delete is computed by git, independently: the objects `git rev-list --objects --all`
 * reaches in A and in neither B nor C. Then: the removal deletes exactly those (and A's origin,
 * visits and snapshot), keeps everything B and C reach, leaves nothing dangling (fsck), reaches
 * both mirrors through the journal, and its recovery bundle (age) restores every object, content
 * bytes equal to git's. A removal killed with SIGKILL in the middle of its bundle and of its
 * deletions finishes when run again.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { generateIdentity, identityToRecipient } from 'age-encryption'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { TokenStore } from '../../src/web/auth/tokens.js'
import { arca, ARCA_BIN } from '../helpers/cli.js'
import { objectBytes } from '../helpers/git-expect.js'
import {
  addCommits,
  countRevisions,
  fsckClean,
  gitSwhids,
  masked,
  mirrorOnce,
  origins,
  present,
  presentPg,
  serve,
  type Served,
} from '../helpers/remove.js'
import { git, gitEnvFixed, makeHistoryRepo } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const pgOk = await postgresAvailable()

let root: string
let repoA: string
let repoB: string
let repoC: string
let urlA: string
let identityFile: string
let recipient: string
/** What removing A must delete (git's view) and what must stay. */
let onlyA: Set<string>
let kept: Set<string>
let pristine: string

beforeAll(async () => {
  root = makeTemp('arca-remove-')
  repoA = makeHistoryRepo(join(root, 'repos'), 30, 3, 'a.git')
  git(repoA, ['tag', '-a', 'v1', '-m', 'release one', 'main'], {
    env: gitEnvFixed() as Record<string, string>,
  })
  repoB = join(root, 'repos', 'b.git')
  execFileSync('git', ['clone', '-q', '--bare', repoA, repoB], { env: gitEnvFixed() })
  addCommits(repoB, 3, 'b')
  addCommits(repoA, 8, 'a')
  repoC = makeHistoryRepo(join(root, 'repos'), 5, 2, 'c.git')
  urlA = `file://${repoA}`
  const identity = await generateIdentity()
  recipient = await identityToRecipient(identity)
  identityFile = join(root, 'key.txt')
  writeFileSync(identityFile, `# test key\n${identity}\n`)
  const a = gitSwhids(repoA)
  kept = new Set([...gitSwhids(repoB), ...gitSwhids(repoC)])
  onlyA = new Set([...a].filter((s) => !kept.has(s)))
  pristine = join(root, 'pristine')
  for (const repo of [repoA, repoB, repoC]) {
    const r = arca(['save', '--data', pristine, `file://${repo}`])
    expect(r.status, r.stderr).toBe(0)
  }
}, 180_000)
afterAll(() => removeTemp(root))

describe('arca remove', () => {
  it('removes what only A reaches, everywhere (two chained mirrors), and restores it from the bundle', async () => {
    // Sanity of the fixture, from git: A has objects of its own, shares others (the tag too).
    expect(onlyA.size).toBeGreaterThan(20)
    expect([...onlyA].some((s) => s.startsWith('swh:1:rel:'))).toBe(false)
    const dir = join(root, 'up')
    cpSync(pristine, dir, { recursive: true })
    const up = await serve(dir)
    const m1 = join(root, 'mirror1')
    const m2 = join(root, 'mirror2')
    let mid: Served | undefined
    try {
      await mirrorOnce(m1, up)
      // The first mirror is served in turn (one server throughout: a mirror keeps its upstream).
      mid = await serve(m1)
      await mirrorOnce(m2, mid)
      for (const d of [dir, m1, m2]) expect(present(d, onlyA)).toEqual(onlyA)
      expect((await up.archive.backend.originForks(`file://${repoB}`))?.total).toBe(1)

      const dry = arca([
        'remove',
        '--data',
        dir,
        urlA,
        '--reason',
        'court order 7',
        '--dry-run',
        '--json',
      ])
      expect(dry.status, dry.stderr).toBe(0)
      const plan = JSON.parse(dry.stdout) as {
        dry_run: boolean
        swhids: string[]
        counts: Record<string, number>
      }
      expect(plan.dry_run).toBe(true)
      const core = plan.swhids.filter((s) => !/^swh:1:(ori|snp):/.test(s))
      expect(new Set(core)).toEqual(onlyA)
      expect(core.length).toBe(onlyA.size)
      expect(plan.counts['ori']).toBe(1)
      expect(plan.counts['snp']).toBe(1)
      const text = arca(['remove', '--data', dir, urlA, '--reason', 'court order 7', '--dry-run'])
      expect(text.stdout.split('\n')[0]).toBe(
        `would remove: 1 origins, 1 snapshots, ${plan.counts['rev']} revisions, ${plan.counts['dir']} directories, ${plan.counts['cnt']} contents`,
      )
      expect(present(dir, onlyA)).toEqual(onlyA) // a dry run deletes nothing

      const noKey = arca(['remove', '--data', dir, urlA, '--reason', 'x'])
      expect(noKey.status).toBe(2)
      expect(noKey.stderr).toMatch(/--recipient/)

      const r = arca([
        'remove',
        '--data',
        dir,
        urlA,
        '--reason',
        'court order 7',
        '--recipient',
        recipient,
        '--actor',
        'legal',
        '--json',
      ])
      expect(r.status, r.stderr).toBe(0)
      const done = JSON.parse(r.stdout) as {
        removal: { id: string; state: string; bundle: string; actor: string; reason: string }
      }
      expect(done.removal).toMatchObject({ state: 'done', actor: 'legal', reason: 'court order 7' })
      expect(existsSync(done.removal.bundle)).toBe(true)

      expect(present(dir, onlyA)).toEqual(new Set())
      expect(present(dir, kept)).toEqual(kept)
      expect(origins(dir)).toEqual([`file://${repoB}`, `file://${repoC}`])
      expect((await up.archive.backend.originSearch('a.git')).results).toEqual([])
      expect((await up.archive.backend.originForks(`file://${repoB}`))?.total).toBe(0)
      await fsckClean(dir)
      const list = JSON.parse(arca(['remove', 'list', '--data', dir, '--json']).stdout) as {
        id: string
        state: string
      }[]
      expect(list.map((x) => [x.id, x.state])).toEqual([[done.removal.id, 'done']])
      // The same trail over HTTP, for admin tokens only; one removal's objects paged.
      const admin = (await new TokenStore(up.archive.backend.db).create('ops', ['admin'])).secret
      const get = (path: string, token: string): Promise<Response> =>
        fetch(`${up.server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } })
      expect((await get('/admin/1/removals', up.token)).status).toBe(403)
      const trail = (await (await get('/admin/1/removals', admin)).json()) as typeof list
      expect(trail.map((x) => [x.id, x.state])).toEqual([[done.removal.id, 'done']])
      const one = (await (
        await get(`/admin/1/removals/${done.removal.id}?limit=5`, admin)
      ).json()) as { reason: string; objects: string[]; next_from: number | null }
      expect(one.reason).toBe('court order 7')
      expect(one.objects).toEqual(plan.swhids.slice(0, 5))
      expect(one.next_from).toBe(5)
      const rest = (await (
        await get(`/admin/1/removals/${done.removal.id}?from=5&limit=10000`, admin)
      ).json()) as { objects: string[]; next_from: number | null }
      expect([...one.objects, ...rest.objects]).toEqual(plan.swhids)
      expect(rest.next_from).toBeNull()
      expect((await get('/admin/1/removals/rm-nope', admin)).status).toBe(404)
      expect((await get(`/admin/1/removals/${done.removal.id}?limit=0`, admin)).status).toBe(400)

      // The mirrors replay the removal record; the second one gets it from the first.
      await mirrorOnce(m1, up)
      await mirrorOnce(m2, mid)
      for (const d of [m1, m2]) {
        expect(present(d, onlyA)).toEqual(new Set())
        expect(present(d, kept)).toEqual(kept)
        expect(origins(d)).toEqual([`file://${repoB}`, `file://${repoC}`])
        await fsckClean(d)
        const audit = JSON.parse(arca(['remove', 'list', '--data', d, '--json']).stdout) as {
          id: string
          actor: string
        }[]
        expect(audit.map((x) => [x.id, x.actor])).toEqual([[done.removal.id, 'journal']])
      }

      // A mirror started after the removal never gets the removed objects: the feed withholds
      // the journal's old records of them.
      const m3 = join(root, 'mirror3')
      await mirrorOnce(m3, up)
      expect(present(m3, onlyA)).toEqual(new Set())
      expect(present(m3, kept)).toEqual(kept)
      expect(origins(m3)).toEqual([`file://${repoB}`, `file://${repoC}`])
      await fsckClean(m3)

      // Undo: every object back, verified, content bytes as git has them.
      const restored = arca([
        'remove',
        'restore',
        '--data',
        dir,
        done.removal.bundle,
        '--identity',
        identityFile,
      ])
      expect(restored.status, restored.stderr).toBe(0)
      expect(present(dir, onlyA)).toEqual(onlyA)
      expect(origins(dir)).toEqual([urlA, `file://${repoB}`, `file://${repoC}`])
      const blobs = [...onlyA].filter((s) => s.startsWith('swh:1:cnt:')).map((s) => s.slice(10))
      const bytes = objectBytes(repoA, blobs)
      for (const id of blobs) {
        const raw = await up.archive.objstorage.getBytes(id)
        expect(Buffer.compare(raw, bytes.get(id)!), id).toBe(0)
      }
      const latest = await up.archive.backend.originVisitGetLatest(urlA, { requireSnapshot: true })
      expect(latest?.status.snapshot).toBe(
        plan.swhids.find((s) => s.startsWith('swh:1:snp:'))!.slice(10),
      )
      await fsckClean(dir)
      const after = JSON.parse(arca(['remove', 'list', '--data', dir, '--json']).stdout) as {
        state: string
      }[]
      expect(after.map((x) => x.state)).toEqual(['restored'])
      // The mirrors get them back through the journal, unmasked.
      await mirrorOnce(m1, up)
      await mirrorOnce(m2, mid)
      for (const d of [m1, m2]) {
        expect(present(d, onlyA)).toEqual(onlyA)
        expect(origins(d)).toEqual([urlA, `file://${repoB}`, `file://${repoC}`])
        expect(masked(d)).toEqual(0)
        await fsckClean(d)
      }
      expect(masked(dir)).toEqual(0)
    } finally {
      await mid?.close()
      await up.close()
    }
  }, 300_000)

  it.runIf(pgOk || process.env['CI'] === 'true')(
    'removes and restores on PostgreSQL too',
    async () => {
      const db = await createTestDatabase()
      const dir = join(root, 'pg')
      const st = ['--data', dir, '--storage', db.url]
      try {
        for (const repo of [repoA, repoB, repoC]) {
          const r = arca(['save', ...st, `file://${repo}`])
          expect(r.status, r.stderr).toBe(0)
        }
        expect(await presentPg(db.url, dir, onlyA)).toEqual(onlyA)
        const r = arca([
          'remove',
          ...st,
          urlA,
          '--reason',
          'pg',
          '--recipient',
          recipient,
          '--json',
        ])
        expect(r.status, r.stderr).toBe(0)
        const out = JSON.parse(r.stdout) as { removal: { bundle: string }; swhids: string[] }
        expect(new Set(out.swhids.filter((x) => !/^swh:1:(ori|snp):/.test(x)))).toEqual(onlyA)
        expect(await presentPg(db.url, dir, onlyA)).toEqual(new Set())
        expect(await presentPg(db.url, dir, kept)).toEqual(kept)
        const f = arca(['fsck', ...st, '--json', '--restart'])
        expect((JSON.parse(f.stdout) as { findings: unknown[] }).findings).toEqual([])
        const back = arca([
          'remove',
          'restore',
          ...st,
          out.removal.bundle,
          '--identity',
          identityFile,
        ])
        expect(back.status, back.stderr).toBe(0)
        expect(await presentPg(db.url, dir, onlyA)).toEqual(onlyA)
      } finally {
        await db.drop()
      }
    },
    300_000,
  )

  it('refuses a SWHID that a retained object references', () => {
    const dir = join(root, 'refuse')
    cpSync(pristine, dir, { recursive: true })
    // The first commit is shared by A and B: removing it alone would leave both dangling.
    const first = git(repoA, ['rev-list', '--max-parents=0', 'main'])
    const r = arca(['remove', '--data', dir, `swh:1:rev:${first}`, '--reason', 'x', '--no-bundle'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/references it and is kept/)
    expect(present(dir, [`swh:1:rev:${first}`]).size).toBe(1)
  })

  it('finishes when run again after SIGKILL during the bundle and during the deletions', async () => {
    const dir = join(root, 'killed')
    cpSync(pristine, dir, { recursive: true })
    const args = [
      'remove',
      '--data',
      dir,
      urlA,
      '--reason',
      'killed',
      '--recipient',
      recipient,
      '--batch',
      '1',
    ]
    const state = (): { state: string; revisions: number } | null => {
      const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
      try {
        const row = db.prepare('SELECT state FROM removal').get() as { state: string } | undefined
        const n = db.prepare('SELECT COUNT(*) AS n FROM revision').get() as { n: number }
        return row ? { state: row.state, revisions: n.n } : null
      } catch {
        return null
      } finally {
        db.close()
      }
    }
    const revisionsBefore = state()?.revisions ?? (await countRevisions(dir))
    /** Runs `arca remove` and SIGKILLs it once `when` holds; resolves with how it ended. */
    const killedWhen = (
      when: (s: { state: string; revisions: number } | null) => boolean,
    ): Promise<string> =>
      new Promise((resolve) => {
        const p: ChildProcess = spawn(process.execPath, [ARCA_BIN, ...args], { stdio: 'ignore' })
        const timer = setInterval(() => {
          if (when(state())) p.kill('SIGKILL')
        }, 5)
        p.once('exit', (code, signal) => {
          clearInterval(timer)
          resolve(signal ?? String(code))
        })
      })
    // 1. Killed as soon as the plan is recorded (while the bundle is written, or just after).
    expect(await killedWhen((s) => s !== null)).toBe('SIGKILL')
    expect([...present(dir, onlyA)].filter((s) => s.endsWith('(half)'))).toEqual([])
    await fsckClean(dir)
    // 2. Killed in the middle of the deletions: what is left is consistent (no dangling edge).
    expect(
      await killedWhen((s) => s?.state === 'bundled' && s.revisions < revisionsBefore - 5),
    ).toBe('SIGKILL')
    const left = present(dir, onlyA)
    expect(left.size).toBeGreaterThan(0)
    expect(left.size).toBeLessThan(onlyA.size)
    expect([...left].filter((s) => s.endsWith('(half)'))).toEqual([])
    await fsckClean(dir)
    // 3. Run again: it finishes the same removal.
    const r = arca([
      'remove',
      '--data',
      dir,
      urlA,
      '--reason',
      'killed',
      '--recipient',
      recipient,
      '--json',
    ])
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { removal: { state: string; bundle: string } }
    expect(out.removal.state).toBe('done')
    expect(present(dir, onlyA)).toEqual(new Set())
    expect(present(dir, kept)).toEqual(kept)
    await fsckClean(dir)
    expect(readdirSync(join(dir, 'removals')).filter((f) => f.includes('.tmp-'))).toEqual([])
    // The bundle written before the kill is whole: it restores everything.
    const restored = arca([
      'remove',
      'restore',
      '--data',
      dir,
      out.removal.bundle,
      '--identity',
      identityFile,
    ])
    expect(restored.status, restored.stderr).toBe(0)
    expect(present(dir, onlyA)).toEqual(onlyA)
    await fsckClean(dir)
  }, 300_000)
})
