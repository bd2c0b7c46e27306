/**
 * `arca fsck` on real archives (SQLite and PostgreSQL) of a repository made by git and loaded
 * with `arca save`: clean, then with stored bytes and rows broken by hand (a flipped bit, a
 * content cut short, a content's bytes removed — through test/helpers/stored-content.ts, for
 * whichever content store the archive has —, deleted directory and revision rows, an altered
 * revision message). The expected findings are built from what the test broke, with
 * ids and links from git. Also: a run killed with SIGKILL continues and reports the same, and
 * fsck runs while `arca save` writes to the same archive.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { postgresSql, type RawSql, sqliteSql } from '../helpers/raw-sql.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { deleteStored, flipStoredByte, truncateStored } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface Finding {
  kind: string
  swhid: string
  problem: string
  detail: string
  target?: string
}

interface Report {
  clean: boolean
  resumed: boolean
  checked: Record<string, number>
  findings: Finding[]
}

/** A linear history of five commits, each adding a file at the top and one in a new folder. */
function makeRepo(root: string): string {
  const repo = join(root, 'repo')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  for (let i = 1; i <= 5; i++) {
    execFileSync('mkdir', ['-p', join(repo, `d${i}`)])
    writeFileSync(join(repo, `top${i}.txt`), `top level file ${i}\n`.repeat(i))
    writeFileSync(join(repo, `d${i}`, 'inner.txt'), `inner file of folder ${i}\n`)
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', `commit ${i}`], {
      env: { GIT_COMMITTER_DATE: `${1700000000 + i * 100} +0200` },
    })
  }
  return repo
}

/** Objects of the repository by type, from git. */
function gitObjects(repo: string): Map<string, string> {
  const out = new Map<string, string>()
  const ids = git(repo, ['rev-list', '--objects', '--all'])
    .split('\n')
    .map((l) => l.split(' ')[0]!)
  const types = git(repo, ['cat-file', '--batch-check=%(objecttype) %(objectname)'], {
    input: ids.join('\n') + '\n',
  })
  for (const line of types.split('\n')) {
    const [type, id] = line.split(' ')
    out.set(id!, type!)
  }
  return out
}

const key = (f: Pick<Finding, 'problem' | 'swhid' | 'target'>): string =>
  `${f.problem} ${f.swhid}${f.target ? ` -> ${f.target}` : ''}`

function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report
}

/** Runs `arca fsck ARGS`, SIGKILLing it once its checkpoint has reached `killAtKind`. */
function fsckKilled(args: string[], stateFile: string, killAtKind: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ARCA_BIN, 'fsck', ...args], { stdio: 'ignore' })
    let seen = ''
    const timer = setInterval(() => {
      try {
        const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { kind: string }
        seen = state.kind
        if (state.kind === killAtKind) {
          clearInterval(timer)
          child.kill('SIGKILL')
        }
      } catch {
        // not written yet, or being replaced
      }
    }, 2)
    child.on('exit', (code, signal) => {
      clearInterval(timer)
      if (signal === 'SIGKILL') resolve(seen)
      else reject(new Error(`fsck ended (${code}) before it was killed; last kind ${seen}`))
    })
  })
}

interface Backend {
  name: string
  setup(): Promise<{ storageArgs: string[]; sql: RawSql }>
  teardown(): Promise<void>
}

const pgAvailable = await postgresAvailable()
let dropPg: (() => Promise<void>) | null = null

const sqlite = (data: string): Backend => ({
  name: 'SQLite',
  setup: () =>
    Promise.resolve({
      storageArgs: [],
      sql: sqliteSql(data),
    }),
  teardown: () => Promise.resolve(),
})

const postgres = (): Backend => ({
  name: 'PostgreSQL',
  async setup() {
    const db = await createTestDatabase()
    dropPg = db.drop
    return {
      storageArgs: ['--storage', db.url],
      sql: postgresSql(db.url),
    }
  },
  async teardown() {
    await dropPg?.()
  },
})

