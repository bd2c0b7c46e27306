/**
 * Running Breezy: `brz branch` to copy a remote branch into scratch space, and the Python
 * interpreter Breezy is installed for (Debian's `/usr/bin/python3`; `ARCA_BZR_PYTHON` names
 * another), to run the reader. Breezy's log goes nowhere; its errors are turned into Arca's:
 * a source that is not there (no branch, refused connection, refused credentials) is
 * `not_found`, anything else a plain failure, both with Breezy's own words.
 *
 * @module
 */

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

/** Breezy's messages that mean the branch is not there or not reachable. */
const NOT_FOUND =
  /Not a branch|No such file|does not exist|Connection error|Unable to connect|Name or service not known|Temporary failure in name resolution|Invalid http response|Unable to handle http code (?:401|403|404|410)|authentication|Permission denied|not permitted|Transport operation not possible/i

/** The useful line of Breezy's error output. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '')
  const err = lines.find((l) => l.startsWith('brz: ERROR:'))
  return (err ?? lines[lines.length - 1] ?? 'no message').replace(/^brz: ERROR:\s*/, '').trim()
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
