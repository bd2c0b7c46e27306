/**
 * Runs the git binary on a scratch repository (supervised, see `child.ts`).
 *
 * @module
 */

import { CorruptError } from '../../errors.js'
import { gitEnv } from '../../fromdisk/index.js'
import { startChild } from './child.js'

/** Runs git in `repo`; resolves with stdout. */
export async function runGit(repo: string, args: string[]): Promise<Buffer> {
  const child = startChild(
    'git',
    ['-c', 'core.fsmonitor=false', ...(args[0] === 'init' ? [] : ['-C', repo]), ...args],
    { env: gitEnv(repo), stdout: 'pipe' },
  )
  const out: Buffer[] = []
  child.proc.stdout!.on('data', (d: Buffer) => out.push(d))
  const { code, error } = await child.exited
  if (code !== 0)
    throw new CorruptError(`git ${args[0]} failed: ${error?.message ?? child.stderr()}`)
  return Buffer.concat(out)
}
