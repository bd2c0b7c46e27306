/**
 * Temporary files of the content store. Every content is written to `<root>/.tmp/` under a name
 * that starts with the writer's process id, then renamed into its sliced directory (same file
 * system: the rename is atomic). A writer killed between the two leaves its temporary file; the
 * next opening of the store removes the files of writers that are gone. Files of a live process
 * (a concurrent writer) are kept, unless they are a day old (a reused process id, or a writer on
 * another host sharing the store).
 *
 * @module
 */

import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { alive } from '../disk.js'

/** Name of the directory of temporary files, under the store's root. */
export const TMP_DIR = '.tmp'

const MAX_AGE_MS = 24 * 3600 * 1000

/** A fresh temporary name for `base`, tagged with this process's id. */
export function tempName(base: string): string {
  return `${process.pid}.${Math.random().toString(36).slice(2)}.${base}`
}

/**
 * Removes the temporary files under `<root>/.tmp` left by processes that are gone; creates the
 * directory. Returns how many files were removed.
 */
export function sweepTemps(root: string): number {
  const dir = join(root, TMP_DIR)
  mkdirSync(dir, { recursive: true })
  let removed = 0
  for (const name of readdirSync(dir)) {
    const pid = Number(/^(\d+)\./.exec(name)?.[1] ?? NaN)
    const path = join(dir, name)
    let stale = !Number.isSafeInteger(pid) || (pid !== process.pid && !alive(pid))
    if (!stale) {
      try {
        stale = Date.now() - statSync(path).mtimeMs > MAX_AGE_MS
      } catch {
        continue
      }
    }
    if (stale) {
      rmSync(path, { force: true, recursive: true })
      removed++
    }
  }
  return removed
}
