/**
 * `arca repair` from peers that are not a data directory here: a node's mirror feed (so a mirror
 * heals itself from its upstream, over HTTP with a `mirror` token) and the upstream's journal in
 * NATS JetStream (graph objects from the journal, content bytes from the feed given by --feed).
 * A repository made by git is saved into the upstream (journal in NATS), replicated by
 * `arca mirror`, and the mirror is broken by hand; repaired bytes and messages are compared with
 * what `git cat-file` prints.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca } from '../helpers/cli.js'
import { type RawSql, sqliteSql } from '../helpers/raw-sql.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'
import { deleteNatsPrefix, NATS_SERVER, natsAvailable } from '../helpers/services.js'
import { deleteStored, flipStoredByte, storedBytes } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface Report {
  outcomes: { finding: { problem: string; swhid: string }; repaired: boolean; reason?: string }[]
  unrepaired: number
}

const natsOk = await natsAvailable()

function makeRepo(root: string): string {
  const repo = join(root, 'repo')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  for (let i = 1; i <= 3; i++) {
    execFileSync('mkdir', ['-p', join(repo, `pkg${i}`)])
    writeFileSync(join(repo, `pkg${i}`, 'mod.txt'), `module ${i}\n`.repeat(i + 2))
    writeFileSync(join(repo, 'README'), `readme at step ${i}\n`)
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', `step ${i}`], {
      env: { GIT_COMMITTER_DATE: `${1710000000 + i * 60} +0100` },
    })
  }
  return repo
}

describe.runIf(natsOk)('arca repair from a node and from its NATS journal', () => {
  const tmp = makeTemp('arca-repair-remote-')
  const upstream = join(tmp, 'upstream')
  const mirror = join(tmp, 'mirror')
  const prefix = `arcarep${randomBytes(4).toString('hex')}`
  const natsUrl = `nats://${NATS_SERVER}/${prefix}`
  let repo: string
  let token: string
  let serve: ServeProcess | null = null
  let sql: RawSql

  beforeAll(async () => {
    repo = makeRepo(tmp)
    const s = arca(['save', '--data', upstream, '--journal', natsUrl, repo])
    expect(s.status, s.stderr).toBe(0)
    token = arca(['token', 'create', '--data', upstream, '--scope', 'mirror']).stdout.trim()
    serve = await startServe(['--data', upstream, '--journal', natsUrl])
    const m = arca([
      'mirror',
      '--data',
      mirror,
      '--upstream',
      serve.url,
      '--token',
      token,
      '--once',
    ])
    expect(m.status, m.stderr).toBe(0)
    sql = sqliteSql(mirror)
  }, 120_000)
  afterAll(async () => {
    await serve?.stop()
    await deleteNatsPrefix(prefix)
    removeTemp(tmp)
  })

  const blob = (path: string): string => git(repo, ['rev-parse', `main:${path}`])
  const catBlob = (id: string): Buffer => execFileSync('git', ['-C', repo, 'cat-file', 'blob', id])

  it('a mirror heals itself from its upstream’s feed, byte for byte', async () => {
    const head = git(repo, ['rev-parse', 'main'])
    const flipped = blob('pkg3/mod.txt')
    const dir = blob('pkg2')
    flipStoredByte(mirror, flipped, 0)
    await sql('DELETE FROM directory WHERE id = ?', [Buffer.from(dir, 'hex')])
    await sql('UPDATE revision SET message = ? WHERE id = ?', [
      Buffer.from('tampered\n'),
      Buffer.from(head, 'hex'),
    ])
    expect(arca(['fsck', '--data', mirror]).status).toBe(1)

    // without the token the feed refuses: nothing repaired, each reason names the peer
    const denied = arca(['repair', '--data', mirror, '--from', serve!.url, '--json'])
    expect(denied.status).toBe(1)
    const d = JSON.parse(denied.stdout) as Report
    expect(d.outcomes.every((o) => !o.repaired && o.reason!.includes(serve!.url))).toBe(true)

    const r = arca(['repair', '--data', mirror, '--from', serve!.url, '--token', token, '--json'])
    expect(r.status, r.stdout + r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as Report).unrepaired).toBe(0)
    expect(arca(['cat', '--data', mirror, `swh:1:cnt:${flipped}`]).stdoutBytes).toEqual(
      catBlob(flipped),
    )
    const [row] = await sql('SELECT message FROM revision WHERE id = ?', [Buffer.from(head, 'hex')])
    expect(Buffer.from(row!['message'] as Uint8Array).toString()).toBe(
      git(repo, ['log', '-1', '--format=%B', head]).replace(/\n*$/, '\n'),
    )
    expect(arca(['fsck', '--data', mirror]).status).toBe(0)
    expect(r.stdout).not.toContain(token)
  })

  it('graph objects come from the journal; bytes only with --feed', async () => {
    const first = git(repo, ['rev-list', '--reverse', 'main']).split('\n')[0]!
    const removed = blob('pkg1/mod.txt')
    const dir = blob('pkg1')
    await sql('DELETE FROM revision WHERE id = ?', [Buffer.from(first, 'hex')])
    await sql('DELETE FROM directory WHERE id = ?', [Buffer.from(dir, 'hex')])
    deleteStored(mirror, removed)

    const partial = arca(['repair', '--data', mirror, '--from', natsUrl, '--json'])
    expect(partial.status, partial.stderr).toBe(1)
    const p = JSON.parse(partial.stdout) as Report
    const left = p.outcomes.filter((o) => !o.repaired)
    expect(left.map((o) => `${o.finding.problem} ${o.finding.swhid}`)).toEqual([
      `missing swh:1:cnt:${removed}`,
    ])
    expect(left[0]!.reason).toMatch(/bytes/)
    const [rev] = await sql('SELECT COUNT(*) AS n FROM revision WHERE id = ?', [
      Buffer.from(first, 'hex'),
    ])
    expect(Number(rev!['n'])).toBe(1)
    const [d] = await sql('SELECT COUNT(*) AS n FROM directory WHERE id = ?', [
      Buffer.from(dir, 'hex'),
    ])
    expect(Number(d!['n'])).toBe(1)
    // the journal's index is kept for the next run
    expect(readdirSync(join(mirror, 'repair')).some((n) => n.startsWith('journal-'))).toBe(true)

    const full = arca([
      'repair',
      '--data',
      mirror,
      '--from',
      natsUrl,
      '--feed',
      serve!.url,
      '--token',
      token,
      '--json',
    ])
    expect(full.status, full.stdout + full.stderr).toBe(0)
    expect(storedBytes(mirror, removed)).toEqual(catBlob(removed))
    expect(arca(['fsck', '--data', mirror]).status).toBe(0)
  })

  it('refuses a --from it cannot read, naming it (exit 2)', () => {
    const r = arca(['repair', '--data', mirror, '--from', 'ftp://user:secret@example.org/x'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--from ftp:\/\/.*example\.org/)
    expect(r.stderr).not.toContain('secret')
    expect(existsSync(join(mirror, 'graph.sqlite'))).toBe(true)
  })
})
