/**
 * Directories: rows hold the packed entries; listings join the contents of file entries.
 *
 * @module
 */

import {
  compareBytes,
  type Directory,
  type DirectoryEntry,
  directoryManifest,
} from '../../model/index.js'
import { packedDirectoryManifest, packEntries, unpackEntries } from '../codec.js'
import type { AddSummary, DirectoryEntryInfo, DirectoryLsOptions } from '../interface.js'
import { bump } from './counters.js'
import type { SqlExecutor } from './executor.js'
import { indexDirectoryEdges } from './graph-index.js'
import { lockDirectoryIndex } from './graph-postings.js'
import type { ListingCache } from './listing-cache.js'
import { b, bytesOrNull, num, type Row, str } from './rows.js'
import {
  absentIds,
  chunks,
  getRows,
  getRowsByHexKey,
  inList,
  insertReturning,
  uniqueBy,
} from './statements.js'

export async function directoryAdd(
  db: SqlExecutor,
  directories: readonly Directory[],
): Promise<AddSummary> {
  const unique = uniqueBy(directories, (d) => d.id)
  // The graph's reverse edges in the same transaction: no stored directory lacks them.
  const added = await db.transaction(async (tx) => {
    // First, as every transaction writing the lists (see graph-postings.ts); shared with other
    // ingests, which only add lists of the directories each inserts.
    const index = await lockDirectoryIndex(tx, 'shared')
    const fresh = await insertReturning(
      tx,
      'directory',
      ['id', 'entries', 'raw_manifest'],
      unique.map((d) => [
        b(d.id),
        Buffer.from(packEntries(d.entries)),
        d.rawManifest === null ? null : Buffer.from(d.rawManifest),
      ]),
      'id',
    )
    await bump(tx, 'directory', fresh.size)
    await indexDirectoryEdges(
      tx,
      unique.filter((d) => fresh.has(d.id)),
      index,
    )
    return fresh.size
  })
  return { 'directory:add': added }
}

export function directoryMissing(db: SqlExecutor, ids: readonly string[]): Promise<string[]> {
  return absentIds(db, 'directory', 'id', ids)
}

export async function directoryGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Directory | null)[]> {
  const rows = await getRows(db, 'directory', 'id', ids)
  return ids.map((id) => {
    const r = rows.get(id)
    return r
      ? {
          id,
          entries: unpackEntries(r['entries'] as Uint8Array),
          rawManifest: bytesOrNull(r['raw_manifest']),
        }
      : null
  })
}

/**
 * The git tree object of each directory: its raw manifest, else built straight from the packed
 * entries (decoded and sorted only when they are not stored in manifest order).
 */
export async function directoryManifestGet(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<(Uint8Array | null)[]> {
  const rows = await getRowsByHexKey(db, 'directory', 'id', ids, 'entries, raw_manifest')
  return ids.map((id) => {
    const r = rows.get(id)
    if (!r) return null
    const raw = bytesOrNull(r['raw_manifest'])
    if (raw !== null) return raw
    const packed = r['entries'] as Uint8Array
    return packedDirectoryManifest(packed) ?? directoryManifest(unpackEntries(packed))
  })
}

async function entryInfos(
  db: SqlExecutor,
  dirId: string,
  entries: readonly DirectoryEntry[],
  prefix: Uint8Array | null,
): Promise<DirectoryEntryInfo[]> {
  const fileTargets = [...new Set(entries.filter((e) => e.type === 'file').map((e) => e.target))]
  // The four hashes come back as one hex text computed by the database, cut here: listings of
  // big directories then allocate no buffer per hash, and one string a row, not four (a third
  // of the statement's time on 201 entries).
  const hashes =
    db.dialect === 'postgres'
      ? `encode(sha1_git || sha1 || sha256 || blake2s256, 'hex')`
      : `lower(hex(sha1_git || sha1 || sha256 || blake2s256))`
  const contents = new Map<string, { length: number; status: string; hex: string }>()
  for (const part of chunks(fileTargets)) {
    const rows = await db.all<Row>(
      `SELECT ${hashes} AS h, length, status FROM content WHERE sha1_git IN ${inList(part.length)}`,
      part.map(b),
    )
    for (const r of rows) {
      const h = str(r['h'])
      contents.set(h.slice(0, 40), { length: num(r['length']), status: str(r['status']), hex: h })
    }
  }
  // Each field written out, not `...e`: V8 turns a spread followed by more fields into a slow
  // dictionary object (measured: 5 µs an entry, most of a large listing's time).
  return entries.map((e): DirectoryEntryInfo => {
    const c = e.type === 'file' ? contents.get(e.target) : undefined
    return {
      name: e.name,
      type: e.type,
      perms: e.perms,
      target: e.target,
      dirId,
      path: prefix === null ? e.name : Buffer.concat([prefix, Buffer.from('/'), e.name]),
      length: c ? c.length : null,
      status: c ? (c.status as 'visible' | 'hidden') : null,
      sha1: c ? c.hex.slice(40, 80) : null,
      sha256: c ? c.hex.slice(80, 144) : null,
      blake2s256: c ? c.hex.slice(144, 208) : null,
    }
  })
}

/**
 * The entries of directory `id` (with `cache`, a one-level listing is kept there and given again
 * while the database still gives exactly it: shared and frozen, see `listing-cache.ts`).
 */
export async function directoryLs(
  db: SqlExecutor,
  id: string,
  options: DirectoryLsOptions = {},
  cache?: ListingCache,
): Promise<DirectoryEntryInfo[] | null> {
  if (cache && !options.recursive) {
    // Frozen, and typed mutable only because the interface's listings are.
    const kept = await cache.get(db, id)
    if (kept) return kept as DirectoryEntryInfo[]
  }
  const [dir] = await directoryGet(db, [id])
  if (!dir) return null
  const top = await entryInfos(db, id, dir.entries, null)
  if (!options.recursive) return cache ? (cache.put(id, top) as DirectoryEntryInfo[]) : top
  // Depth first, each directory's entry before its children.
  const out: DirectoryEntryInfo[] = []
  const visit = async (entries: DirectoryEntryInfo[]): Promise<void> => {
    for (const e of entries) {
      options.signal?.throwIfAborted()
      out.push(e)
      if (e.type !== 'dir') continue
      const [sub] = await directoryGet(db, [e.target])
      if (sub) await visit(await entryInfos(db, e.target, sub.entries, e.path))
    }
  }
  await visit(top)
  return out
}

export async function directoryEntryGetByPath(
  db: SqlExecutor,
  id: string,
  path: readonly Uint8Array[],
): Promise<DirectoryEntryInfo | null> {
  if (path.length === 0) return null
  let current = id
  let prefix: Uint8Array | null = null
  for (let i = 0; i < path.length; i++) {
    const [dir] = await directoryGet(db, [current])
    if (!dir) return null
    const entry = dir.entries.find((e) => compareBytes(e.name, path[i]!) === 0)
    if (!entry) return null
    if (i === path.length - 1) {
      const [info] = await entryInfos(db, current, [entry], prefix)
      return info
        ? {
            ...info,
            path: Buffer.concat(path.flatMap((p, k) => (k === 0 ? [p] : [Buffer.from('/'), p]))),
          }
        : null
    }
    if (entry.type !== 'dir') return null
    prefix = prefix === null ? entry.name : Buffer.concat([prefix, Buffer.from('/'), entry.name])
    current = entry.target
  }
  return null
}
