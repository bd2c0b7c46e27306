/**
 * `arca repair` from a real mirror: a repository made by git is saved into the primary (SQLite
 * and PostgreSQL), replicated by `arca mirror` (from `arca serve`) into an independent archive,
 * then the primary is broken by hand (a flipped bit and a removed content file, deleted
 * directory and revision rows, an altered revision message). Repair from the mirror must give
 * back exactly git's bytes: every blob's bytes, every commit's message and every tree, compared
 * with what `git cat-file` prints — never with Arca's own reading of the mirror. A repair killed
 * with SIGKILL then run again finishes; what no peer has stays reported (exit 1).
 */
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { postgresSql, type RawSql, sqliteSql } from '../helpers/raw-sql.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { deleteStored, flipStoredByte, isStored, storedBytes } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface Outcome {
  finding: { problem: string; swhid: string; target?: string }
  repaired: boolean
  reason?: string
}

function makeRepo(root: string): string {
  const repo = join(root, 'repo')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  for (let i = 1; i <= 4; i++) {
    execFileSync('mkdir', ['-p', join(repo, `d${i}`, 'deep')])
    writeFileSync(join(repo, `top${i}.txt`), `top level file ${i}\n`.repeat(i * 3))
    writeFileSync(join(repo, `d${i}`, 'deep', 'inner.txt'), `inner file of folder ${i}\n`)
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', `commit ${i}\n\nwith a body`], {
      env: { GIT_COMMITTER_DATE: `${1700000000 + i * 100} +0200` },
    })
  }
  return repo
}

const pgAvailable = await postgresAvailable()

