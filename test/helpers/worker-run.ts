/**
 * Running the real `arca worker` in its own process until a number of tasks ended, for the
 * end-to-end tests of harvesting and listing.
 */
import { spawn } from 'node:child_process'

import { ARCA_BIN } from './cli.js'

/** How a worker run ended: its JSON log lines, exit code and standard error. */
export interface WorkerRun<T> {
  readonly lines: T[]
  readonly code: number | null
  readonly stderr: string
}

/**
 * Runs `arca worker ARGS` until its log shows `ended` `task_ended` events, then SIGTERMs it
 * and waits for its exit; rejects, with what it printed, when that takes over `timeoutMs`.
 */
export async function runWorkerUntil<T = Record<string, unknown>>(
  args: readonly string[],
  ended: number,
  timeoutMs = 90_000,
): Promise<WorkerRun<T>> {
  const child = spawn(process.execPath, [ARCA_BIN, 'worker', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker did not finish: ${out}${err}`)),
        timeoutMs,
      )
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if ((out.match(/"event":"task_ended"/g) ?? []).length >= ended) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  } finally {
    child.kill('SIGTERM')
  }
  const code = await exit
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T)
  return { lines, code, stderr: err }
}
