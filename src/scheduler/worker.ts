/**
 * The worker: claims tasks from a {@link TaskQueue} and runs them with the handler of their
 * kind, up to `concurrency` at once. Generic: the handlers (a load, a listing, a cooking) are
 * given by whoever starts the worker; the scheduler knows nothing of loaders.
 *
 * Each running task's lease is extended every `heartbeatMs` (a third of the lease by default);
 * a heartbeat refused (the lease ran out and another worker took the task) aborts the handler,
 * and its outcome is dropped. A handler's return value completes the task; a throw fails it,
 * retried after the queue's backoff unless it is a {@link TaskFailure} with `retry: false`.
 * Progress a handler reports is written to the task at most once per `progressMs`.
 *
 * `stop()` (the CLI calls it on SIGTERM / SIGINT): nothing more is claimed; running tasks have
 * `graceMs` to finish; then they are aborted and their leases released (handed back, the attempt
 * not counted), so another worker takes them at once.
 *
 * @module
 */

import type { ClaimedTask, FailOutcome, TaskQueue } from './interface.js'

/** What a handler gets besides its task. */
export interface TaskContext {
  /** Aborted when the worker stops past its grace period, or the lease was lost. */
  readonly signal: AbortSignal
  /** Reports progress (JSON-serialisable); the latest is written to the task, throttled. */
  progress(value: unknown): void
}

/** Runs one task; its return value is the task's result. */
export type TaskHandler = (task: ClaimedTask, context: TaskContext) => Promise<unknown>

/** A handler's failure that says whether a retry can help, and what it found. */
export class TaskFailure extends Error {
  /** False: the task is dead at once (default true). */
  readonly retry: boolean
  /** What the attempt found (e.g. the failed visit), for {@link WorkerInit.onEnded}. */
  readonly result: unknown
  constructor(message: string, init: { retry?: boolean; result?: unknown } = {}) {
    super(message)
    this.name = 'TaskFailure'
    this.retry = init.retry ?? true
    this.result = init.result ?? null
  }
}

/** How a task's run ended, as the worker saw it. */
export type TaskEnd =
  | { readonly state: 'done'; readonly result: unknown }
  /** Failed: `outcome` is the queue's answer (`retry`, `dead`, or `lost`). */
  | {
      readonly state: 'failed'
      readonly outcome: FailOutcome
      readonly error: string
      readonly result: unknown
    }
  /** Handed back unfinished (worker stopping). */
  | { readonly state: 'released' }
  /** The lease was lost (another worker has the task now); nothing was recorded. */
  | { readonly state: 'lost' }

/** What the worker reports, for logs. */
export type WorkerEvent =
  | { readonly event: 'claimed'; readonly task: ClaimedTask }
  | {
      readonly event: 'ended'
      readonly task: ClaimedTask
      readonly end: TaskEnd
      readonly durationMs: number
    }
  | { readonly event: 'error'; readonly error: string }
  | { readonly event: 'stopping'; readonly running: number }

/** A job the worker runs every `everyMs` while it runs (e.g. scheduling due visits). */
export interface PeriodicJob {
  readonly everyMs: number
  run(): Promise<void>
}

