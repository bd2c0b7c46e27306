import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

import { ARCA_BIN } from './cli.js'

/** A running `arca serve` child process. */
export interface ServeProcess {
  readonly url: string
  readonly child: ChildProcess
  readonly pid: number
  /** What it printed on stderr so far. */
  stderr(): string
  /** Resident memory of the process, in bytes (from /proc). */
  rss(): number
  /** Sends `signal` and waits for the exit; returns the exit code (null if killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `arca serve --port 0 ARGS` and waits until it prints its address. */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [ARCA_BIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  let err = ''
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8')
      const m = / at (http:\/\/[^/\s]+)\//.exec(err)
      if (m && child.pid !== undefined) {
        const url = m[1]!
        resolve({
          url,
          child,
          pid: child.pid,
          stderr: () => err,
          rss: () => {
            const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
            return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
          },
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          },
        })
      }
    })
    child.once('error', reject)
    void exited.then((code) => reject(new Error(`arca serve exited (${code}): ${err}`)))
  })
}

/**
 * A request to a running server: a bearer token, a JSON or form body; the answer's body parsed
 * as JSON when it is (pages stay text), redirects not followed.
 */
export async function call(
  server: ServeProcess,
  method: string,
  path: string,
  init: { token?: string; body?: unknown; form?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = {}
  if (init.token) headers['Authorization'] = `Bearer ${init.token}`
  let body: string | null = null
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(init.body)
  } else if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(init.form).toString()
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, body, redirect: 'manual' })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // pages stay text
  }
  return { status: res.status, headers: res.headers, body: parsed }
}
