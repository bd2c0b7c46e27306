/**
 * Directory listings for the tree walks of the flat bundle (its size estimate and its cook):
 * a directory's entries with the stored contents of its file entries, read for several
 * directories at once (one directory query and one content query for all of them), and kept
 * in a bounded {@link ListingCache} shared by the walks of one request, so that the cook after
 * an estimate reads the graph again only past the cache's bound.
 *
 * Reads go through the storage given (the masking layer): a masked directory or content throws
 * when its batch is read.
 *
 * @module
 */

import { NotFoundError } from '../errors.js'
import { type Content, type DirectoryEntry, formatSwhid } from '../model/index.js'
import type { Storage } from '../storage/index.js'

/** A directory's entries and the stored contents of its file entries (by sha1_git). */
export interface Listing {
  readonly entries: readonly DirectoryEntry[]
  readonly contents: ReadonlyMap<string, Content>
}

/** Entries a {@link ListingCache} holds at most by default (under about 25 MB). */
const DEFAULT_MAX_ENTRIES = 32_768

/**
 * Listings read during one request, up to a total number of entries (listings past it are not
 * kept): memory stays bounded whatever the tree's size.
 */
export class ListingCache {
  readonly #max: number
  readonly #listings = new Map<string, Listing>()
  #entries = 0

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#max = maxEntries
  }

  get(id: string): Listing | undefined {
    return this.#listings.get(id)
  }

  put(id: string, listing: Listing): void {
    if (this.#listings.has(id)) return
    const n = listing.entries.length + 1
    if (this.#entries + n > this.#max) return
    this.#entries += n
    this.#listings.set(id, listing)
  }
}

/**
 * The listings of directories `ids` (duplicates allowed), from `cache` where it has them, the
 * others in one directory query and one content query (which the storage chunks). Throws
 * NotFoundError for a directory that is not stored (a masked one throws MaskedError).
 */
export async function readListings(
  storage: Storage,
  ids: readonly string[],
  cache?: ListingCache,
): Promise<Map<string, Listing>> {
  const out = new Map<string, Listing>()
  const asked = new Set<string>()
  for (const id of ids) {
    if (out.has(id)) continue
    const hit = cache?.get(id)
    if (hit) out.set(id, hit)
    else asked.add(id)
  }
  if (asked.size === 0) return out
  const missing = [...asked]
  const dirs = await storage.directoryGet(missing)
  const files = new Set<string>()
  dirs.forEach((d, i) => {
    if (!d) throw new NotFoundError(`${formatSwhid({ type: 'dir', id: missing[i]! })} not found.`)
    for (const e of d.entries) if (e.type === 'file') files.add(e.target)
  })
  const stored = new Map<string, Content>()
  if (files.size > 0)
    for (const c of await storage.contentGet([...files], 'sha1_git'))
      if (c) stored.set(c.sha1Git, c)
  dirs.forEach((d, i) => {
    const contents = new Map<string, Content>()
    for (const e of d!.entries) {
      const c = e.type === 'file' ? stored.get(e.target) : undefined
      if (c) contents.set(e.target, c)
    }
    const listing: Listing = { entries: d!.entries, contents }
    out.set(missing[i]!, listing)
    cache?.put(missing[i]!, listing)
  })
  return out
}
