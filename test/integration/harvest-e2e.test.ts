/**
 * Harvesting end to end with the built CLI: two git repositories made with git, listed with
 * `arca schedule add`, loaded by an `arca worker` process (JSON log lines, SIGTERM ends it), their
 * visits shown by `arca visits` with heads equal to git's own `rev-parse`; then new commits, the
 * visits made due again (time passing, written into the schedule's table by the test) and a second
 * worker run: an eventful visit of the changed repository, an uneventful one of the other, and
 * their intervals halved and doubled.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openTaskQueue } from '../../src/scheduler/index.js'
import { openSqlDatabase } from '../../src/storage/index.js'
import { arca } from '../helpers/cli.js'
import { git } from '../helpers/repos.js'
import { startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { runWorkerUntil } from '../helpers/worker-run.js'

interface LogLine {
  event: string
  task?: number
  kind?: string
  origin?: string
  state?: string
  status?: string
  snapshot?: string | null
}

/** Runs `arca worker` until `ended` tasks ended, then SIGTERMs it; its log lines and exit. */
async function runWorker(
  archive: readonly string[],
  ended: number,
): Promise<{ lines: LogLine[]; code: number | null }> {
  const run = await runWorkerUntil<LogLine>([...archive, '--concurrency', '2'], ended, 45_000)
  expect(run.stderr).toBe('')
  return run
}

function commit(repo: string, file: string, text: string, date: string): void {
  writeFileSync(join(repo, file), text)
  git(repo, ['add', file])
  git(repo, ['commit', '-q', '-m', `edit ${file}`], {
    env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  })
}

/** The head revision of `refs/heads/main` in an archived snapshot, as `arca cat` prints it. */
function archivedHead(archive: readonly string[], snapshot: string): string {
  const r = arca(['cat', ...archive, `swh:1:snp:${snapshot}`])
  expect(r.status).toBe(0)
  const s = JSON.parse(r.stdout) as { branches: Record<string, { target: string }> }
  return s.branches['refs/heads/main']!.target
}

const backends: {
  name: string
  storage: () => Promise<{ url: string | null; drop(): Promise<void> }>
}[] = [
  { name: 'SQLite', storage: () => Promise.resolve({ url: null, drop: () => Promise.resolve() }) },
]
if (await postgresAvailable()) backends.push({ name: 'PostgreSQL', storage: createTestDatabase })

describe.each(backends)(
  'harvesting end to end on $name: arca schedule add, arca worker, arca visits',
  (backend) => {
    let dir: string
    let data: string
    let repoA: string
    let repoB: string
    let storage: { url: string | null; drop(): Promise<void> }
    let archive: string[]
    beforeAll(async () => {
      dir = makeTemp('arca-harvest-')
      data = join(dir, 'data')
      storage = await backend.storage()
      archive = ['--data', data, ...(storage.url ? ['--storage', storage.url] : [])]
      repoA = join(dir, 'a')
      repoB = join(dir, 'b')
      for (const repo of [repoA, repoB]) {
        git(dir, ['init', '-q', '-b', 'main', repo])
        commit(repo, 'README', `first of ${repo}\n`, '1700000000 +0000')
      }
    })
    afterAll(async () => {
      await storage.drop()
      removeTemp(dir)
    })

    it('lists two repositories, loads them with a worker process, and visits them again', async () => {
      const add = arca(['schedule', 'add', ...archive, repoA, repoB])
      expect(add.stderr).toBe('')
      expect(add.stdout).toBe('listed 2 origin(s): 2 new, 0 seen again\n')
      const urlA = `file://${repoA}`
      const urlB = `file://${repoB}`

      const first = await runWorker(archive, 2)
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
        const v = arca(['visits', ...archive, url])
        expect(v.status).toBe(0)
        expect(v.stdout).toMatch(new RegExp(`^1\\t\\S+\\tgit\\tfull\\tswh:1:snp:${snap}\\n$`))
        expect(archivedHead(archive, snap)).toBe(git(repo, ['rev-parse', 'HEAD']))
      }

      // a new commit in a; then time passes: both visits are due again, and so is the job
      commit(repoA, 'NEWS', 'second\n', '1700000500 +0000')
      const db = openSqlDatabase(storage.url ?? `sqlite:${join(data, 'graph.sqlite')}`)
      await db.run('UPDATE origin_visit_stats SET next_visit_due = 0')
      await db.run('UPDATE scheduler_job SET next_run = 0')
      await db.close()

      const second = await runWorker(archive, 2)
      expect(second.code).toBe(0)
      const endedSecond = second.lines.filter((l) => l.event === 'task_ended')
      const snapA2 = endedSecond.find((l) => l.origin === urlA)!.snapshot!
      const snapB2 = endedSecond.find((l) => l.origin === urlB)!.snapshot!
      expect(snapA2).not.toBe(snapA1)
      expect(snapB2).toBe(snapB1)
      expect(archivedHead(archive, snapA2)).toBe(git(repoA, ['rev-parse', 'HEAD']))
      const visitsA = arca(['visits', ...archive, urlA])
        .stdout.trim()
        .split('\n')
      expect(visitsA.map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['1', '2']))
      expect(visitsA).toHaveLength(2)

      const list = arca(['schedule', 'list', ...archive, '--json'])
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
      const tasks = arca(['tasks', ...archive])
      expect(tasks.stdout).toMatch(/^load-git\t0\t0\t0\t4\t0\t/m)
      expect(tasks.stdout).toMatch(/^git\t2\t2\t0\t0\t0\.0$/m)
    }, 120_000)
  },
)

describe('arca serve runs tasks in its own process (embedded store)', () => {
  it("a load task enqueued while it serves completes with the contract's result", async () => {
    const dir = makeTemp('arca-serve-worker-')
    try {
      const repo = join(dir, 'r')
      git(dir, ['init', '-q', '-b', 'main', repo])
      commit(repo, 'README', 'served\n', '1700000000 +0000')
      const data = join(dir, 'data')
      const server = await startServe(['--data', data])
      const queue = await openTaskQueue(`sqlite:${join(data, 'graph.sqlite')}`)
      try {
        const url = `file://${repo}`
        const [id] = await queue.enqueue([
          { kind: 'load-git', origin: url, args: { url }, priority: 100 },
        ])
        const end = Date.now() + 100_000
        let task = (await queue.get([id!]))[0]!
        while (task.state !== 'done' && task.state !== 'dead' && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 100))
          task = (await queue.get([id!]))[0]!
        }
        expect(task.state, server.stderr()).toBe('done')
        const result = task.result as Record<string, unknown>
        expect(result).toMatchObject({ visit: 1, status: 'full', eventful: true, message: null })
        expect(Date.parse(result['date'] as string)).toBeGreaterThan(0)
        // the loader's last progress event stayed on the task
        expect(task.progress).toMatchObject({ phase: expect.any(String) as unknown })
        expect(archivedHead(['--data', data], result['snapshot'] as string)).toBe(
          git(repo, ['rev-parse', 'HEAD']),
        )
        expect(server.stderr()).toMatch(/"event":"task_ended".*"status":"full"/)
      } finally {
        await queue.close()
        expect(await server.stop()).toBe(0)
      }
    } finally {
      removeTemp(dir)
    }
  }, 150_000)
})
