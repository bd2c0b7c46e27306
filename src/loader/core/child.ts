/**
 * Supervised child processes for loaders: every process one starts (`git upload-pack`, `brz`,
 * `index-pack`, `cat-file`, …) has its standard error captured up to a bound, errors on its
 * stdin swallowed (a process that died is reported by its exit, not by an EPIPE), an exit that
 * is always awaited (a promise that never rejects, spawn failures included), and is killed when
 * the load is aborted. {@link Watchdog} turns "no bytes for N seconds" into an error.
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process'

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Set when the process could not be started. */
  readonly error: Error | null
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly stdin?: 'pipe' | 'ignore'
  readonly stdout?: 'pipe' | 'ignore'
  /** Kill the process when this aborts. */
  readonly signal?: AbortSignal | undefined
  /** Bytes of standard error kept (default 8 KiB). */
  readonly maxStderr?: number
}

/** A started child process. */
export interface Child {
  readonly proc: ChildProcess
  readonly exited: Promise<ChildExit>
  /** Whether the process has ended (or never started). */
  readonly done: boolean
  /** What it wrote to standard error (the first bytes), trimmed. */
  stderr(): string
  /** Kills the process (SIGKILL) if it still runs; resolves once it is gone. */
  kill(): Promise<ChildExit>
  /** Closes its stdin and waits for the exit, killing it after `graceMs`. */
  end(graceMs?: number): Promise<ChildExit>
}

/**
 * Starts `cmd args` under supervision.
 *
 * @example
 * ```ts
 * const c = startChild('git', ['-C', repo, 'index-pack', '--stdin'], { stdin: 'pipe' })
 * c.proc.stdin!.end(pack)
 * const { code } = await c.exited
 * if (code !== 0) throw new Error(c.stderr())
 * ```
 */
export function startChild(
  cmd: string,
  args: readonly string[],
  options: ChildOptions = {},
): Child {
  const max = options.maxStderr ?? 8192
  const proc = spawn(cmd, [...args], {
    env: options.env ?? process.env,
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'],
  })
  let err = ''
  let done = false
  proc.stderr?.on('data', (d: Buffer) => {
    if (err.length < max) err += d.toString('utf8', 0, Math.min(d.length, max - err.length))
  })
  proc.stdin?.on('error', () => undefined)
  proc.stdout?.on('error', () => undefined)
  const exited = new Promise<ChildExit>((resolve) => {
    proc.on('error', (e) => {
      // A spawn failure emits no 'exit'; a kill failure of a running process is ignored.
      if (proc.pid === undefined) {
        done = true
        resolve({ code: null, signal: null, error: e })
      }
    })
    proc.once('exit', (code, signal) => {
      done = true
      resolve({ code, signal, error: null })
    })
  })
  const kill = (): Promise<ChildExit> => {
    if (!done) proc.kill('SIGKILL')
    return exited
  }
  const onAbort = (): void => void kill()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) onAbort()
  void exited.then(() => options.signal?.removeEventListener('abort', onAbort))
  return {
    proc,
    exited,
    get done() {
      return done
    },
    stderr: () => err.trim(),
    kill,
    async end(graceMs = 5000) {
      if (done) return exited
      proc.stdin?.end()
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      const r = await exited
      clearTimeout(timer)
      return r
    },
  }
}

/** Calls `onStall` when {@link Watchdog.touch} was not called for `ms` milliseconds. */
export class Watchdog {
  #timer: NodeJS.Timeout | null = null

  constructor(
    readonly ms: number,
    readonly onStall: () => void,
  ) {
    this.touch()
  }

  /** Something happened: the countdown starts again. */
  touch(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(this.onStall, this.ms)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }
}

/** Default stall timeout: a transfer that brings no byte for this long is abandoned. */
export const DEFAULT_STALL_TIMEOUT_MS = 120_000