/** Settings of {@link Worker}. */
export interface WorkerInit {
  readonly queue: TaskQueue
  /** This worker's name in the queue (host and pid, say). */
  readonly name: string
  /** Handler per task kind; the worker claims only these kinds. */
  readonly handlers: Readonly<Record<string, TaskHandler>>
  /** Tasks run at once (default 1). */
  readonly concurrency?: number
  /** Lease of a claim (default 60 s). */
  readonly leaseMs?: number
  /** Interval of heartbeats (default a third of the lease). */
  readonly heartbeatMs?: number
  /** Longest wait between two claims when the queue is empty (default 2 s; starts at 1/20). */
  readonly idleMaxMs?: number
  /** How long running tasks may go on after `stop()` (default 30 s). */
  readonly graceMs?: number
  /** Least interval of progress writes per task (default 1 s). */
  readonly progressMs?: number
  /** Called after a task ended (and was recorded in the queue); errors are reported, not thrown. */
  readonly onEnded?: (task: ClaimedTask, end: TaskEnd) => Promise<void>
  readonly onEvent?: (event: WorkerEvent) => void
  readonly periodic?: readonly PeriodicJob[]
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** One running task. */
interface Running {
  readonly task: ClaimedTask
  readonly abort: AbortController
  finished: Promise<void>
  /** Set once stop() has given up waiting: the outcome is released instead of recorded. */
  handBack: boolean
  lost: boolean
}

/**
 * A worker over a queue.
 *
 * @example
 * ```ts
 * const worker = new Worker({ queue, name: 'w1', handlers: { noop: async () => ({ ok: true }) } })
 * worker.start()
 * process.once('SIGTERM', () => void worker.stop())
 * await worker.done
 * ```
 */
export class Worker {
  readonly #init: WorkerInit
  readonly #concurrency: number
  readonly #leaseMs: number
  readonly #running = new Map<number, Running>()
  #stopping = false
  #wake: (() => void) | null = null
  #done: Promise<void> | null = null
  #timers: NodeJS.Timeout[] = []
  /** Periodic jobs in flight (awaited by stop, so nothing runs after it). */
  readonly #jobs = new Set<Promise<void>>()

  constructor(init: WorkerInit) {
    this.#init = init
    this.#concurrency = init.concurrency ?? 1
    this.#leaseMs = init.leaseMs ?? 60_000
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1)
      throw new RangeError('worker concurrency must be an integer ≥ 1')
  }

  /** Settles when the worker has stopped (after `stop()`, every task ended or handed back). */
  get done(): Promise<void> {
    return this.#done ?? Promise.resolve()
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running.size
  }

