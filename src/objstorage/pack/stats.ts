/**
 * What a pack store holds: packs, entries, bytes raw and stored, and dead bytes (bytes of packs
 * no entry points to: deleted, replaced or duplicate contents, and abandoned tails), which
 * compaction reclaims.
 *
 * @module
 */

import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

import type { PackIndex } from './pack-index.js'
import { PACK_SUFFIX } from './pack-writer.js'

/** Figures of one pack. */
export interface PackFigures {
  readonly name: string
  readonly entries: number
  /** Bytes of the file. */
  readonly fileBytes: number
  /** Bytes of its live entries. */
  readonly liveBytes: number
  /** Bytes no entry points to. */
  readonly deadBytes: number
  /** Whether a process appends to it or compacts it now. */
  readonly owned: boolean
}

/** Figures of a whole pack store. */
export interface PackStats {
  readonly packs: number
  readonly entries: number
  /** Uncompressed bytes of the live contents. */
  readonly rawBytes: number
  /** Bytes of the live entries (compressed, with their headers). */
  readonly storedBytes: number
  /** Bytes of all pack files. */
  readonly fileBytes: number
  readonly deadBytes: number
  /** Pack files the index does not know (left by a compaction killed before its unlink). */
  readonly orphanFiles: number
  readonly perPack: readonly PackFigures[]
}

/** The figures of the store at `dir` with index `index`. */
export function packStats(index: PackIndex, dir: string): PackStats {
  const live = index.liveByPack()
  const perPack: PackFigures[] = []
  const known = new Set<string>()
  let entries = 0
  let raw = 0
  let stored = 0
  let files = 0
  for (const p of index.packs()) {
    known.add(p.name)
    let fileBytes = 0
    try {
      fileBytes = statSync(join(dir, p.name)).size
    } catch {
      // Registered, file not created yet.
    }
    const l = live.get(p.id) ?? { bytes: 0, entries: 0, raw: 0 }
    entries += l.entries
    raw += l.raw
    stored += l.bytes
    files += fileBytes
    perPack.push({
      name: p.name,
      entries: l.entries,
      fileBytes,
      liveBytes: l.bytes,
      deadBytes: fileBytes - l.bytes,
      owned: p.owner !== null,
    })
  }
  const orphans = readdirSync(dir).filter((n) => n.endsWith(PACK_SUFFIX) && !known.has(n))
  for (const n of orphans) {
    try {
      files += statSync(join(dir, n)).size
    } catch {
      // Unlinked meanwhile.
    }
  }
  return {
    packs: perPack.length,
    entries,
    rawBytes: raw,
    storedBytes: stored,
    fileBytes: files,
    deadBytes: files - stored,
    orphanFiles: orphans.length,
    perPack,
  }
}
