/**
 * Writes the entries of an archive under a scratch folder so that none lands outside it:
 * every path is bytes split on `/` (empty and `.` names dropped); an absolute path, a `..`
 * name, a name over 255 bytes, an entry under a symbolic link or a file, a symbolic link
 * whose target is absolute or climbs above the root (read lexically), a hard link to
 * something the archive did not unpack before, device files, FIFOs and sockets are refused
 * with an {@link UnpackRefusal} naming the entry. Files are created with `O_NOFOLLOW | O_EXCL`
 * (an earlier file or link of the same path is replaced, as tar does); permissions are
 * normalised as swh-core's `normalize_permissions` leaves them: directories 0755, files 0755
 * when the owner may execute them, else 0644. Names are never decoded (Buffer paths).
 *
 * @module
 */

import {
  closeSync,
  constants,
  linkSync,
  mkdirSync,
  openSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs'

import type { UnpackBudget } from './limits.js'

const SLASH = 0x2f

/** What the writer made at a path. */
type Made = 'dir' | 'file' | 'link'

/** The kinds of archive entries. */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other'

/** How an entry's name reads in a message. */
export function shownName(name: Uint8Array): string {
  return JSON.stringify(Buffer.from(name).toString('utf8'))
}

/** The names of an archive path: `/`-separated, empty and `.` names dropped; null for absolute. */
export function archiveNames(path: Uint8Array): Uint8Array[] | null {
  if (path[0] === SLASH) return null
  const names: Uint8Array[] = []
  let start = 0
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== SLASH) continue
    const n = path.subarray(start, i)
    start = i + 1
    if (n.length === 0 || (n.length === 1 && n[0] === 0x2e)) continue
    names.push(n)
  }
  return names
}

const isDotDot = (n: Uint8Array): boolean => n.length === 2 && n[0] === 0x2e && n[1] === 0x2e

/** Writes entries under one root folder; see the module comment. */
export class SafeWriter {
  readonly #root: Buffer
  readonly #budget: UnpackBudget
  readonly #made = new Map<string, Made>()

  constructor(root: string, budget: UnpackBudget) {
    this.#root = Buffer.from(root)
    this.#budget = budget
  }

  /** The checked names of `path` (an entry of `kind`); refuses what would escape. */
  names(path: Uint8Array, kind: EntryKind): Uint8Array[] {
    const shown = shownName(path)
    if (kind === 'device') this.#budget.refuse(`${shown} is a device file`)
    if (kind === 'fifo') this.#budget.refuse(`${shown} is a FIFO`)
    if (kind === 'other') this.#budget.refuse(`${shown} is not a file, directory or link`)
    const names = archiveNames(path)
    if (names === null) this.#budget.refuse(`${shown} is an absolute path`)
    if (names.some(isDotDot)) this.#budget.refuse(`${shown} has a ".." name`)
    if (names.some((n) => n.length > 255)) this.#budget.refuse(`${shown} has a name over 255 bytes`)
    this.#budget.entry(Buffer.from(path).toString('utf8'), names.length)
    return names
  }

  #key(names: readonly Uint8Array[]): string {
    return Buffer.concat(names.flatMap((n, i) => (i ? [Buffer.from('/'), n] : [n]))).toString(
      'latin1',
    )
  }

  #abs(names: readonly Uint8Array[]): Buffer {
    return Buffer.concat([this.#root, ...names.flatMap((n) => [Buffer.from('/'), n])])
  }

  /** Makes the parents of `names` (refusing links and files on the way) and clears the spot. */
  #prepare(names: readonly Uint8Array[], shown: string, kind: Made): Buffer {
    for (let i = 1; i < names.length; i++) {
      const k = this.#key(names.slice(0, i))
      const m = this.#made.get(k)
      if (m === 'link') this.#budget.refuse(`${shown} is under a symbolic link`)
      if (m === 'file') this.#budget.refuse(`${shown} is under a file`)
      if (m === undefined) {
        mkdirSync(this.#abs(names.slice(0, i)), { mode: 0o755 })
        this.#made.set(k, 'dir')
      }
    }
    const abs = this.#abs(names)
    const existing = this.#made.get(this.#key(names))
    if (existing === 'dir' && kind !== 'dir')
      this.#budget.refuse(`${shown} would replace a directory`)
    if ((existing === 'file' || existing === 'link') && kind === 'dir')
      this.#budget.refuse(`${shown} would replace a file with a directory`)
    if (existing === 'file' || existing === 'link') unlinkSync(abs)
    return abs
  }

  dir(path: Uint8Array): void {
    const names = this.names(path, 'dir')
    if (names.length === 0) return
    const abs = this.#prepare(names, shownName(path), 'dir')
    const k = this.#key(names)
    if (this.#made.get(k) !== 'dir') mkdirSync(abs, { mode: 0o755 })
    this.#made.set(k, 'dir')
  }

  /** Writes a file from its chunks; `mode` is the archive's (only the owner's x bit counts). */
  async file(path: Uint8Array, mode: number, data: AsyncIterable<Uint8Array>): Promise<void> {
    const names = this.names(path, 'file')
    if (names.length === 0) this.#budget.refuse(`${shownName(path)} names the root as a file`)
    const abs = this.#prepare(names, shownName(path), 'file')
    const perm = mode & 0o100 ? 0o755 : 0o644
    const fd = openSync(
      abs,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      perm,
    )
    this.#made.set(this.#key(names), 'file')
    try {
      for await (const chunk of data) {
        this.#budget.data(chunk.length)
        for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off, chunk.length - off)
      }
    } finally {
      closeSync(fd)
    }
  }

  symlink(path: Uint8Array, target: Uint8Array): void {
    const names = this.names(path, 'symlink')
    const shown = shownName(path)
    if (names.length === 0) this.#budget.refuse(`${shown} names the root as a link`)
    if (target.length === 0) this.#budget.refuse(`${shown} is a symbolic link to nothing`)
    const tnames = archiveNames(target)
    if (tnames === null)
      this.#budget.refuse(`${shown} is a symbolic link to the absolute path ${shownName(target)}`)
    let depth = names.length - 1
    for (const n of tnames) {
      depth += isDotDot(n) ? -1 : 1
      if (depth < 0)
        this.#budget.refuse(
          `${shown} is a symbolic link to ${shownName(target)}, outside the archive`,
        )
    }
    const abs = this.#prepare(names, shown, 'link')
    symlinkSync(Buffer.from(target), abs)
    this.#made.set(this.#key(names), 'link')
  }

  hardlink(path: Uint8Array, target: Uint8Array): void {
    const names = this.names(path, 'hardlink')
    const shown = shownName(path)
    const tnames = archiveNames(target)
    const tk = tnames && !tnames.some(isDotDot) ? this.#key(tnames) : null
    const made = tk === null ? undefined : this.#made.get(tk)
    if (made !== 'file' && made !== 'link')
      this.#budget.refuse(
        `${shown} is a hard link to ${shownName(target)}, which the archive does not hold before it`,
      )
    if (names.length === 0) this.#budget.refuse(`${shown} names the root as a link`)
    if (tk === this.#key(names)) return
    const abs = this.#prepare(names, shown, 'file')
    linkSync(this.#abs(tnames!), abs)
    this.#made.set(this.#key(names), made)
  }
}
