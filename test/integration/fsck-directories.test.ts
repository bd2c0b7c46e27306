/**
 * `arca fsck` on directory rows broken by hand (their ids are hashed on a worker thread, page
 * by page, while the main thread resolves references and reads the next page): a name altered
 * (corrupt), a target altered (corrupt, and dangling: the altered target is not in the
 * archive), a row cut short (it no longer decodes). Ids come from git; the packed row layout
 * (`[type u8][perms u32][name length u32][name][target 20]`) is the storage's documented one.
 * Pages of 1 and 2 rows (so the read-ahead crosses rows broken and sound) give the same report
 * as the default page.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca } from '../helpers/cli.js'
import { type RawSql, sqliteSql } from '../helpers/raw-sql.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface Finding {
  kind: string
  swhid: string
  problem: string
  detail: string
  target?: string
}

describe('arca fsck of altered directory rows', () => {
  const tmp = makeTemp('arca-fsck-dir-')
  const data = join(tmp, 'data')
  const repo = join(tmp, 'repo')
  let sql: RawSql

  beforeAll(() => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
    for (let i = 1; i <= 6; i++) {
      mkdirSync(join(repo, `d${i}`))
      writeFileSync(join(repo, `d${i}`, 'inner.txt'), `inner file of folder ${i}\n`)
      writeFileSync(join(repo, `top${i}.txt`), `top ${i}\n`)
    }
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', 'one'])
    const saved = arca(['save', '--data', data, repo])
    expect(saved.status).toBe(0)
    sql = sqliteSql(data)
  })
  afterAll(() => removeTemp(tmp))

  const entriesOf = async (id: string): Promise<Buffer> => {
    const [row] = await sql('SELECT entries FROM directory WHERE id = ?', [Buffer.from(id, 'hex')])
    return Buffer.from(row!['entries'] as Uint8Array)
  }
  const store = (id: string, entries: Buffer): Promise<unknown> =>
    sql('UPDATE directory SET entries = ? WHERE id = ?', [entries, Buffer.from(id, 'hex')])

  it('reports each altered row, the same whatever the page size', async () => {
    const clean = arca(['fsck', '--data', data, '--json'])
    expect(clean.status).toBe(0)
    const renamed = git(repo, ['rev-parse', 'main:d2'])
    const retargeted = git(repo, ['rev-parse', 'main:d4'])
    const cut = git(repo, ['rev-parse', 'main:d5'])
    // d2: one entry, inner.txt; its name's last byte altered ("inner.txu").
    const a = await entriesOf(renamed)
    expect(a.subarray(9, 18).toString('latin1')).toBe('inner.txt')
    a[17] = 0x75
    await store(renamed, a)
    // d4: its one entry's target with the last byte flipped.
    const b = await entriesOf(retargeted)
    const target = git(repo, ['rev-parse', 'main:d4/inner.txt'])
    expect(b.subarray(18, 38).toString('hex')).toBe(target)
    b[37] = b[37]! ^ 0xff
    const altered = b.subarray(18, 38).toString('hex')
    await store(retargeted, b)
    // d5: cut inside its entry.
    await store(cut, (await entriesOf(cut)).subarray(0, 12))

    const runs = [[], ['--batch', '1'], ['--batch', '2']].map((extra) => {
      const r = arca(['fsck', '--data', data, '--restart', '--json', ...extra])
      expect(r.status).toBe(1)
      return (JSON.parse(r.stdout) as { findings: Finding[] }).findings
    })
    const keys = (fs: Finding[]): string[] =>
      fs.map((f) => `${f.problem} ${f.swhid}${f.target ? ` -> ${f.target}` : ''}`).sort()
    expect(keys(runs[0]!)).toEqual(
      [
        `corrupt swh:1:dir:${renamed}`,
        `corrupt swh:1:dir:${retargeted}`,
        `dangling swh:1:dir:${retargeted} -> swh:1:cnt:${altered}`,
        `corrupt swh:1:dir:${cut}`,
      ].sort(),
    )
    // Within a page, the rows checked the ordinary way are reported first: compare as sets.
    const sorted = (fs: Finding[]): string[] => fs.map((f) => JSON.stringify(f)).sort()
    expect(sorted(runs[1]!)).toEqual(sorted(runs[0]!))
    expect(sorted(runs[2]!)).toEqual(sorted(runs[0]!))
    const detail = (swhid: string, problem: string): string =>
      runs[0]!.find((f) => f.swhid === swhid && f.problem === problem)!.detail
    expect(detail(`swh:1:dir:${cut}`, 'corrupt')).toMatch(/^its stored row does not decode/)
    expect(detail(`swh:1:dir:${renamed}`, 'corrupt')).not.toMatch(/does not decode/)
  })
})
