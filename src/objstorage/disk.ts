/**
 * What every content store backend on a local disk shares: whether a writer process still runs
 * (to tell its leftovers from a live writer's work), and full-disk errors that name what was
 * being written.
 *
 * @module
 */

import { ArcaError, IoError } from '../errors.js'

/** Whether the process `pid` runs (on this host). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A full disk as a clear I/O error naming what was being written; other errors unchanged. */
export function diskError(e: unknown, what: string): unknown {
  if (e instanceof ArcaError) return e
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL')
    return new IoError(`No space left on device while writing ${what}`, { cause: e })
  return e
}
