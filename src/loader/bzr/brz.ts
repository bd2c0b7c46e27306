/**
 * Running Breezy: `brz branch` to copy a remote branch into scratch space, and the Python
 * interpreter Breezy is installed for (Debian's `/usr/bin/python3`; `ARCA_BZR_PYTHON` names
 * another), to run the reader. Breezy's log goes nowhere; its errors are turned into Arca's:
 * a source that is not there (no branch, refused connection, refused credentials) is
 * `not_found`, anything else a plain failure, both with Breezy's own words.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { NotFoundError, UnavailableError } from '../../errors.js'
import { startChild } from '../core/child.js'

/** The Python interpreter with Breezy. */
export function bzrPython(): string {
  return process.env['ARCA_BZR_PYTHON'] ?? '/usr/bin/python3'
}

/** The environment of Breezy's processes: no log file, no user plugins, no prompts. */
export function brzEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BRZ_LOG: '/dev/null',
    BRZ_PLUGIN_PATH: '-user',
    BRZ_PROGRESS_BAR: 'none',
    ...extra,
  }
}

/** A value of Breezy's configuration files (ConfigObj), quoted. */
function confValue(v: string): string {
  if (/[\n\r]/.test(v) || v.includes("'''"))
    throw new UnavailableError('credentials with line breaks cannot be given to brz')
  return `'''${v}'''`
}

/**
 * Breezy's home for one load, in scratch space: its own configuration only (none of the user's),
 * and the HTTP(S) credentials of `fetchUrl` in its `authentication.conf` (mode 600), so that
 * they never appear on a command line. Returns the URL to give brz (without userinfo) and the
 * environment. With `proxy` (the load's egress proxy), every HTTP(S) connection goes through
 * it, with no exception (`no_proxy` emptied).
 */
export function brzHome(
  fetchUrl: string,
  scratch: string,
  proxy: string | null = null,
): { url: string; env: NodeJS.ProcessEnv } {
  const home = join(scratch, 'brz-home')
  mkdirSync(join(home, 'breezy'), { recursive: true, mode: 0o700 })
  const through: Record<string, string> =
    proxy === null
      ? {}
      : {
          http_proxy: proxy,
          https_proxy: proxy,
          HTTP_PROXY: proxy,
          HTTPS_PROXY: proxy,
          no_proxy: '',
          NO_PROXY: '',
        }
  const env = brzEnv({ BRZ_HOME: home, ...through })
  if (!/^https?:\/\/[^/?#]*@/i.test(fetchUrl)) return { url: fetchUrl, env }
  const u = new URL(fetchUrl)
  const user = decodeURIComponent(u.username)
  const password = decodeURIComponent(u.password)
  u.username = ''
  u.password = ''
  const lines = ['[origin]', `scheme = ${u.protocol.replace(':', '')}`, `host = ${u.hostname}`]
  if (u.port !== '') lines.push(`port = ${u.port}`)
  lines.push(`user = ${confValue(user)}`)
  if (password !== '') lines.push(`password = ${confValue(password)}`)
  writeFileSync(join(home, 'breezy', 'authentication.conf'), lines.join('\n') + '\n', {
    mode: 0o600,
  })
  return { url: u.href, env }
}

/**
 * An executable in `scratch` running OpenSSH with `options` (for `BRZ_SSH`, which Breezy takes
 * as the ssh program when it is a path; it tells the vendor from `-V`). The options are checked
 * to be plain words: they are written into a shell script.
 */
export function sshCommand(scratch: string, options: readonly string[]): string {
  if (!options.every((o) => /^[A-Za-z0-9._:=-]+$/.test(o)))
    throw new Error(`ssh options must be plain words: ${options.join(' ')}`)
  const path = join(scratch, 'brz-ssh')
  writeFileSync(path, `#!/bin/sh\nexec ssh ${options.join(' ')} "$@"\n`, { mode: 0o700 })
  return path
}

/** Breezy's messages that mean the branch is not there or not reachable. */
const NOT_FOUND =
  /Not a branch|No such file|does not exist|Connection error|Unable to connect|Name or service not known|Temporary failure in name resolution|Invalid http response|Unable to handle http code (?:401|403|404|410)|Unexpected HTTP status (?:401|403|404|410)|Unauthorized|Forbidden|authentication|Permission denied|not permitted|Transport operation not possible/i

/** The useful line of Breezy's error output. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '')
  // A credentials prompt (answered by nothing) may precede the error on its line.
  const err = lines.find((l) => l.includes('brz: ERROR:'))
  return (err ?? lines[lines.length - 1] ?? 'no message').replace(/^.*?brz: ERROR:\s*/, '').trim()
}

/**
 * Copies the branch at `url` into `dest` (which must not exist), without a working tree.
 * Throws a NotFoundError when there is no branch there, an ArcaError otherwise.
 */
export async function branchInto(
  url: string,
  dest: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<void> {
  const child = startChild('brz', ['branch', '--no-tree', '-q', url, dest], {
    env,
    signal,
    maxStderr: 16384,
  })
  const { code, error } = await child.exited
  signal?.throwIfAborted()
  if (error)
    throw new UnavailableError(`could not run brz (is Breezy installed?): ${error.message}`)
  if (code === 0) return
  const line = errorLine(child.stderr())
  if (NOT_FOUND.test(line)) throw new NotFoundError(`no Bazaar branch at ${url}: ${line}`)
  throw new UnavailableError(`brz branch ${url} failed: ${line}`)
}
