/**
 * What a CVS source gives the producer, whatever the access: the module's files (their paths
 * in the revision trees), the changesets, and the checked-out text of any file revision (as a
 * scratch file, removed once used).
 *
 * @module
 */

import type { Changeset } from './changesets.js'

/** Checked-out file revisions. */
export interface TextSource {
  /** The path of a scratch file holding revision `rev` of file `file`, keywords expanded. */
  text(file: number, rev: string): Promise<string>
  /** Releases connections. */
  close(): void
}

/** A listed CVS module. */
export interface CvsListing {
  /** Each file's path in the revision's tree (module-relative), by file index. */
  readonly files: readonly Uint8Array[]
  /** The changesets in history order. */
  readonly changesets: readonly Changeset[]
  readonly texts: TextSource
}

const SLASH = 0x2f

/**
 * The tree path of an RCS file path: `,v` dropped, an `Attic` parent dropped, and the part up
 * to the module (`root/module/`) dropped; null when the path is not inside the module.
 */
export function modulePath(rcsPath: Uint8Array, prefix: Uint8Array): Uint8Array | null {
  let p = Buffer.from(rcsPath)
  if (p.length > 2 && p[p.length - 2] === 0x2c && p[p.length - 1] === 0x76) p = p.subarray(0, -2)
  const last = p.lastIndexOf(SLASH)
  if (last > 0) {
    const parentStart = p.lastIndexOf(SLASH, last - 1) + 1
    if (p.subarray(parentStart, last).equals(Buffer.from('Attic')))
      p = Buffer.concat([p.subarray(0, parentStart), p.subarray(last + 1)])
  }
  if (p.length <= prefix.length || !p.subarray(0, prefix.length).equals(prefix)) return null
  return p.subarray(prefix.length)
}