function suite(name: string, enabled: boolean, usePg: boolean): void {
  describe.runIf(enabled)(`arca repair on ${name}`, () => {
    const tmp = makeTemp('arca-repair-')
    const data = join(tmp, 'primary')
    const mirror = join(tmp, 'mirror')
    let storageArgs: string[] = []
    let sql: RawSql
    let drop: (() => Promise<void>) | null = null
    let repo: string
    let serve: ServeProcess | null = null

    beforeAll(async () => {
      repo = makeRepo(tmp)
      if (usePg) {
        const db = await createTestDatabase()
        drop = db.drop
        storageArgs = ['--storage', db.url]
        sql = postgresSql(db.url)
      } else sql = sqliteSql(data)
      expect(arca(['save', '--data', data, ...storageArgs, repo]).status).toBe(0)
      const token = arca([
        'token',
        'create',
        '--data',
        data,
        ...storageArgs,
        '--scope',
        'mirror',
      ]).stdout.trim()
      serve = await startServe(['--data', data, ...storageArgs])
      const m = arca(
        ['mirror', '--data', mirror, '--upstream', serve.url, '--token', token, '--once'],
        {
          timeout: 120_000,
        },
      )
      expect(m.status, m.stderr).toBe(0)
      await serve.stop()
      serve = null
    })
    afterAll(async () => {
      await serve?.stop()
      await drop?.()
      removeTemp(tmp)
    })

    it('gives back git’s exact bytes for broken contents, rows and messages, then fsck is clean', async () => {
      const head = git(repo, ['rev-parse', 'main'])
      const first = git(repo, ['rev-list', '--reverse', 'main']).split('\n')[0]!
      const flipped = git(repo, ['rev-parse', 'main:top4.txt'])
      const removed = git(repo, ['rev-parse', 'main:d2/deep/inner.txt'])
      const dir = git(repo, ['rev-parse', 'main:d3'])
      const deepDir = git(repo, ['rev-parse', 'main:d3/deep'])
      const referrers = git(repo, ['rev-list', 'main'])
        .split('\n')
        .filter((c) => git(repo, ['ls-tree', c, 'd3']).includes(dir))
      const [counted] = await sql("SELECT value FROM counter WHERE kind = 'revision'", [])
      const revisionsCounted = Number(counted!['value'])
      // break the primary
      flipStoredByte(data, flipped)
      deleteStored(data, removed)
      await sql('DELETE FROM directory WHERE id = ?', [Buffer.from(dir, 'hex')])
      await sql('DELETE FROM directory WHERE id = ?', [Buffer.from(deepDir, 'hex')])
      await sql('DELETE FROM revision WHERE id = ?', [Buffer.from(first, 'hex')])
      await sql('UPDATE revision SET message = ? WHERE id = ?', [
        Buffer.from('tampered\n'),
        Buffer.from(head, 'hex'),
      ])
      expect(arca(['fsck', '--data', data, ...storageArgs]).status).toBe(1)

      const r = arca(['repair', '--data', data, ...storageArgs, '--from', mirror, '--json'])
      expect(r.stderr).not.toMatch(/error/i)
      expect(r.status, r.stdout).toBe(0)
      const report = JSON.parse(r.stdout) as { outcomes: Outcome[]; unrepaired: number }
      expect(report.unrepaired).toBe(0)
      expect(
        report.outcomes
          .map((o) => `${o.finding.problem} ${o.finding.target ?? o.finding.swhid}`)
          .sort(),
      ).toEqual(
        [
          `corrupt swh:1:cnt:${flipped}`,
          `missing swh:1:cnt:${removed}`,
          `corrupt swh:1:rev:${head}`,
          // one finding per root tree naming d3, as git lists them
          ...referrers.map(() => `dangling swh:1:dir:${dir}`),
          `dangling swh:1:rev:${first}`,
        ].sort(),
      )

      // bytes as git has them, read back through the primary's own commands
      for (const id of [flipped, removed]) {
        const got = arca(['cat', '--data', data, ...storageArgs, `swh:1:cnt:${id}`]).stdoutBytes
        expect(got.equals(execFileSync('git', ['-C', repo, 'cat-file', 'blob', id]))).toBe(true)
      }
      const [row] = await sql('SELECT message FROM revision WHERE id = ?', [
        Buffer.from(head, 'hex'),
      ])
      expect(Buffer.from(row!['message'] as Uint8Array).toString()).toBe(
        git(repo, ['log', '-1', '--format=%B', head]).replace(/\n*$/, '\n'),
      )
      const [d] = await sql('SELECT COUNT(*) AS n FROM directory WHERE id = ?', [
        Buffer.from(deepDir, 'hex'),
      ])
      expect(Number(d!['n'])).toBe(1)
      const again = arca(['fsck', '--data', data, ...storageArgs, '--json'])
      expect(again.status, again.stdout).toBe(0)
      // as many revision rows as git has commits; the counter grew by the one row re-added
      // (the deletion by hand did not count down), not by the rewritten one
      const [n] = await sql('SELECT COUNT(*) AS n FROM revision', [])
      expect(Number(n!['n'])).toBe(Number(git(repo, ['rev-list', '--count', 'main'])))
      const [c] = await sql("SELECT value FROM counter WHERE kind = 'revision'", [])
      expect(Number(c!['value'])).toBe(revisionsCounted + 1)
    })

    it('killed mid-repair, a rerun finishes; what no peer holds stays reported with exit 1', async () => {
      const blobs = git(repo, ['ls-tree', '-r', '--format=%(objectname)', 'main']).split('\n')
      for (const id of blobs) deleteStored(data, id, { force: true })
      const child = spawn(
        process.execPath,
        [ARCA_BIN, 'repair', '--data', data, ...storageArgs, '--from', mirror],
        {
          stdio: 'ignore',
        },
      )
      // killed as soon as the first content is back
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (isStored(data, blobs[0]!)) {
            child.kill('SIGKILL')
            clearInterval(t)
            resolve()
          }
        }, 5)
        child.on('exit', () => {
          clearInterval(t)
          resolve()
        })
      })
      const r = arca(['repair', '--data', data, ...storageArgs, '--from', mirror])
      expect(r.status, r.stdout).toBe(0)
      for (const id of blobs)
        expect(
          storedBytes(data, id).length > 0 || id === 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
        ).toBe(true)
      expect(arca(['fsck', '--data', data, ...storageArgs]).status).toBe(0)

      // a content the mirror lost too: reported, not repaired
      const lost = blobs[1]!
      deleteStored(data, lost)
      deleteStored(mirror, lost)
      const left = arca(['repair', '--data', data, ...storageArgs, '--from', mirror])
      expect(left.status).toBe(1)
      expect(left.stdout).toContain(
        `NOT repaired missing swh:1:cnt:${lost}: no peer holds swh:1:cnt:${lost} intact`,
      )
      expect(left.stdout).toMatch(/0 of 1 problem repaired; 1 left/)
    })
  })
}

suite('SQLite', true, false)
suite('PostgreSQL', pgAvailable || process.env['CI'] === 'true', true)