  /** Starts claiming. */
  start(): void {
    if (this.#done) return
    // leases that ran out are reaped by every claim; this covers a worker whose slots are full
    const reaper: PeriodicJob = {
      everyMs: this.#leaseMs,
      run: async () => {
        await this.#init.queue.reapExpired()
      },
    }
    for (const job of [reaper, ...(this.#init.periodic ?? [])]) {
      const tick = (): void => {
        if (this.#stopping) return
        const p = job
          .run()
          .catch((e: unknown) => this.#emit({ event: 'error', error: errorText(e) }))
          .finally(() => this.#jobs.delete(p))
        this.#jobs.add(p)
      }
      this.#timers.push(setInterval(tick, job.everyMs))
      tick()
    }
    this.#done = this.#loop()
  }

  /**
   * Claims nothing more; waits up to the grace period for running tasks, then aborts them and
   * releases their leases. Resolves once every task ended or was handed back.
   */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true
      for (const t of this.#timers) clearInterval(t)
      this.#emit({ event: 'stopping', running: this.#running.size })
      this.#wake?.()
    }
    await this.done
    await Promise.all([...this.#jobs])
  }

  #emit(e: WorkerEvent): void {
    this.#init.onEvent?.(e)
  }

  async #loop(): Promise<void> {
    const kinds = Object.keys(this.#init.handlers)
    const idleMax = this.#init.idleMaxMs ?? 2000
    let idle = idleMax / 20
    while (!this.#stopping) {
      const room = this.#concurrency - this.#running.size
      let claimed: ClaimedTask[] = []
      if (room > 0 && kinds.length > 0) {
        try {
          claimed = await this.#init.queue.claim(this.#init.name, {
            kinds,
            limit: room,
            leaseMs: this.#leaseMs,
          })
        } catch (e) {
          this.#emit({ event: 'error', error: `claim: ${errorText(e)}` })
        }
      }
      if (this.#stopping) {
        // claimed while stop() was called: hand back at once
        for (const t of claimed) await this.#init.queue.release(t.lease).catch(() => false)
        break
      }
      for (const t of claimed) this.#run(t)
      if (claimed.length > 0 && claimed.length === room) {
        idle = idleMax / 20
        continue
      }
      // wait: for a slot to free, for stop(), or for the idle backoff to pass
      const wait = claimed.length > 0 ? idleMax / 20 : idle
      if (claimed.length === 0 && room > 0) idle = Math.min(idleMax, idle * 2)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, room > 0 ? wait : 1 << 30)
        this.#wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#wake = null
    }
    await this.#drain()
  }

  /** After stop(): the grace period, then abort and hand back what still runs. */
  async #drain(): Promise<void> {
    const all = (): Promise<unknown> =>
      Promise.all([...this.#running.values()].map((r) => r.finished))
    if (this.#running.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#init.graceMs ?? 30_000)
    })
    await Promise.race([all(), grace])
    clearTimeout(timer)
    if (this.#running.size === 0) return
    for (const r of this.#running.values()) {
      r.handBack = true
      r.abort.abort(new Error(`worker ${this.#init.name} stopping`))
    }
    await all()
  }

  #run(task: ClaimedTask): void {
    const abort = new AbortController()
    const started = performance.now()
    this.#emit({ event: 'claimed', task })
    const r: Running = {
      task,
      abort,
      handBack: false,
      lost: false,
      finished: Promise.resolve(),
    }
    const finished = this.#execute(r).then(async (end) => {
      clearInterval(heartbeat)
      this.#running.delete(task.id)
      this.#emit({ event: 'ended', task, end, durationMs: performance.now() - started })
      if (this.#init.onEnded)
        await this.#init
          .onEnded(task, end)
          .catch((e: unknown) =>
            this.#emit({ event: 'error', error: `after task ${task.id}: ${errorText(e)}` }),
          )
      this.#wake?.()
    })
    r.finished = finished
    this.#running.set(task.id, r)
    const heartbeat = setInterval(
      () => {
        this.#init.queue.heartbeat(task.lease, this.#leaseMs).then(
          (ok) => {
            if (!ok && !r.lost) {
              r.lost = true
              abort.abort(new Error(`lease of task ${task.id} lost`))
            }
          },
          (e: unknown) =>
            this.#emit({ event: 'error', error: `heartbeat of task ${task.id}: ${errorText(e)}` }),
        )
      },
      this.#init.heartbeatMs ?? this.#leaseMs / 3,
    )
  }

  /** Runs the handler and records its outcome in the queue. */
  async #execute(r: Running): Promise<TaskEnd> {
    const { task, abort } = r
    const queue = this.#init.queue
    const progressMs = this.#init.progressMs ?? 1000
    let latest: { value: unknown } | null = null
    let lastWrite = 0
    let writing: Promise<unknown> = Promise.resolve()
    const flushProgress = (): void => {
      if (latest === null) return
      const value = latest.value
      latest = null
      lastWrite = performance.now()
      writing = writing.then(() => queue.progress(task.lease, value).catch(() => false))
    }
    const context: TaskContext = {
      signal: abort.signal,
      progress(value: unknown) {
        latest = { value }
        if (performance.now() - lastWrite >= progressMs) flushProgress()
      },
    }
    const handler = this.#init.handlers[task.kind]
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown }
    try {
      if (!handler) throw new TaskFailure(`no handler for task kind ${task.kind}`)
      outcome = { ok: true, result: await handler(task, context) }
    } catch (e) {
      outcome = { ok: false, error: e }
    }
    flushProgress()
    await writing
    if (r.lost) return { state: 'lost' }
    try {
      if (r.handBack) {
        return (await queue.release(task.lease)) ? { state: 'released' } : { state: 'lost' }
      }
      if (outcome.ok) {
        return (await queue.complete(task.lease, outcome.result))
          ? { state: 'done', result: outcome.result }
          : { state: 'lost' }
      }
      const e = outcome.error
      const failure = e instanceof TaskFailure ? e : null
      const error = errorText(e)
      const result = failure?.result ?? null
      const state = await queue.fail(task.lease, error, { retry: failure?.retry ?? true })
      return state === 'lost'
        ? { state: 'lost' }
        : { state: 'failed', outcome: state, error, result }
    } catch (e) {
      // the queue is unreachable: the lease runs out and the task is taken again
      this.#emit({ event: 'error', error: `recording task ${task.id}: ${errorText(e)}` })
      return { state: 'lost' }
    }
  }
}
