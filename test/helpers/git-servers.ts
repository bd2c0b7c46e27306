/**
 * Real git servers on loopback for loader tests: `git daemon` (git://) and `git http-backend`
 * behind a small CGI bridge (smart HTTP), both serving a directory of repositories.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { join } from 'node:path'

import { REPO_ROOT } from './vectors.js'

/** A running server: its base URL and a stop function. */
export interface GitServer {
  readonly url: string
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** Starts `git daemon` exporting every repository under `root` (git://127.0.0.1:PORT/name). */
export async function startGitDaemon(root: string): Promise<GitServer> {
  const port = await freePort()
  const proc: ChildProcess = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--export-all',
      '--listen=127.0.0.1',
      `--port=${port}`,
      `--base-path=${root}`,
      root,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let ready = false
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('git daemon did not start')), 10_000)
    const poll = async (): Promise<void> => {
      while (!ready) {
        const ok = await new Promise<boolean>((res) => {
          const s = createNetServer()
          s.once('error', () => res(true)) // port taken: daemon is listening
          s.listen(port, '127.0.0.1', () => s.close(() => res(false)))
        })
        if (ok) {
          ready = true
          clearTimeout(deadline)
          resolve()
          return
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    void poll()
  })
  return {
    url: `git://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}

/** Options of {@link startHttpBackend}. */
export interface HttpBackendOptions {
  /** Answer 401 to every request for repositories whose name starts with this. */
  readonly requireAuthPrefix?: string
  /** With `requireAuthPrefix`: serve requests carrying these Basic credentials (`user:password`). */
  readonly basicAuth?: string
  /** Speak git protocol version 0 only. */
  readonly v0Only?: boolean
  /** Cut the connection after this many response bytes of an upload-pack request. */
  readonly dropAfterBytes?: number
  /** Stop sending (keeping the connection open) after this many upload-pack response bytes. */
  readonly stallAfterBytes?: number
  /** Append one line per upload-pack request (path and command) to this file. */
  readonly logFile?: string
}

/**
 * Starts `git http-backend` behind a CGI bridge for repositories under `root`, in a child
 * process (so tests may run the CLI synchronously).
 */
export async function startHttpBackend(
  root: string,
  options: HttpBackendOptions = {},
): Promise<GitServer> {
  const args = [join(REPO_ROOT, 'test', 'fixtures', 'git-http-server.mjs'), root]
  if (options.requireAuthPrefix) args.push('--auth-prefix', options.requireAuthPrefix)
  if (options.basicAuth !== undefined) args.push('--basic-auth', options.basicAuth)
  if (options.v0Only) args.push('--v0')
  if (options.dropAfterBytes !== undefined)
    args.push('--drop-after', String(options.dropAfterBytes))
  if (options.stallAfterBytes !== undefined)
    args.push('--stall-after', String(options.stallAfterBytes))
  if (options.logFile !== undefined) args.push('--log', options.logFile)
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error('git http server did not start')), 10_000)
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(t)
        resolve(Number(m[1]))
      }
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}
