/**
 * The generic worker on SQLite and PostgreSQL, with real handlers and real processes:
 * concurrency, heartbeats keeping a task longer than its lease, progress, retry or not as the
 * handler's error says, stop() handing back what runs past the grace period, SIGTERM to a worker
 * process handing its task back, and a SIGKILLed worker's task taken again after its lease.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { type TaskEnd, TaskFailure, type TaskHandler, Worker } from '../../src/scheduler/index.js'
import { schedulerBackends, type SchedulerUnderTest } from '../helpers/scheduler-backends.js'
import { REPO_ROOT } from '../helpers/vectors.js'

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'harvest-worker.mjs')
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Waits until `check` holds (polling), or fails after `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** A worker process of the fixture; resolves `claimed` with the first task id it claims. */
function spawnWorker(
  url: string,
  name: string,
  leaseMs: number,
  graceMs: number,
): {
  child: ChildProcess
  claimed: Promise<number>
  exit: Promise<number | null>
  out: () => string
} {
  const child = spawn(process.execPath, [FIXTURE, url, name, String(leaseMs), String(graceMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  const claimed = new Promise<number>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /claimed (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    }),
  )
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, claimed, exit, out: () => out }
}

const backends = await schedulerBackends()

describe.each(backends)('worker on $name', (backend) => {
  let s: SchedulerUnderTest | undefined
  let worker: Worker | undefined
  afterEach(async () => {
    await worker?.stop()
    worker = undefined
    await s?.teardown()
    s = undefined
  })

  it('runs at most `concurrency` tasks at once, and completes each with its result', async () => {
    s = await backend.setup()
    const ids = await s.queue.enqueue(
      Array.from({ length: 7 }, (_, i) => ({ kind: 'work', origin: `o${i}`, args: { i } })),
    )
    let running = 0
    let most = 0
    const ended: TaskEnd[] = []
    const work: TaskHandler = async (task) => {
      running++
      most = Math.max(most, running)
      await sleep(60)
      running--
      return { twice: (task.args as { i: number }).i * 2 }
    }
    worker = new Worker({
      queue: s.queue,
      name: 'w1',
      handlers: { work },
      concurrency: 3,
      idleMaxMs: 50,
      onEnded: (_t, end) => {
        ended.push(end)
        return Promise.resolve()
      },
    })
    worker.start()
    await until(() => Promise.resolve(ended.length === 7), 'seven tasks')
    expect(most).toBe(3)
    const tasks = await s.queue.get(ids)
    expect(tasks.map((t) => [t!.state, t!.attempts, t!.result])).toEqual(
      ids.map((_, i) => ['done', 1, { twice: i * 2 }]),
    )
    expect(ended.every((e) => e.state === 'done')).toBe(true)
  })

  it('heartbeats keep a task running past its lease; its progress is stored, throttled', async () => {
    s = await backend.setup()
    const [id] = await s.queue.enqueue([{ kind: 'long', origin: 'o' }])
    let reports = 0
    const long: TaskHandler = async (_task, ctx) => {
      // five leases long, progress reported often
      for (let i = 1; i <= 50; i++) {
        await sleep(80)
        ctx.progress({ step: i })
        reports++
      }
      return 'finished'
    }
    worker = new Worker({
      queue: s.queue,
      name: 'w1',
      handlers: { long },
      leaseMs: 1000,
      progressMs: 200,
      idleMaxMs: 50,
    })
    worker.start()
    // once w1 holds it (before, a claimer could simply be first: seen in CI), another worker
    // keeps trying to claim the task: a lease that ran out would hand it over
    await until(async () => (await s!.queue.get([id!]))[0]!.worker === 'w1', 'w1 to claim it')
    const stolen: number[] = []
    await until(async () => {
      for (const t of await s!.queue.claim('thief', { leaseMs: 1000 })) stolen.push(t.id)
      return (await s!.queue.get([id!]))[0]!.state === 'done'
    }, 'the long task')
    expect(stolen).toEqual([])
    const [t] = await s.queue.get([id!])
    expect(t).toMatchObject({ state: 'done', attempts: 1, worker: 'w1', result: 'finished' })
    // the last progress is there, though not every report was written
    expect(t!.progress).toEqual({ step: 50 })
    expect(reports).toBe(50)
  })

  it('a worker with every slot busy still reaps leases that ran out', async () => {
    s = await backend.setup()
    const [long, orphan] = await s.queue.enqueue([
      { kind: 'long', origin: 'a', priority: 1 },
      { kind: 'orphan', origin: 'b' },
    ])
    // a worker that vanished holds the orphan with a short lease
    const [held] = await s.queue.claim('ghost', { kinds: ['orphan'], leaseMs: 200 })
    expect(held!.id).toBe(orphan)
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    worker = new Worker({
      queue: s.queue,
      name: 'w1',
      leaseMs: 400,
      idleMaxMs: 50,
      handlers: { long: () => gate.then(() => 'done') },
    })
    worker.start()
    await until(
      async () => (await s!.queue.get([long!]))[0]!.state === 'running',
      'the long task to start',
    )
    // no claim runs while the only slot is busy: the reaper hands the orphan back
    await until(
      async () => (await s!.queue.get([orphan!]))[0]!.state === 'queued',
      'the orphan reaped',
    )
    expect((await s.queue.get([orphan!]))[0]!.lastError).toMatch(/worker ghost stopped/)
    release()
  })

  it('a handler error is retried; a TaskFailure without retry kills the task', async () => {
    s = await backend.setup({ backoff: { baseMs: 3_600_000 } })
    const [flaky, hopeless] = await s.queue.enqueue([
      { kind: 'flaky', origin: 'a' },
      { kind: 'hopeless', origin: 'b' },
    ])
    const ended = new Map<number, TaskEnd>()
    worker = new Worker({
      queue: s.queue,
      name: 'w1',
      idleMaxMs: 50,
      handlers: {
        flaky: () => Promise.reject(new Error('connection reset')),
        hopeless: () =>
          Promise.reject(new TaskFailure('repository not found', { retry: false, result: 42 })),
      },
      onEnded: (t, end) => {
        ended.set(t.id, end)
        return Promise.resolve()
      },
    })
    worker.start()
    await until(() => Promise.resolve(ended.size === 2), 'both tasks')
    expect(ended.get(flaky!)).toEqual({
      state: 'failed',
      outcome: 'retry',
      error: 'connection reset',
      result: null,
    })
    expect(ended.get(hopeless!)).toEqual({
      state: 'failed',
      outcome: 'dead',
      error: 'repository not found',
      result: 42,
    })
    const [a, b] = await s.queue.get([flaky!, hopeless!])
    expect(a).toMatchObject({ state: 'queued', attempts: 1, lastError: 'connection reset' })
    expect(b).toMatchObject({ state: 'dead', lastError: 'repository not found' })
  })

  it('stop(): claims nothing more, lets short tasks finish, aborts and hands back long ones', async () => {
    s = await backend.setup()
    const [short, long, later] = await s.queue.enqueue([
      { kind: 'short', origin: 'a', priority: 2 },
      { kind: 'long', origin: 'b', priority: 1 },
      { kind: 'short', origin: 'c', notBefore: Date.now() + 3_600_000 },
    ])
    let aborted = false
    let started = 0
    worker = new Worker({
      queue: s.queue,
      name: 'w1',
      concurrency: 2,
      graceMs: 300,
      idleMaxMs: 50,
      handlers: {
        short: async () => {
          started++
          await sleep(100)
          return 'short done'
        },
        long: (_t, ctx) =>
          new Promise((_resolve, reject) => {
            started++
            ctx.signal.addEventListener('abort', () => {
              aborted = true
              reject(new Error('aborted'))
            })
          }),
      },
    })
    worker.start()
    await until(() => Promise.resolve(started === 2), 'two tasks started')
    await worker.stop()
    expect(aborted).toBe(true)
    const [a, b, c] = await s.queue.get([short!, long!, later!])
    expect(a).toMatchObject({ state: 'done', result: 'short done' })
    expect(b).toMatchObject({ state: 'queued', attempts: 0, leaseUntil: null })
    expect(c).toMatchObject({ state: 'queued', attempts: 0 })
  })

  it('SIGTERM to a worker process: its running task is handed back, the attempt not counted', async () => {
    s = await backend.setup()
    const [id] = await s.queue.enqueue([{ kind: 'hold', origin: 'o', args: { ms: 600_000 } }])
    const w = spawnWorker(s.url, 'p1', 60_000, 200)
    expect(await w.claimed).toBe(id)
    w.child.kill('SIGTERM')
    expect(await w.exit).toBe(0)
    expect(w.out()).toMatch(/stopped\n$/)
    expect((await s.queue.get([id!]))[0]).toMatchObject({ state: 'queued', attempts: 0 })
    // and the next worker takes it at once
    const [again] = await s.queue.claim('w2', { leaseMs: 1000 })
    expect(again).toMatchObject({ id, attempts: 1, worker: 'w2' })
  })

  it('a SIGKILLed worker process: its task is taken again by another once the lease ran out', async () => {
    s = await backend.setup()
    const [id] = await s.queue.enqueue([{ kind: 'hold', origin: 'o', args: { ms: 600_000 } }])
    const w = spawnWorker(s.url, 'p1', 600, 200)
    expect(await w.claimed).toBe(id)
    w.child.kill('SIGKILL')
    await w.exit
    expect((await s.queue.get([id!]))[0]).toMatchObject({ state: 'running', worker: 'p1' })
    const ended: TaskEnd[] = []
    worker = new Worker({
      queue: s.queue,
      name: 'w2',
      idleMaxMs: 50,
      handlers: { hold: () => Promise.resolve('taken over') },
      onEnded: (_t, end) => {
        ended.push(end)
        return Promise.resolve()
      },
    })
    worker.start()
    await until(() => Promise.resolve(ended.length === 1), 'the task taken over')
    const [t] = await s.queue.get([id!])
    expect(t).toMatchObject({ state: 'done', attempts: 2, worker: 'w2', result: 'taken over' })
    expect(t!.lastError).toMatch(/lease expired: worker p1 stopped heartbeating/)
  })
})
