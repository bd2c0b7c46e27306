/**
 * Scratch space of loaders (`<dataDir>/tmp/`): each loader works in a directory named
 * `<kind>-<pid>-<random>` and removes it when done; a loader that was killed cannot, so opening
 * the archive removes the directories of processes that are gone (those of a live concurrent
 * loader are kept).
 *
 * @module
 */

import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { alive } from '../objstorage/index.js'

/** Pid of the process that made the scratch entry `name`, if named like one. */
export function scratchOwner(name: string): number | null {
  const m = /^[a-z]+-(\d+)-/.exec(name)
  return m ? Number(m[1]) : null
}

/** Removes the scratch entries of dead processes under `dir`; returns how many. */
export function sweepScratch(dir: string): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  for (const name of names) {
    const pid = scratchOwner(name)
    if (pid !== null && pid !== process.pid && !alive(pid)) {
      try {
        rmSync(join(dir, name), { recursive: true, force: true, maxRetries: 3 })
        removed++
      } catch {
        // A child of the dead process (`git index-pack`, say) may still be writing there
        // (ENOTEMPTY): the directory is left for the next sweep; opening the archive goes on.
      }
    }
  }
  return removed
}
