/**
 * What a failed fetch means, and what it leaves behind: the error of an `index-pack` that
 * refused the pack (a full disk is an I/O error, anything else a corrupt pack), and the removal
 * of the partial pack files a killed `index-pack` leaves in the scratch repository.
 *
 * @module
 */

import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { type ArcaError, CorruptError, IoError, isArcaError } from '../../errors.js'

/** The error for a pack `index-pack` did not accept, from its standard error. */
export function packError(url: string, scratch: string, stderr: string): ArcaError {
  if (/no space left on device/i.test(stderr))
    return new IoError(
      `No space left on device while writing the pack fetched from ${url} into ${scratch}`,
    )
  return new CorruptError(`The pack received from ${url} is invalid: ${stderr}`)
}

/** Removes the `tmp_pack_*` / `tmp_idx_*` files of index-pack runs that did not finish. */
export function removePartialPacks(scratch: string): void {
  const dir = join(scratch, 'objects', 'pack')
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const n of names) if (/^tmp_(pack|idx|rev)_/.test(n)) rmSync(join(dir, n), { force: true })
}

/**
 * Whether a failed fetch ends the visit rather than being retried with fewer wants: the
 * repository is gone, the load was interrupted, or a local I/O failure (a full disk).
 */
export function fatalFetchError(e: unknown, signal: AbortSignal | undefined): boolean {
  return isAbort(e, signal) || isArcaError(e, 'not_found') || isArcaError(e, 'io')
}

/** Whether `e` comes from aborting `signal` (the load was interrupted). */
export function isAbort(e: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (e instanceof Error && e.name === 'AbortError')
}