function suite(makeBackend: (data: string) => Backend, enabled: boolean): void {
  const tmp = makeTemp('arca-fsck-')
  const data = join(tmp, 'data')
  const backend = makeBackend(data)
  describe.runIf(enabled)(`arca fsck on ${backend.name}`, () => {
    let repo: string
    let storageArgs: string[]
    let sql: RawSql
    let objects: Map<string, string>
    let expected: string[]

    beforeAll(async () => {
      repo = makeRepo(tmp)
      ;({ storageArgs, sql } = await backend.setup())
      const saved = arca(['save', '--data', data, ...storageArgs, repo])
      expect(saved.stderr).not.toMatch(/error/)
      expect(saved.status).toBe(0)
      objects = gitObjects(repo)
    })
    afterAll(async () => {
      await backend.teardown()
      removeTemp(tmp)
    })

    it('finds nothing wrong in a fresh archive and counts every object git has', async () => {
      const [statuses] = await sql('SELECT COUNT(*) AS n FROM origin_visit_status', [])
      const r = arca(['fsck', '--data', data, ...storageArgs, '--json'])
      expect(r.stderr).not.toMatch(/error/)
      expect(r.status).toBe(0)
      const report = parseReport(r.stdout)
      const count = (t: string): number => [...objects.values()].filter((v) => v === t).length
      expect(report).toMatchObject({ clean: true, resumed: false, findings: [] })
      expect(report.checked).toEqual({
        content: count('blob'),
        directory: count('tree'),
        revision: count('commit'),
        release: 0,
        snapshot: 1,
        origin_visit_status: Number(statuses!['n']),
      })
      const text = arca(['fsck', '--data', data, ...storageArgs])
      expect(text.status).toBe(0)
      expect(text.stdout).toMatch(/no problems found\n$/)
    })

    it('reports exactly the bytes and rows broken by hand, and exits 1', async () => {
      const flipped = git(repo, ['rev-parse', 'main:top3.txt'])
      const truncated = git(repo, ['rev-parse', 'main:top4.txt'])
      const removed = git(repo, ['rev-parse', 'main:top5.txt'])
      const deletedDir = git(repo, ['rev-parse', 'main:d2'])
      const deletedRev = git(repo, ['rev-parse', 'main~3']) // commit 2
      const alteredRev = git(repo, ['rev-parse', 'main~1']) // commit 4

      // A flipped bit, and a content cut short, in the content store; one content's bytes gone.
      flipStoredByte(data, flipped)
      truncateStored(data, truncated, 5)
      deleteStored(data, removed)
      // Rows deleted, and a message altered, with SQL.
      await sql('DELETE FROM directory WHERE id = ?', [Buffer.from(deletedDir, 'hex')])
      await sql('DELETE FROM revision WHERE id = ?', [Buffer.from(deletedRev, 'hex')])
      await sql('UPDATE revision SET message = ? WHERE id = ?', [
        Buffer.from('commit 4, rewritten\n'),
        Buffer.from(alteredRev, 'hex'),
      ])

      // What git says references the deleted objects.
      const treesPointingAt = [...objects]
        .filter(([, type]) => type === 'tree')
        .map(([id]) => id)
        .filter((tree) =>
          git(repo, ['ls-tree', tree])
            .split('\n')
            .some((l) => l.endsWith(`${deletedDir}\td2`)),
        )
      const childrenOfDeleted = git(repo, ['rev-list', '--all', '--parents'])
        .split('\n')
        .map((l) => l.split(' '))
        .filter((ids) => ids.slice(1).includes(deletedRev))
        .map((ids) => ids[0]!)
      expect(treesPointingAt.length).toBeGreaterThan(0)
      expect(childrenOfDeleted).toHaveLength(1)
      expected = [
        key({ problem: 'corrupt', swhid: `swh:1:cnt:${flipped}` }),
        key({ problem: 'corrupt', swhid: `swh:1:cnt:${truncated}` }),
        key({ problem: 'missing', swhid: `swh:1:cnt:${removed}` }),
        key({ problem: 'corrupt', swhid: `swh:1:rev:${alteredRev}` }),
        ...treesPointingAt.map((d) =>
          key({ problem: 'dangling', swhid: `swh:1:dir:${d}`, target: `swh:1:dir:${deletedDir}` }),
        ),
        ...childrenOfDeleted.map((r) =>
          key({ problem: 'dangling', swhid: `swh:1:rev:${r}`, target: `swh:1:rev:${deletedRev}` }),
        ),
      ].sort()

      const r = arca(['fsck', '--data', data, ...storageArgs, '--json'])
      expect(r.stderr).not.toMatch(/error/)
      expect(r.status).toBe(1)
      const report = parseReport(r.stdout)
      expect(report.clean).toBe(false)
      expect(report.findings.map(key).sort()).toEqual(expected)
      const truncatedFinding = report.findings.find((x) => x.swhid.endsWith(truncated))
      expect(truncatedFinding?.detail).toContain('length')

      const text = arca(['fsck', '--data', data, ...storageArgs])
      expect(text.status).toBe(1)
      expect(text.stdout).toContain(`corrupt swh:1:cnt:${flipped}: `)
      expect(text.stdout).toContain(
        `dangling swh:1:rev:${childrenOfDeleted[0]}: it references swh:1:rev:${deletedRev}`,
      )
      expect(text.stdout).toMatch(/problems: 3 corrupt, 1 missing, \d+ dangling\n$/)
    })

    it('continues a run killed with SIGKILL and reports the same', async () => {
      const state = join(data, 'fsck', 'state.json')
      const killedAt = await fsckKilled(
        ['--data', data, ...storageArgs, '--batch', '1', '--throttle', '40', '--json'],
        state,
        'revision',
      )
      expect(killedAt).toBe('revision')
      expect(existsSync(state)).toBe(true)
      const r = arca(['fsck', '--data', data, ...storageArgs, '--json'])
      expect(r.status).toBe(1)
      const report = parseReport(r.stdout)
      expect(report.resumed).toBe(true)
      expect(report.findings.map(key).sort()).toEqual(expected)
      const count = (t: string): number => [...objects.values()].filter((v) => v === t).length
      // Every row still there was checked once: the deleted rows are not counted.
      expect(report.checked['content']).toBe(count('blob'))
      expect(report.checked['directory']).toBe(count('tree') - 1)
      expect(report.checked['revision']).toBe(count('commit') - 1)
      expect(existsSync(state)).toBe(false)
      // --restart discards nothing to continue now, and finds the same from scratch.
      const again = arca(['fsck', '--data', data, ...storageArgs, '--json', '--restart'])
      expect(parseReport(again.stdout)).toMatchObject({ resumed: false })
      expect(parseReport(again.stdout).findings.map(key).sort()).toEqual(expected)
    })
  })
}

