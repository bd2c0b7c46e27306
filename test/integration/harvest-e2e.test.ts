/**
 * Harvesting end to end with the built CLI: two git repositories made with git, listed with
 * `arca schedule add`, loaded by an `arca worker` process (JSON log lines, SIGTERM ends it), their
 * visits shown by `arca visits` with heads equal to git's own `rev-parse`; then new commits, the
 * visits made due again (time passing, written into the schedule's table by the test) and a second
 * worker run: an eventful visit of the changed repository, an uneventful one of the other, and
 * their intervals halved and doubled.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openSqlDatabase } from '../../src/storage/index.js'
import { arca, ARCA_BIN } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface LogLine {
  event: string
  task?: number
  kind?: string
  origin?: string
  state?: string
  status?: string
  snapshot?: string | null
}

/** Runs `arca worker` until `ended` tasks ended, then SIGTERMs it; returns its log lines. */
async function runWorker(
  data: string,
  ended: number,
): Promise<{ lines: LogLine[]; code: number | null }> {
  const child = spawn(
    process.execPath,
    [ARCA_BIN, 'worker', '--data', data, '--concurrency', '2'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    },
  )
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not finish: ${out}${err}`)), 45_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if ((out.match(/"event":"task_ended"/g) ?? []).length >= ended) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  child.kill('SIGTERM')
  const code = await exit
  expect(err).toBe('')
  return {
    code,
    lines: out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine),
  }
}

function commit(repo: string, file: string, text: string, date: string): void {
  writeFileSync(join(repo, file), text)
  git(repo, ['add', file])
  git(repo, ['commit', '-q', '-m', `edit ${file}`], {
    env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  })
}

/** The head revision of `refs/heads/main` in an archived snapshot, as `arca cat` prints it. */
function archivedHead(data: string, snapshot: string): string {
  const r = arca(['cat', '--data', data, `swh:1:snp:${snapshot}`])
  expect(r.status).toBe(0)
  const s = JSON.parse(r.stdout) as { branches: Record<string, { target: string }> }
  return s.branches['refs/heads/main']!.target
}

describe('harvesting end to end: arca schedule add, arca worker, arca visits', () => {
  let dir: string
  let data: string
  let repoA: string
  let repoB: string
  beforeAll(() => {
    dir = makeTemp('arca-harvest-')
    data = join(dir, 'data')
    repoA = join(dir, 'a')
    repoB = join(dir, 'b')
    for (const repo of [repoA, repoB]) {
      git(dir, ['init', '-q', '-b', 'main', repo])
      commit(repo, 'README', `first of ${repo}\n`, '1700000000 +0000')
    }
  })
  afterAll(() => removeTemp(dir))

  it('lists two repositories, loads them with a worker process, and visits them again', async () => {
    const add = arca(['schedule', 'add', '--data', data, repoA, repoB])
    expect(add.stderr).toBe('')
    expect(add.stdout).toBe('listed 2 origin(s): 2 new, 0 seen again\n')
    const urlA = `file://${repoA}`
    const urlB = `file://${repoB}`

    const first = await runWorker(data, 2)
    expect(first.code).toBe(0)
    const endedFirst = first.lines.filter((l) => l.event === 'task_ended')
    expect(endedFirst.map((l) => [l.origin, l.kind, l.state, l.status]).sort()).toEqual([
      [urlA, 'load-git', 'done', 'full'],
      [urlB, 'load-git', 'done', 'full'],
    ])
    expect(first.lines.filter((l) => l.event === 'task_claimed')).toHaveLength(2)
    const snapA1 = endedFirst.find((l) => l.origin === urlA)!.snapshot!
    const snapB1 = endedFirst.find((l) => l.origin === urlB)!.snapshot!
    for (const [url, repo, snap] of [
      [urlA, repoA, snapA1],
      [urlB, repoB, snapB1],
    ] as const) {
      const v = arca(['visits', '--data', data, url])
      expect(v.status).toBe(0)
      expect(v.stdout).toMatch(new RegExp(`^1\\t\\S+\\tgit\\tfull\\tswh:1:snp:${snap}\\n$`))
      expect(archivedHead(data, snap)).toBe(git(repo, ['rev-parse', 'HEAD']))
    }

    // a new commit in a; then time passes: both visits are due again, and so is the job
    commit(repoA, 'NEWS', 'second\n', '1700000500 +0000')
    const db = openSqlDatabase(`sqlite:${join(data, 'graph.sqlite')}`)
    await db.run('UPDATE origin_visit_stats SET next_visit_due = 0')
    await db.run('UPDATE scheduler_job SET next_run = 0')
    await db.close()

    const second = await runWorker(data, 2)
    expect(second.code).toBe(0)
    const endedSecond = second.lines.filter((l) => l.event === 'task_ended')
    const snapA2 = endedSecond.find((l) => l.origin === urlA)!.snapshot!
    const snapB2 = endedSecond.find((l) => l.origin === urlB)!.snapshot!
    expect(snapA2).not.toBe(snapA1)
    expect(snapB2).toBe(snapB1)
    expect(archivedHead(data, snapA2)).toBe(git(repoA, ['rev-parse', 'HEAD']))
    const visitsA = arca(['visits', '--data', data, urlA]).stdout.trim().split('\n')
    expect(visitsA.map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['1', '2']))
    expect(visitsA).toHaveLength(2)

    const list = arca(['schedule', 'list', '--data', data, '--json'])
    expect(list.status).toBe(0)
    const origins = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    // eventful: 1 day halved; uneventful: doubled
    expect(
      origins.map((o) => [o['url'], o['enabled'], o['lastVisitStatus'], o['intervalMs']]),
    ).toEqual([
      [urlA, true, 'successful', 12 * 3600_000],
      [urlB, true, 'successful', 2 * 24 * 3600_000],
    ])
    const tasks = arca(['tasks', '--data', data])
    expect(tasks.stdout).toMatch(/^load-git\t0\t0\t0\t4\t0\t/m)
    expect(tasks.stdout).toMatch(/^git\t2\t2\t0\t0\t0\.0$/m)
  }, 120_000)
})
