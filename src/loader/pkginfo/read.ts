/**
 * Reading an unpacked artifact's intrinsic metadata files: the single top-level folder most
 * archives hold, and a file's bytes when it is a regular file of bounded size (a link or a huge
 * file is read as absent, so nothing outside the tree is ever opened).
 *
 * @module
 */

import { lstat, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Metadata files larger than this are not read. */
export const MAX_INTRINSIC_BYTES = 4 * 1024 * 1024

/** The names of `dir`'s entries, sorted by bytes (empty when it is not a directory). */
export async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  } catch {
    return []
  }
}

/** The bytes of the regular file `path`, or null (absent, not a regular file, too large). */
export async function readRegular(path: string): Promise<Buffer | null> {
  try {
    const st = await lstat(path)
    if (!st.isFile() || st.size > MAX_INTRINSIC_BYTES) return null
    return await readFile(path)
  } catch {
    return null
  }
}

/** Whether `path` is a regular file. */
export async function isRegular(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile()
  } catch {
    return false
  }
}

/** `rel` if `root/rel` is a regular file, as a one-item list; else empty. */
export async function presentFiles(root: string, rels: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const rel of rels) if (await isRegular(join(root, rel))) out.push(rel)
  return out
}

/** `v` when it is a string, else `fallback` (registry JSON fields read defensively). */
export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback)