suite(sqlite, true)
suite(postgres, pgAvailable)

describe('arca fsck while arca save writes', () => {
  it('reports nothing and blocks nothing on a live SQLite archive', async () => {
    const tmp = makeTemp('arca-fsck-live-')
    try {
      // A repository big enough that saving it takes a while: fast-import, 400 commits.
      const repo = join(tmp, 'big.git')
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env: gitEnvFixed() })
      const parts: string[] = []
      for (let i = 0; i < 400; i++) {
        parts.push(
          'commit refs/heads/main',
          `mark :${i + 1}`,
          `committer C <c@example.org> ${1600000000 + i * 60} +0000`,
          `data ${`c${i}`.length}`,
          `c${i}`,
        )
        for (let k = 0; k < 5; k++) {
          const body = `file ${i}.${k}\n`.repeat(1 + (i % 7))
          parts.push(`M 100644 inline dir${k}/sub${i % 13}/f${i}.txt`, `data ${body.length}`, body)
        }
        parts.push('')
      }
      execFileSync('git', ['-C', repo, 'fast-import', '--quiet'], {
        input: parts.join('\n') + '\n',
        env: gitEnvFixed(),
      })
      const data = join(tmp, 'data')
      const save = spawn(process.execPath, [ARCA_BIN, 'save', '--data', data, repo], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let saveOut = ''
      save.stdout.on('data', (d: Buffer) => (saveOut += d.toString()))
      const saved = new Promise<number | null>((resolve) => save.on('exit', resolve))
      let running = true
      void saved.then(() => (running = false))
      // Wait until the save has stored something, then check while it is still writing.
      while (running && !existsSync(join(data, 'graph.sqlite')))
        await new Promise((r) => setTimeout(r, 20))
      let overlapping = 0
      const runs: Report[] = []
      while (running) {
        const r = await new Promise<{ code: number | null; out: string; err: string }>(
          (resolve) => {
            const c = spawn(process.execPath, [ARCA_BIN, 'fsck', '--data', data, '--json'], {
              stdio: ['ignore', 'pipe', 'pipe'],
            })
            let out = ''
            let err = ''
            c.stdout.on('data', (d: Buffer) => (out += d.toString()))
            c.stderr.on('data', (d: Buffer) => (err += d.toString()))
            c.on('exit', (code) => resolve({ code, out, err }))
          },
        )
        if (running) overlapping++
        expect(r.err).not.toMatch(/error/)
        expect(r.code).toBe(0)
        runs.push(parseReport(r.out))
      }
      expect(await saved).toBe(0)
      expect(saveOut).toContain('status: full')
      expect(overlapping).toBeGreaterThan(0)
      for (const report of runs) expect(report.findings).toEqual([])
      // Once the save is over, everything it wrote is checked, and sound.
      const final = arca(['fsck', '--data', data, '--json'])
      expect(final.status).toBe(0)
      expect(parseReport(final.stdout).checked['revision']).toBe(400)
    } finally {
      removeTemp(tmp)
    }
  })
})
