/**
 * Compaction: rewrites packs that hold dead bytes (deleted, replaced or duplicate contents,
 * abandoned tails) into new packs holding only their live entries, then removes the old ones.
 *
 * ORDER (crash-safe at every step):
 *  1. Sweep: pack files the index does not know are unlinked (a compaction killed after its
 *     switch, before its unlink); released packs with no entries are dropped (row, then file).
 *  2. Each source pack is claimed in the index (owner = this process): no writer appends to it.
 *  3. A target pack is registered (row first, then file), the live entries are copied into it
 *     byte for byte (each entry's CRC checked on the way), and it is fsynced.
 *  4. ONE transaction switches every copied entry's row to the target (only rows still pointing
 *     at the source's same offset: a concurrent replace or delete wins), commits the target's
 *     size, and drops the source's row, unless some row still points at the source.
 *  5. Only then the source file is unlinked (and the directory fsynced).
 *  Killed before 4: the index still points at the source (intact); the target is a pack with a
 *  dead owner and committed size 0, truncated by whoever claims it. Killed between 4 and 5: the
 *  source file is an orphan, unlinked by the next sweep.
 *
 * @module
 */

import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'

import { checkEntry } from './format.js'
import { PackIndex, type PackRow } from './pack-index.js'
import {
  newPackName,
  type OpenPack,
  PACK_SUFFIX,
  syncDirSync,
  writeAllSync,
} from './pack-writer.js'

/** Options of {@link compactPacks}. */
export interface CompactOptions {
  /** Compact a pack only when at least this fraction of it is dead (default: any dead byte). */
  readonly minDeadRatio?: number
  /** Called after each pack. */
  readonly onProgress?: (done: number, total: number, pack: string) => void
  readonly signal?: AbortSignal
}

/** What a compaction did. */
export interface CompactReport {
  readonly packsRewritten: number
  readonly packsRemoved: number
  readonly entriesMoved: number
  readonly bytesReclaimed: number
  readonly orphansRemoved: number
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/** Unlinks pack files no row names, and drops released packs with no entries (step 1). */
function sweep(index: PackIndex, dir: string, fsync: boolean): { orphans: number; bytes: number } {
  const known = new Set(index.packs().map((p) => p.name))
  let orphans = 0
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(PACK_SUFFIX) || known.has(name)) continue
    rmSync(join(dir, name), { force: true })
    orphans++
  }
  const live = index.liveByPack()
  let bytes = 0
  for (const p of index.packs()) {
    if (live.has(p.id) || !PackIndex.claimable(p)) continue
    const row = index.claim(p)
    if (!row || index.entriesOf(row.id).length > 0) {
      if (row) index.release(row.id)
      continue
    }
    index.dropPack(row.id)
    bytes += row.size
    rmSync(join(dir, row.name), { force: true })
    orphans++
  }
  if (fsync && orphans > 0) syncDirSync(dir)
  return { orphans, bytes }
}

/** Compacts the packs of the store at `dir`. */
export function compactPacks(
  index: PackIndex,
  dir: string,
  options: CompactOptions & { fsync: boolean; maxPackSize: number },
): CompactReport {
  const swept = sweep(index, dir, options.fsync)
  const live = index.liveByPack()
  const minRatio = options.minDeadRatio ?? 0
  const sources = index.packs().filter((p) => {
    if (!PackIndex.claimable(p)) return false
    // Dead: committed bytes no row points to, and any tail past the committed size.
    const size = fileSize(join(dir, p.name))
    const dead = size - (live.get(p.id)?.bytes ?? 0)
    return dead > 0 && dead >= minRatio * size
  })
  let rewritten = 0
  let removed = 0
  let moved = 0
  let reclaimed = 0
  let done = 0
  for (const candidate of sources) {
    options.signal?.throwIfAborted()
    const source = index.claim(candidate)
    if (!source) continue
    const r = compactOne(index, dir, source, options)
    moved += r.moved
    reclaimed += r.reclaimed
    if (r.moved > 0) rewritten++
    removed++
    options.onProgress?.(++done, sources.length, source.name)
  }
  return {
    packsRewritten: rewritten,
    packsRemoved: removed,
    entriesMoved: moved,
    bytesReclaimed: reclaimed + swept.bytes,
    orphansRemoved: swept.orphans,
  }
}

function compactOne(
  index: PackIndex,
  dir: string,
  source: PackRow,
  options: { fsync: boolean; maxPackSize: number },
): { moved: number; reclaimed: number } {
  const entries = index.entriesOf(source.id)
  const sfd = openSync(join(dir, source.name), 'r')
  const sourceBytes = fstatSync(sfd).size
  const switches: { id: string; oldOff: number; newOff: number }[] = []
  let target: OpenPack | undefined
  try {
    if (entries.length > 0) {
      // 3. a fresh target (never an existing pack: its bytes must not mix with a live writer's)
      const name = newPackName()
      const id = index.newPack(name)
      const fd = openSync(join(dir, name), 'wx+', 0o644)
      if (options.fsync) syncDirSync(dir)
      target = { id, name, fd, size: 0 }
      let pos = 0
      for (const e of entries) {
        const buf = Buffer.allocUnsafe(e.len)
        const n = readSync(sfd, buf, 0, e.len, e.off)
        // A corrupt entry is copied as it is (fsck and repair find it in its new place);
        // a short one cannot be, and keeps the source pack.
        if (n !== e.len) throw new Error(`pack ${source.name} ends inside the entry of ${e.id}`)
        try {
          checkEntry(buf, e.id, source.name)
        } catch {
          // Copied unchanged: the reader will name it.
        }
        writeAllSync(fd, buf, pos)
        switches.push({ id: e.id, oldOff: e.off, newOff: pos })
        pos += e.len
      }
      if (options.fsync) fdatasyncSync(fd)
      target.size = pos
    }
    // 4. the switch, in one transaction
    const update = index.db.prepare(
      'UPDATE entry SET pack = ?, off = ? WHERE id = ? AND pack = ? AND off = ?',
    )
    const left = index.db.prepare('SELECT COUNT(*) AS n FROM entry WHERE pack = ?')
    index.db
      .transaction(() => {
        if (target) {
          for (const s of switches) update.run(target.id, s.newOff, s.id, source.id, s.oldOff)
          index.db
            .prepare('UPDATE pack SET size = ?, owner = NULL, host = NULL WHERE id = ?')
            .run(target.size, target.id)
        }
        if ((left.get(source.id) as { n: number }).n > 0)
          throw new Error(`entries still point at pack ${source.name}`)
        index.dropPack(source.id)
      })
      .immediate()
  } catch (e) {
    if (target) {
      closeSync(target.fd)
      index.release(target.id)
    }
    index.release(source.id)
    throw e
  } finally {
    closeSync(sfd)
  }
  if (target) closeSync(target.fd)
  // 5. the old bytes go
  rmSync(join(dir, source.name), { force: true })
  if (options.fsync) syncDirSync(dir)
  return { moved: switches.length, reclaimed: sourceBytes - (target?.size ?? 0) }
}
