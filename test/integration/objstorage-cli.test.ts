/**
 * `arca objstorage migrate|stats|compact` on a real archive of a repository made by git and
 * loaded with `arca save`: the file store moves into packs (resumably), fsck stays clean, new
 * loads write packs, a takedown removal deletes contents and compaction takes their bytes off
 * the disk. Expected counts and sizes come from git.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { migrateToPacks } from '../../src/objstorage/migrate.js'
import { PackObjStorage } from '../../src/objstorage/pack/pack-objstorage.js'
import { arca } from '../helpers/cli.js'
import { git, gitEnvFixed } from '../helpers/repos.js'
import { flipPackedByte, packedBytes } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

function makeRepo(root: string, name: string, files: number): string {
  const repo = join(root, name)
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
  for (let i = 1; i <= files; i++) {
    writeFileSync(join(repo, `f${i}.txt`), `${name} file ${i}\n`.repeat(20 * i))
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', `commit ${i}`], {
      env: { GIT_COMMITTER_DATE: `${1700000000 + i * 100} +0200` },
    })
  }
  return repo
}

/** Blob ids and sizes, from git. */
function blobs(repo: string): Map<string, number> {
  const ids = git(repo, ['rev-list', '--objects', '--all'])
    .split('\n')
    .map((l) => l.split(' ')[0]!)
  const out = new Map<string, number>()
  const lines = git(repo, ['cat-file', '--batch-check=%(objecttype) %(objectname) %(objectsize)'], {
    input: ids.join('\n') + '\n',
  })
  for (const line of lines.split('\n')) {
    const [type, id, size] = line.split(' ')
    if (type === 'blob') out.set(id!, Number(size))
  }
  return out
}

interface Stats {
  store: string
  state: string
  entries: number
  rawBytes: number
  storedBytes: number
  deadBytes: number
  orphanFiles: number
}

const stats = (data: string): Stats => {
  const r = arca(['objstorage', 'stats', '--data', data, '--json'])
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Stats
}

const packFiles = (data: string): Buffer[] =>
  readdirSync(join(data, 'packs'))
    .filter((n) => n.endsWith('.pack'))
    .map((n) => readFileSync(join(data, 'packs', n)))

