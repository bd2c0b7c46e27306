/**
 * `arca scrub` on real archives (SQLite and PostgreSQL) of a repository made by git: a clean
 * round finds nothing; bytes and rows broken by hand are found, keep their first-seen date
 * across rounds and are marked fixed by the first round after `arca repair`; a scrubber killed
 * with SIGKILL leaves its position, and the next one continues from it (taking the dead
 * process's lease); one scrubber at a time; the admin API serves the same status. The broken
 * ids come from git.
 */
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { postgresSql, type RawSql, sqliteSql } from '../helpers/raw-sql.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { flipStoredByte } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface Status {
  running: string | null
  position: { kind: string; after: string | null; round: number; checked: number } | null
  open: { corrupt: number; missing: number; dangling: number }
  fixed: number
  findings: {
    swhid: string
    problem: string
    target?: string
    first_seen: string
    last_seen: string
    fixed_at: string | null
  }[]
}

function makeRepo(root: string): string {
  const repo = join(root, 'repo')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  for (let i = 1; i <= 6; i++) {
    execFileSync('mkdir', ['-p', join(repo, `d${i}`)])
    writeFileSync(join(repo, `f${i}.txt`), `file ${i}\n`.repeat(i))
    writeFileSync(join(repo, `d${i}`, 'x.txt'), `inner ${i}\n`)
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', `commit ${i}`], {
      env: { GIT_COMMITTER_DATE: `${1700000000 + i * 100} +0000` },
    })
  }
  return repo
}

const pgAvailable = await postgresAvailable()

