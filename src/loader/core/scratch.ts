/**
 * Scratch space of one load: directories named `<kind>-<pid>-<random>` under the archive's
 * scratch dir (the name tells the sweep whose they are), all removed when the load ends.
 * Making one first removes those left by loaders that were killed (their process is gone), so
 * scratch space never accumulates.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { sweepScratch } from '../../storage/index.js'

/** The scratch directories of one load. */
export class ScratchSpace {
  readonly #dir: string
  readonly #made: string[] = []

  constructor(dir: string) {
    this.#dir = dir
  }

  /** A fresh directory for `kind` (lower-case letters: `git`, `hg`, `tar`, …). */
  make(kind: string): string {
    if (!/^[a-z]+$/.test(kind)) throw new Error(`bad scratch kind "${kind}"`)
    sweepScratch(this.#dir)
    const d = mkdtempSync(join(this.#dir, `${kind}-${process.pid}-`))
    this.#made.push(d)
    return d
  }

  /** Removes every directory made (idempotent). */
  removeAll(): void {
    for (const d of this.#made.splice(0)) rmSync(d, { recursive: true, force: true })
  }
}