describe('arca objstorage', () => {
  let tmp: string
  let repoA: string
  let repoB: string
  beforeAll(() => {
    tmp = makeTemp('arca-objcli-')
    repoA = makeRepo(tmp, 'a', 6)
    repoB = makeRepo(tmp, 'b', 3)
  })
  afterAll(() => removeTemp(tmp))

  it('migrates a file store into packs; fsck stays clean; removal and compaction delete bytes', () => {
    const data = join(tmp, 'data')
    for (const repo of [repoA, repoB])
      expect(arca(['save', '--data', data, '--objstorage', 'files', `file://${repo}`]).status).toBe(
        0,
      )
    const all = new Map([...blobs(repoA), ...blobs(repoB)])
    const none = arca(['objstorage', 'stats', '--data', data])
    expect(none.status).toBe(2)
    expect(none.stderr).toMatch(/no pack store/)
    expect(
      arca(['save', '--data', data, '--objstorage', 'pack', `file://${repoA}`]).stderr,
    ).toMatch(/file store.*arca objstorage migrate/)

    const m = arca(['objstorage', 'migrate', '--data', data, '--batch', '4', '--json'])
    expect(m.status, m.stderr).toBe(0)
    expect(JSON.parse(m.stdout)).toMatchObject({ copied: all.size, present: 0, complete: true })
    const st = stats(data)
    expect(st).toMatchObject({ store: 'pack', state: 'ready', entries: all.size, deadBytes: 0 })
    expect(st.rawBytes).toBe([...all.values()].reduce((a, b) => a + b, 0))
    expect(st.storedBytes).toBeLessThan(st.rawBytes)
    const again = JSON.parse(
      arca(['objstorage', 'migrate', '--data', data, '--json']).stdout,
    ) as Record<string, unknown>
    expect(again).toMatchObject({ copied: 0, present: all.size, complete: true })

    const fsck = arca(['fsck', '--data', data, '--json'])
    expect(fsck.status, fsck.stderr).toBe(0)
    expect(JSON.parse(fsck.stdout)).toMatchObject({ clean: true, checked: { content: all.size } })

    // Contents only repository b has: removal deletes them, compaction takes the bytes away.
    const onlyB = [...blobs(repoB).keys()].filter((id) => !blobs(repoA).has(id))
    expect(onlyB.length).toBe(3)
    const rm = arca([
      'remove',
      '--data',
      data,
      `file://${repoB}`,
      '--reason',
      'test',
      '--no-bundle',
    ])
    expect(rm.status, rm.stderr).toBe(0)
    const afterRemove = stats(data)
    expect(afterRemove.entries).toBe(all.size - onlyB.length)
    expect(afterRemove.deadBytes).toBeGreaterThan(0)
    for (const id of onlyB)
      expect(packFiles(data).some((f) => f.includes(Buffer.from(id, 'hex')))).toBe(true)
    const c = arca(['objstorage', 'compact', '--data', data, '--json'])
    expect(c.status, c.stderr).toBe(0)
    expect(JSON.parse(c.stdout)).toMatchObject({ bytesReclaimed: afterRemove.deadBytes })
    expect(stats(data)).toMatchObject({ deadBytes: 0, entries: all.size - onlyB.length })
    for (const id of onlyB)
      expect(packFiles(data).some((f) => f.includes(Buffer.from(id, 'hex')))).toBe(false)
    const fsck2 = arca(['fsck', '--data', data, '--json'])
    expect(fsck2.status, fsck2.stderr).toBe(0)
  })

  it('a new archive writes packs by default and keeps them', () => {
    const data = join(tmp, 'packed')
    const r = arca(['save', '--data', data, `file://${repoA}`])
    expect(r.status, r.stderr).toBe(0)
    expect(existsSync(join(data, 'objects'))).toBe(false)
    expect(stats(data)).toMatchObject({ store: 'pack', entries: blobs(repoA).size })
    // the archive keeps packs without the option, and refuses the file store
    expect(arca(['fsck', '--data', data]).status).toBe(0)
    const bad = arca(['fsck', '--data', data, '--objstorage', 'files'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/keeps its contents in packs/)
    const worse = arca(['fsck', '--data', data, '--objstorage', 'tape'])
    expect(worse.stderr).toMatch(/Invalid content store "tape"/)

    // Bit rot in a pack: fsck names the content and its pack; repair from the first archive
    // (also on packs) rewrites it (replace), and fsck is clean again.
    const victim = git(repoA, ['rev-parse', 'main:f3.txt'])
    flipPackedByte(join(data, 'packs'), victim)
    const broken = arca(['fsck', '--data', data, '--json'])
    expect(broken.status).toBe(1)
    const findings = (
      JSON.parse(broken.stdout) as { findings: { swhid: string; detail: string }[] }
    ).findings
    expect(findings).toHaveLength(1)
    expect(findings[0]!.swhid).toBe(`swh:1:cnt:${victim}`)
    expect(findings[0]!.detail).toMatch(/pack pack-.*\.pack: CRC mismatch/)
    const fixed = arca(['repair', '--data', data, '--from', join(tmp, 'data'), '--json'])
    expect(fixed.status, fixed.stderr + fixed.stdout).toBe(0)
    expect(arca(['fsck', '--data', data]).status).toBe(0)
    expect(packedBytes(join(data, 'packs'), victim).toString()).toBe('a file 3\n'.repeat(60))
  })

  it('an interrupted migration leaves the archive on files, and a rerun finishes it', async () => {
    const root = join(tmp, 'resume')
    const files = new FsObjStorage({ root: join(root, 'objects') })
    await files.open()
    const items = [...Array(30).keys()].map((i) => {
      const data = Buffer.from(`resumable ${i}\n`)
      const id = execFileSync('git', ['hash-object', '--stdin'], { input: data }).toString().trim()
      return { id, data }
    })
    await files.addBatch(items)
    const packs = new PackObjStorage({ root: join(root, 'packs') })
    await packs.open({ state: 'migrating' })
    const stop = new AbortController()
    await expect(
      migrateToPacks(files, packs, {
        batchSize: 5,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.copied >= 10) stop.abort(new Error('stopped'))
        },
      }),
    ).rejects.toThrow(/stopped/)
    expect(packs.state).toBe('migrating')
    const done = await migrateToPacks(files, packs, { batchSize: 5 })
    expect(done.complete).toBe(true)
    expect(done.present).toBeGreaterThanOrEqual(10)
    expect(done.copied + done.present).toBe(30)
    expect(packs.state).toBe('ready')
    for (const { id, data } of items)
      expect(Buffer.from(await packs.getBytes(id, { verify: true })).equals(data)).toBe(true)
    await packs.close()
    await files.close()
  })
})