function suite(name: string, enabled: boolean, usePg: boolean): void {
  describe.runIf(enabled)(`arca scrub on ${name}`, () => {
    const tmp = makeTemp('arca-scrub-')
    const data = join(tmp, 'data')
    const peer = join(tmp, 'peer')
    let storage: string[] = []
    let sql: RawSql
    let drop: (() => Promise<void>) | null = null
    let repo: string
    let total = 0
    const status = (): Status => {
      const r = arca(['scrub', 'status', '--data', data, ...storage, '--all', '--json'])
      expect(r.status, r.stderr).toBe(0)
      return JSON.parse(r.stdout) as Status
    }

    beforeAll(async () => {
      repo = makeRepo(tmp)
      if (usePg) {
        const db = await createTestDatabase()
        drop = db.drop
        storage = ['--storage', db.url]
        sql = postgresSql(db.url)
      } else sql = sqliteSql(data)
      expect(arca(['save', '--data', data, ...storage, repo]).status).toBe(0)
      expect(arca(['save', '--data', peer, repo]).status).toBe(0)
    })
    afterAll(async () => {
      await drop?.()
      removeTemp(tmp)
    })

    it('a clean round finds nothing and records its position', () => {
      expect(status().position).toBeNull()
      const r = arca(['scrub', '--data', data, ...storage, '--once', '--rate', '100000'])
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/1 round completed; 0 findings seen/)
      total = Number(/scrubbed (\d+) objects/.exec(r.stdout)![1])
      // at least every object git has (the archive also holds a snapshot and visit statuses)
      const objects = git(repo, ['rev-list', '--objects', '--all']).split('\n').length
      expect(total).toBeGreaterThan(objects)
      const s = status()
      expect(s).toMatchObject({ running: null, open: { corrupt: 0, missing: 0, dangling: 0 } })
      expect(s.position).toMatchObject({ kind: 'content', after: null, round: 1, checked: 0 })
    })

    it('finds broken objects, keeps when they were first seen, marks them fixed after repair', async () => {
      const blob = git(repo, ['rev-parse', 'main:f6.txt'])
      const dir = git(repo, ['rev-parse', 'main:d2'])
      flipStoredByte(data, blob, 0)
      await sql('DELETE FROM directory WHERE id = ?', [Buffer.from(dir, 'hex')])
      expect(arca(['scrub', '--data', data, ...storage, '--once', '--rate', '100000']).status).toBe(
        0,
      )
      const first = status()
      // d2 is named by the root tree of every commit from the second on, as git lists them
      const roots = new Set(
        git(repo, ['rev-list', 'main'])
          .split('\n')
          .filter((c) => git(repo, ['ls-tree', c, 'd2']).includes(dir))
          .map((c) => git(repo, ['rev-parse', `${c}^{tree}`])),
      )
      expect(first.open).toEqual({ corrupt: 1, missing: 0, dangling: roots.size })
      expect(first.findings.filter((f) => f.problem === 'corrupt').map((f) => f.swhid)).toEqual([
        `swh:1:cnt:${blob}`,
      ])
      expect(
        new Set(first.findings.filter((f) => f.problem === 'dangling').map((f) => f.swhid)),
      ).toEqual(new Set([...roots].map((t) => `swh:1:dir:${t}`)))

      expect(arca(['scrub', '--data', data, ...storage, '--once', '--rate', '100000']).status).toBe(
        0,
      )
      const second = status()
      const bySwhid = new Map(first.findings.map((f) => [`${f.swhid} ${f.problem}`, f]))
      for (const f of second.findings) {
        const before = bySwhid.get(`${f.swhid} ${f.problem}`)!
        expect(f.first_seen).toBe(before.first_seen)
        expect(f.last_seen >= before.last_seen).toBe(true)
      }

      expect(arca(['repair', '--data', data, ...storage, '--from', peer]).status).toBe(0)
      expect(arca(['scrub', '--data', data, ...storage, '--once', '--rate', '100000']).status).toBe(
        0,
      )
      const after = status()
      expect(after.open).toEqual({ corrupt: 0, missing: 0, dangling: 0 })
      expect(after.fixed).toBe(1 + roots.size)
      expect(after.findings.every((f) => f.fixed_at !== null)).toBe(true)
    })

    it('a killed scrubber leaves its position; the next continues from it', async () => {
      const round = status().position!.round
      const child = spawn(
        process.execPath,
        [ARCA_BIN, 'scrub', '--data', data, ...storage, '--rate', '10', '--batch', '2'],
        { stdio: 'ignore' },
      )
      // wait until it has recorded a position in this round, then kill it
      let seen: Status | null = null
      for (let i = 0; i < 600 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const s = status()
        if (s.position && s.position.round === round && s.position.checked > 0 && s.running)
          seen = s
      }
      expect(seen).not.toBeNull()
      // one scrubber at a time
      const other = arca(['scrub', '--data', data, ...storage, '--once'])
      expect(other.status).toBe(2)
      expect(other.stderr).toMatch(/another scrubber is running on this archive/)
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
      const left = status().position!
      // the dead process's lease is taken at once; the round goes on from where it was
      const r = arca(['scrub', '--data', data, ...storage, '--once', '--rate', '100000'])
      expect(r.status, r.stderr).toBe(0)
      const scrubbed = Number(/scrubbed (\d+) objects/.exec(r.stdout)![1])
      expect(scrubbed).toBe(total - left.checked)
      expect(status().position).toMatchObject({ round: left.round + 1, checked: 0 })
    })

    it('arca worker --scrub-rate scrubs in the background and stops with the worker', async () => {
      const before = status().position!.round
      const worker = spawn(
        process.execPath,
        [ARCA_BIN, 'worker', '--data', data, ...storage, '--no-schedule', '--scrub-rate', '100000'],
        { stdio: 'ignore' },
      )
      let s = status()
      for (let i = 0; i < 600 && !(s.position!.round > before && s.running); i++) {
        await new Promise((r) => setTimeout(r, 100))
        s = status()
      }
      expect(s.position!.round).toBeGreaterThan(before)
      expect(s.running).toMatch(new RegExp(`:${worker.pid}$`))
      worker.kill('SIGTERM')
      const code = await new Promise((r) => worker.once('exit', r))
      expect(code).toBe(0)
      expect(status().running).toBeNull()
    })

    it('serves the same status on the admin API, to admin tokens only', async () => {
      const token = arca([
        'token',
        'create',
        '--data',
        data,
        ...storage,
        '--scope',
        'admin',
      ]).stdout.trim()
      const serve = await startServe(['--data', data, ...storage])
      try {
        const none = await fetch(`${serve.url}/admin/1/scrub?all=1`)
        expect(none.status).toBe(401)
        const res = await fetch(`${serve.url}/admin/1/scrub?all=1`, {
          headers: { Authorization: `Bearer ${token}` },
        })
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual(status())
        const bad = await fetch(`${serve.url}/admin/1/scrub?limit=0`, {
          headers: { Authorization: `Bearer ${token}` },
        })
        expect(bad.status).toBe(400)
      } finally {
        await serve.stop()
      }
    })
  })
}

suite('SQLite', true, false)
suite('PostgreSQL', pgAvailable || process.env['CI'] === 'true', true)
