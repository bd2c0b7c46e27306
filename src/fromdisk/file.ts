/**
 * Hashing one path as a content, the way `swh identify` treats a file argument.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { InvalidInputError, IoError } from '../errors.js'
import {
  ContentHasher,
  type ContentHashes,
  contentSha1Git,
  gitHeader,
  hashContent,
  Perms,
} from '../model/index.js'
import { fsError, modeToPerms } from './walk.js'

/** A hashed file. `sha1`, `sha256` and `blake2s256` are set when all hashes were asked for. */
export interface HashedFile extends Partial<ContentHashes> {
  readonly sha1Git: string
  readonly length: number
  readonly perms: number
}

/** Options of {@link hashFile}. */
export interface HashFileOptions {
  /** Follow the path if it is a symlink (default true); otherwise hash the link text. */
  readonly dereference?: boolean
  /** Compute the four content hashes, not only sha1_git. */
  readonly allHashes?: boolean
}

/**
 * Hashes the file at `path` (raw bytes), streaming its bytes through a 1 MiB buffer.
 *
 * @example
 * ```ts
 * (await hashFile(Buffer.from('README.md'))).sha1Git
 * ```
 */
export function hashFile(path: Uint8Array, options: HashFileOptions = {}): HashedFile {
  const p = Buffer.from(path)
  const follow = options.dereference !== false
  let st
  try {
    st = follow ? statSync(p) : lstatSync(p)
  } catch (e) {
    throw fsError(path, e)
  }
  if (st.isSymbolicLink()) {
    let target: Uint8Array
    try {
      target = readlinkSync(p, { encoding: 'buffer' })
    } catch (e) {
      throw fsError(path, e, 'read symlink')
    }
    const h = options.allHashes ? hashContent(target) : { sha1Git: contentSha1Git(target) }
    return { ...h, length: target.length, perms: Perms.symlink }
  }
  if (st.isDirectory()) {
    throw new InvalidInputError(`Cannot hash "${p.toString()}" as a content: it is a directory`)
  }
  if (!st.isFile()) {
    const empty = new Uint8Array(0)
    const h = options.allHashes ? hashContent(empty) : { sha1Git: contentSha1Git(empty) }
    return { ...h, length: 0, perms: modeToPerms(st.mode) }
  }
  let fd: number
  try {
    fd = openSync(p, 'r')
  } catch (e) {
    throw fsError(path, e)
  }
  try {
    const size = fstatSync(fd).size
    const buf = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1 << 20))
    const all = options.allHashes ? new ContentHasher(size) : null
    const git = all ? null : createHash('sha1').update(gitHeader('blob', size))
    let total = 0
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      total += n
      if (total > size) break
      const chunk = buf.subarray(0, n)
      if (all) all.update(chunk)
      else git!.update(chunk)
    }
    if (total !== size)
      throw fsError(path, Object.assign(new Error('changed'), { code: 'ECHANGED' }))
    const perms = modeToPerms(st.mode)
    if (all) return { ...all.digest(), length: size, perms }
    return { sha1Git: git!.digest('hex'), length: size, perms }
  } catch (e) {
    if (e instanceof IoError) throw e
    throw fsError(path, e)
  } finally {
    closeSync(fd)
  }
}

/** Bytes of standard input kept in memory before spilling to a temporary file. */
export const DEFAULT_SPILL_THRESHOLD = 16 << 20

/**
 * Hashes bytes read from a stream of unknown length (e.g. standard input). The sha1_git header
 * needs the length first, so bytes are kept in memory up to `spillThreshold` and spilled to a
 * temporary file beyond, then hashed in a second pass: memory stays bounded.
 */
export async function hashStream(
  stream: AsyncIterable<Uint8Array>,
  options: Pick<HashFileOptions, 'allHashes'> & { spillThreshold?: number } = {},
): Promise<HashedFile> {
  const threshold = options.spillThreshold ?? DEFAULT_SPILL_THRESHOLD
  let chunks: Uint8Array[] = []
  let length = 0
  let spill: { dir: string; file: string; fd: number } | null = null
  try {
    for await (const c of stream) {
      length += c.length
      if (spill) {
        writeSync(spill.fd, c)
        continue
      }
      chunks.push(c)
      if (length > threshold) {
        const dir = mkdtempSync(join(tmpdir(), 'arca-stdin-'))
        const file = join(dir, 'data')
        spill = { dir, file, fd: openSync(file, 'w', 0o600) }
        for (const k of chunks) writeSync(spill.fd, k)
        chunks = []
      }
    }
    if (spill) {
      closeSync(spill.fd)
      const h = hashFile(Buffer.from(spill.file), { allHashes: options.allHashes === true })
      return { ...h, perms: Perms.content }
    }
    if (options.allHashes) {
      const all = new ContentHasher(length)
      for (const c of chunks) all.update(c)
      return { ...all.digest(), length, perms: Perms.content }
    }
    const git = createHash('sha1').update(gitHeader('blob', length))
    for (const c of chunks) git.update(c)
    return { sha1Git: git.digest('hex'), length, perms: Perms.content }
  } finally {
    if (spill) rmSync(spill.dir, { recursive: true, force: true })
  }
}
