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
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Archive, openArchive } from '../../src/storage/archive.js'
import { TokenStore } from '../../src/web/auth/tokens.js'
import { type RunningServer, startServer } from '../../src/web/server.js'
import { arca, ARCA_BIN, type CliResult } from '../helpers/cli.js'
import { objectBytes, reachableObjects } from '../helpers/git-expect.js'
import { git, gitEnvFixed, makeHistoryRepo } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { isStored } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const pgOk = await postgresAvailable()

const SWHID_TYPE = { commit: 'rev', tree: 'dir', blob: 'cnt', tag: 'rel' } as const

/** `swh:1:…` of every object git reaches in `repo` (git's object ids are the SWHIDs' ids). */
function gitSwhids(repo: string): Set<string> {
  return new Set(reachableObjects(repo).map((o) => `swh:1:${SWHID_TYPE[o.type]}:${o.oid}`))
}

/** Adds `n` commits on top of main in a bare repository (fast-import), with unique files. */
function addCommits(repo: string, n: number, tag: string): void {
  const parts: string[] = []
  for (let i = 0; i < n; i++) {
    parts.push('commit refs/heads/main', `committer C <c@example.org> ${1710000000 + i} +0000`)
    parts.push(`data ${Buffer.byteLength(`${tag} ${i}`)}`, `${tag} ${i}`)
    if (i === 0) parts.push('from refs/heads/main^0')
    const body = `${tag} only, commit ${i}\n`
    parts.push(`M 100644 inline ${tag}/f${i}.txt`, `data ${Buffer.byteLength(body)}`, body, '')
  }
  git(repo, ['fast-import', '--quiet'], { input: parts.join('\n') + '\n' })
}

/** Runs `arca ARGS` without blocking this process (the upstream server lives here). */
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

interface Served {
  archive: Archive
  server: RunningServer
  token: string
  close(): Promise<void>
}

async function serve(dir: string): Promise<Served> {
  const archive = await openArchive({ dataDir: dir })
  const token = (await new TokenStore(archive.backend.db).create('mirror', ['mirror'])).secret
  const server = await startServer({ archive, port: 0, rateLimits: { disabled: true } })
  return {
    archive,
    server,
    token,
    async close() {
      await server.close()
      await archive.close()
    },
  }
}

async function mirrorOnce(dir: string, up: Served): Promise<void> {
  const r = await arcaAsync([
    'mirror',
    '--data',
    dir,
    '--upstream',
    up.server.url,
    '--token',
    up.token,
    '--once',
    '--json',
  ])
  expect(r.status, r.stderr).toBe(0)
  expect((JSON.parse(r.stdout) as { rejected: number }).rejected).toBe(0)
}

/** Which of `swhids` (core ones) the archive in `dir` holds (rows; contents: row and bytes). */
function present(dir: string, swhids: Iterable<string>): Set<string> {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  const table = {
    cnt: ['content', 'sha1_git'],
    dir: ['directory', 'id'],
    rev: ['revision', 'id'],
    rel: ['release', 'id'],
    snp: ['snapshot', 'id'],
  } as const
  const out = new Set<string>()
  try {
    for (const s of swhids) {
      const [t, col] = table[s.slice(6, 9) as keyof typeof table]
      const id = s.slice(10)
      const row = db.prepare(`SELECT 1 FROM ${t} WHERE ${col} = ?`).get(Buffer.from(id, 'hex'))
      const file = s.startsWith('swh:1:cnt:') && isStored(dir, id)
      if (s.startsWith('swh:1:cnt:')) {
        // A row always has its bytes ("half" otherwise: a failure). Bytes without their row
        // are what a removal killed between a transaction and its unlinks leaves: invisible to
        // every read, and unlinked by the rerun (the final check finds none).
        if (row !== undefined && file) out.add(s)
        else if (row !== undefined) out.add(`${s} (half)`)
        else if (file) out.add(`${s} (bytes only)`)
      } else if (row !== undefined) out.add(s)
    }
  } finally {
    db.close()
  }
  return out
}

/** {@link present} on a PostgreSQL archive: rows there, content bytes in `dir`. */
async function presentPg(url: string, dir: string, swhids: Iterable<string>): Promise<Set<string>> {
  const table = {
    cnt: ['content', 'sha1_git'],
    dir: ['directory', 'id'],
    rev: ['revision', 'id'],
    rel: ['release', 'id'],
    snp: ['snapshot', 'id'],
  } as const
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const out = new Set<string>()
  try {
    for (const s of swhids) {
      const [t, col] = table[s.slice(6, 9) as keyof typeof table]
      const id = s.slice(10)
      const row =
        (await client.query(`SELECT 1 FROM ${t} WHERE ${col} = $1`, [Buffer.from(id, 'hex')]))
          .rowCount! > 0
      const file = s.startsWith('swh:1:cnt:') && isStored(dir, id)
      if (!s.startsWith('swh:1:cnt:')) {
        if (row) out.add(s)
      } else if (row && file) out.add(s)
      else if (row) out.add(`${s} (half)`)
      else if (file) out.add(`${s} (bytes only)`)
    }
  } finally {
    await client.end()
  }
  return out
}

function origins(dir: string): string[] {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT url FROM origin ORDER BY url').all() as { url: string }[]).map(
      (r) => r.url,
    )
  } finally {
    db.close()
  }
}

function masked(dir: string): number {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM masked_object').get() as { n: number }).n
  } finally {
    db.close()
  }
}

async function fsckClean(dir: string): Promise<void> {
  const r = await arcaAsync(['fsck', '--data', dir, '--json', '--restart'])
  const report = JSON.parse(r.stdout) as { clean: boolean; findings: unknown[] }
  expect(report.findings).toEqual([])
  expect(r.status).toBe(0)
}

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

async function countRevisions(dir: string): Promise<number> {
  const db = new Database(join(dir, 'graph.sqlite'), { readonly: true })
  try {
    return Promise.resolve(
      (db.prepare('SELECT COUNT(*) AS n FROM revision').get() as { n: number }).n,
    )
  } finally {
    db.close()
  }
}
