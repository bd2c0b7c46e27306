/**
 * Safe unpacking of one downloaded artifact into an empty scratch folder: the format is read
 * from the first bytes (as swh-core reads the MIME type): gzip (node's zlib), bzip2, xz and
 * zstd (the system `bzip2`, `xz`, `zstd` as decompressing filters, stdin to stdout, writing
 * no file), a plain tar, or a zip. Every entry goes through {@link SafeWriter}; bombs are
 * bounded by {@link UnpackBudget}. A refusal is an {@link UnpackRefusal} naming the entry.
 *
 * @module
 */

import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { createGunzip } from 'node:zlib'

import { InvalidInputError } from '../../../errors.js'
import { startChild } from '../../core/child.js'
import { UnpackBudget, type UnpackLimits } from './limits.js'
import { SafeWriter } from './safe-writer.js'
import { readTar } from './tar.js'
import { unpackZip } from './zip.js'

export { DEFAULT_UNPACK_LIMITS, UnpackBudget, type UnpackLimits, UnpackRefusal } from './limits.js'
export { SafeWriter } from './safe-writer.js'

/** Archive formats recognised. */
export type ArchiveFormat = 'tar' | 'tar.gz' | 'tar.bz2' | 'tar.xz' | 'tar.zst' | 'zip'

/** The format of the file at `path`, from its first bytes; null when not an archive known. */
export function sniffFormat(path: string): ArchiveFormat | null {
  const fd = openSync(path, 'r')
  const b = Buffer.alloc(512)
  let n: number
  try {
    n = readSync(fd, b, 0, 512, 0)
  } finally {
    closeSync(fd)
  }
  const h = b.subarray(0, n)
  const starts = (...bytes: number[]): boolean => bytes.every((x, i) => h[i] === x)
  if (starts(0x1f, 0x8b)) return 'tar.gz'
  if (starts(0x42, 0x5a, 0x68)) return 'tar.bz2'
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'tar.xz'
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'tar.zst'
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip'
  if (n >= 262 && h.subarray(257, 262).toString('latin1') === 'ustar') return 'tar'
  if (n === 512) return 'tar' // old (v7) tar: tried, refused if its header is not one
  return null
}

/** The decompressed bytes of a compressed tar. */
async function* decompressed(
  path: string,
  format: ArchiveFormat,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  if (format === 'tar') {
    yield* createReadStream(path)
    return
  }
  if (format === 'tar.gz') {
    yield* createReadStream(path).pipe(createGunzip())
    return
  }
  const tool = format === 'tar.bz2' ? 'bzip2' : format === 'tar.xz' ? 'xz' : 'zstd'
  const child = startChild(tool, ['-dc', '--', path], { stdout: 'pipe', signal })
  try {
    yield* child.proc.stdout!
    const exit = await child.exited
    if (exit.error) throw new InvalidInputError(`cannot run ${tool}: ${exit.error.message}`)
    if (exit.code !== 0)
      throw new InvalidInputError(
        `${tool} could not decompress ${basename(path)}: ${child.stderr()}`,
      )
  } finally {
    await child.kill()
  }
}

/** Options of {@link unpackArchive}. */
export interface UnpackOptions {
  readonly limits?: Partial<UnpackLimits>
  readonly signal?: AbortSignal | undefined
  /** Name of the archive in messages (default the file name). */
  readonly name?: string
}

/**
 * Unpacks the archive at `path` into the folder `dest` (existing, empty), safely.
 *
 * @example
 * ```ts
 * await unpackArchive('/scratch/pkg-1.0.tar.gz', '/scratch/src')
 * ```
 */
export async function unpackArchive(
  path: string,
  dest: string,
  options: UnpackOptions = {},
): Promise<ArchiveFormat> {
  const name = options.name ?? basename(path)
  const format = sniffFormat(path)
  if (format === null)
    throw new InvalidInputError(
      `refused to unpack ${name}: not a tar, tar.gz, tar.bz2, tar.xz, tar.zst or zip archive`,
    )
  const budget = new UnpackBudget(name, statSync(path).size, options.limits)
  const writer = new SafeWriter(dest, budget)
  if (format === 'zip') {
    await unpackZip(path, writer)
    return format
  }
  try {
    for await (const e of readTar(decompressed(path, format, options.signal))) {
      options.signal?.throwIfAborted()
      if (e.kind === 'dir') writer.dir(e.path)
      else if (e.kind === 'symlink') writer.symlink(e.path, e.linkname)
      else if (e.kind === 'hardlink') writer.hardlink(e.path, e.linkname)
      else if (e.kind === 'file') await writer.file(e.path, e.mode, e.data)
      else writer.names(e.path, e.kind)
    }
  } catch (e) {
    if (e instanceof InvalidInputError && !e.message.startsWith('refused'))
      throw new InvalidInputError(`refused to unpack ${name}: ${e.message}`)
    if (
      (e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' ||
      (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR'
    )
      throw new InvalidInputError(`refused to unpack ${name}: corrupt gzip data`)
    throw e
  }
  return format
}
