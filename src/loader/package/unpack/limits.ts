/**
 * Bounds of unpacking one artifact (archive bombs): total bytes written, ratio of unpacked to
 * packed bytes, number of entries, depth of paths, length of one name. Each refusal is an
 * {@link UnpackRefusal} whose message names the limit, the entry and the archive.
 *
 * @module
 */

import { InvalidInputError } from '../../../errors.js'

/** The bounds of unpacking. */
export interface UnpackLimits {
  /** Bytes of file data written in all (default 8 GiB). */
  readonly maxBytes: number
  /** Unpacked bytes per packed byte, checked once past {@link ratioFloor} (default 1000). */
  readonly maxRatio: number
  /** Unpacked size under which the ratio is not checked (default 64 MiB). */
  readonly ratioFloor: number
  /** Entries (files, directories, links) in all (default 1,000,000). */
  readonly maxEntries: number
  /** Names in one path (default 256). */
  readonly maxDepth: number
}

/** The default bounds. */
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  maxBytes: 8 * 1024 ** 3,
  maxRatio: 1000,
  ratioFloor: 64 * 1024 ** 2,
  maxEntries: 1_000_000,
  maxDepth: 256,
}

/** An archive refused (hostile or unsupported shape): the visit names it. */
export class UnpackRefusal extends InvalidInputError {}

/** Counts what an unpacking wrote, refusing past the limits. */
export class UnpackBudget {
  readonly limits: UnpackLimits
  readonly #packed: number
  readonly #archive: string
  bytes = 0
  entries = 0

  constructor(archive: string, packedBytes: number, limits: Partial<UnpackLimits> = {}) {
    this.limits = { ...DEFAULT_UNPACK_LIMITS, ...limits }
    this.#packed = Math.max(1, packedBytes)
    this.#archive = archive
  }

  refuse(what: string): never {
    throw new UnpackRefusal(`refused to unpack ${this.#archive}: ${what}`)
  }

  entry(name: string, depth: number): void {
    if (++this.entries > this.limits.maxEntries)
      this.refuse(`more than ${this.limits.maxEntries} entries (archive bomb?)`)
    if (depth > this.limits.maxDepth)
      this.refuse(`"${name}" is nested deeper than ${this.limits.maxDepth} directories`)
  }

  data(n: number): void {
    this.bytes += n
    if (this.bytes > this.limits.maxBytes)
      this.refuse(`it unpacks to more than ${this.limits.maxBytes} bytes (archive bomb?)`)
    if (this.bytes > this.limits.ratioFloor && this.bytes / this.#packed > this.limits.maxRatio)
      this.refuse(
        `it unpacks to more than ${this.limits.maxRatio} times its ${this.#packed} bytes (archive bomb?)`,
      )
  }
}
