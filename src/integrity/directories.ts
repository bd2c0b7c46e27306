/**
 * The fast check of directory pages: ids computed straight from the packed rows (no decoding
 * into entries, no hex strings) and references resolved against the known-id sets, the
 * archive being asked only about the others. A row that is not in manifest order, has a raw
 * manifest, does not decode or does not hash to its id goes through the ordinary check
 * (`objects.ts`), which gives the same findings, with the same words, as for any other kind.
 *
 * @module
 */

import { type Reference, sha1Hex } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import {
  forEachPackedEntry,
  PACKED_DIR,
  PACKED_FILE,
  type PackedDirectory,
  packedDirectoryManifest,
  type ScanItem,
  type Storage,
  unpackEntries,
} from '../storage/index.js'
import type { FsckFinding } from './findings.js'
import type { KnownIds } from './known.js'
import { absent, checkPage, type PresentCache } from './objects.js'

/** Whether a packed row hashes to its id by the fast path (false: check it the ordinary way). */
function fastIdOk(d: PackedDirectory): boolean {
  if (d.rawManifest !== null) return false
  const manifest = packedDirectoryManifest(d.packed)
  return manifest !== null && sha1Hex(manifest) === d.key
}

/** A row decoded for the ordinary check (or the reason it does not decode). */
function ordinary(d: PackedDirectory): ScanItem {
  try {
    const value = { id: d.key, entries: unpackEntries(d.packed), rawManifest: d.rawManifest }
    return { key: d.key, object: { kind: 'directory', value } }
  } catch (e) {
    return { key: d.key, error: e instanceof Error ? e.message : String(e) }
  }
}

/** The findings of one page of packed directory rows. */
export async function checkPackedDirectories(
  storage: Storage,
  store: ObjStorage,
  items: readonly PackedDirectory[],
  cache: PresentCache,
  known: KnownIds,
): Promise<FsckFinding[]> {
  const slow: PackedDirectory[] = []
  const fast: { key: string; refs: Reference[] }[] = []
  for (const d of items) {
    const refs: Reference[] = []
    const blob = d.packed
    forEachPackedEntry(blob, (code, _ns, _ne, t) => {
      if (code === PACKED_FILE) {
        if (!known.hasBytes('cnt', blob, t))
          refs.push({
            type: 'cnt',
            id: Buffer.from(blob.buffer, blob.byteOffset + t, 20).toString('hex'),
          })
      } else if (code === PACKED_DIR) {
        if (!known.hasBytes('dir', blob, t))
          refs.push({
            type: 'dir',
            id: Buffer.from(blob.buffer, blob.byteOffset + t, 20).toString('hex'),
          })
      }
    })
    if (refs.length > 0) fast.push({ key: d.key, refs })
  }
  for (const d of items) if (!fastIdOk(d)) slow.push(d)
  const findings =
    slow.length > 0
      ? await checkPage(storage, store, 'directory', slow.map(ordinary), cache, known)
      : []
  // A row checked the ordinary way has its references resolved there.
  const again = new Set(slow.map((d) => d.key))
  const rest = again.size === 0 ? fast : fast.filter((f) => !again.has(f.key))
  if (rest.length === 0) return findings
  const gone = await absent(
    storage,
    rest.flatMap((f) => f.refs),
    cache,
    known,
  )
  for (const f of rest) {
    const reported = new Set<string>()
    for (const r of f.refs) {
      if (!gone.has(`${r.type}:${r.id}`)) continue
      const target = `swh:1:${r.type}:${r.id}`
      if (reported.has(target)) continue
      reported.add(target)
      findings.push({
        kind: 'directory',
        swhid: `swh:1:dir:${f.key}`,
        problem: 'dangling',
        detail: `it references ${target}, which is not in the archive`,
        target,
      })
    }
  }
  return findings
}
