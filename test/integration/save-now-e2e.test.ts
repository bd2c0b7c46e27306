/**
 * Save Code Now end to end, every part a real process: `arca serve` (no worker of its own), two
 * `arca worker` processes and `git daemon` on loopback (allowed by `--allow-network`), 50 save
 * requests POSTed at once through the Software Heritage API: every one ends `succeeded`, with
 * its visit's snapshot head equal to what git says; then a worker SIGKILLed in the middle of a
 * load: its request still ends `succeeded`, after the lease ran out, with one full visit.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { arca, ARCA_BIN } from '../helpers/cli.js'
import { type GitServer, startGitDaemon } from '../helpers/git-servers.js'
import { git, makeHistoryRepo } from '../helpers/repos.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

interface SaveAnswer {
  id: number
  origin_url: string
  save_request_status: string
  save_task_status: string
  visit_status: string | null
  snapshot_swhid?: string | null
}

const N = 50
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function startWorker(data: string, extra: readonly string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [
      ARCA_BIN,
      'worker',
      '--data',
      data,
      '--allow-network',
      '127.0.0.0/8',
      '--no-schedule',
      ...extra,
    ],
    { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } },
  )
}

const stopped = (p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> =>
  new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve()
    p.once('exit', () => resolve())
    p.kill(signal)
  })

describe('Save Code Now with arca serve, two arca worker processes and git daemon', () => {
  const tmp = makeTemp('arca-savenow-')
  const data = join(tmp, 'data')
  const repos = join(tmp, 'repos')
  let daemon: GitServer
  let serve: ServeProcess
  const workers: ChildProcess[] = []

  async function get(id: number): Promise<SaveAnswer> {
    const r = await fetch(`${serve.url}/api/1/origin/save/${id}/`)
    expect(r.status).toBe(200)
    return (await r.json()) as SaveAnswer
  }

  async function fullVisits(origin: string): Promise<{ status: string; snapshot: string }[]> {
    const r = await fetch(`${serve.url}/api/1/origin/${origin}/visits/?per_page=100`)
    expect(r.status).toBe(200)
    const all = (await r.json()) as { status: string; snapshot: string }[]
    return all.filter((v) => v.status === 'full')
  }

  async function untilDone(ids: readonly number[], timeoutMs: number): Promise<SaveAnswer[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const all = await Promise.all(ids.map(get))
      if (all.every((a) => a.save_task_status === 'succeeded' || a.save_task_status === 'failed'))
        return all
      if (Date.now() > deadline)
        throw new Error(
          `not done: ${JSON.stringify(all.filter((a) => a.save_task_status !== 'succeeded'))}`,
        )
      await sleep(250)
    }
  }

  beforeAll(async () => {
    mkdirSync(repos, { recursive: true })
    for (let i = 0; i < N; i++) {
      const repo = join(repos, `r${i}.git`)
      git(tmp, ['init', '-q', '--bare', '-b', 'main', repo])
      const work = join(tmp, `w${i}`)
      git(tmp, ['clone', '-q', repo, work])
      git(work, ['commit', '-q', '--allow-empty', '-m', `repository ${i}`])
      git(work, ['push', '-q', 'origin', 'HEAD:main'])
    }
    makeHistoryRepo(repos, 3000, 4, 'big.git')
    daemon = await startGitDaemon(repos)
    const prefix = arca([
      'save-request',
      'prefix',
      'add',
      'authorized',
      `${daemon.url}/`,
      '--data',
      data,
    ])
    expect(prefix.status, prefix.stderr).toBe(0)
    serve = await startServe([
      '--data',
      data,
      '--no-worker',
      '--no-rate-limit',
      '--allow-network',
      '127.0.0.0/8',
    ])
  }, 120_000)

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopped(w, 'SIGKILL')))
    await serve?.stop()
    await daemon?.stop()
    removeTemp(tmp)
  })

  it('50 requests submitted at once all end succeeded, each visit at git’s head', async () => {
    workers.push(
      startWorker(data, ['--concurrency', '3']),
      startWorker(data, ['--concurrency', '3']),
    )
    const posted = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const r = await fetch(`${serve.url}/api/1/origin/save/git/url/${daemon.url}/r${i}.git/`, {
          method: 'POST',
        })
        expect(r.status).toBe(200)
        return (await r.json()) as SaveAnswer
      }),
    )
    expect(new Set(posted.map((p) => p.save_request_status))).toEqual(new Set(['accepted']))
    const done = await untilDone(
      posted.map((p) => p.id),
      240_000,
    )
    expect(done.map((d) => d.save_task_status)).toEqual(Array(N).fill('succeeded'))
    expect(new Set(done.map((d) => d.visit_status))).toEqual(new Set(['full']))
    // each origin has one full visit, whose snapshot's main branch is git's head commit
    for (const i of [0, 17, 49]) {
      const visits = await fullVisits(`${daemon.url}/r${i}.git`)
      expect(visits).toHaveLength(1)
      const snp = (await (
        await fetch(`${serve.url}/api/1/snapshot/${visits[0]!.snapshot}/`)
      ).json()) as {
        branches: Record<string, { target: string } | null>
      }
      expect(snp.branches['refs/heads/main']?.target).toBe(
        git(join(repos, `r${i}.git`), ['rev-parse', 'main']),
      )
    }
    await Promise.all(workers.splice(0).map((w) => stopped(w)))
  }, 300_000)

  it('a worker SIGKILLed mid-load: the request still ends succeeded, with one full visit', async () => {
    const victim = startWorker(data, ['--lease', '3'])
    workers.push(victim)
    const r = await fetch(`${serve.url}/api/1/origin/save/git/url/${daemon.url}/big.git/`, {
      method: 'POST',
    })
    const { id } = (await r.json()) as SaveAnswer
    // wait until its load is running, then kill the worker without a chance to hand it back
    const deadline = Date.now() + 60_000
    while ((await get(id)).save_task_status !== 'running') {
      expect(Date.now()).toBeLessThan(deadline)
      await sleep(50)
    }
    await sleep(300)
    await stopped(victim, 'SIGKILL')
    expect((await get(id)).save_task_status).toBe('running')
    workers.push(startWorker(data, ['--lease', '3']))
    const [done] = await untilDone([id], 240_000)
    expect(done!.save_task_status).toBe('succeeded')
    expect(done!.visit_status).toBe('full')
    expect(await fullVisits(`${daemon.url}/big.git`)).toHaveLength(1)
  }, 300_000)
})
