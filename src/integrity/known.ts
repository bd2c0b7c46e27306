/**
 * Ids known to be in the archive, per kind, for resolving references without a query each: a
 * kind's ids are read once (its primary key only, in pages) the first time a check needs them,
 * into a compact set (about 40 bytes per id, at most {@link KNOWN_LIMIT} per kind). A reference
 * found there is present; any other is looked up in the archive as before — so an object
 * written after the read (a live archive) is never reported dangling for being late, and an
 * archive too big for the sets is still checked, only with more queries.
 *
 * @module
 */

import { type CoreType, IdSet } from '../model/index.js'
import type { IdScanKind, StorageScan } from '../storage/index.js'

/** Ids kept per kind at most (~80 MB each in the worst case). */
export const KNOWN_LIMIT = 2_000_000

const KIND_OF: Readonly<Record<CoreType, IdScanKind>> = {
  cnt: 'content',
  dir: 'directory',
  rev: 'revision',
  rel: 'release',
  snp: 'snapshot',
}

export class KnownIds {
  readonly #storage: StorageScan
  readonly #sets = new Map<CoreType, IdSet>()
  readonly #limit: number

  constructor(storage: StorageScan, limit = KNOWN_LIMIT) {
    this.#storage = storage
    this.#limit = limit
  }

  /** Reads the ids of `types` not read yet. */
  async load(types: readonly CoreType[], signal?: AbortSignal): Promise<void> {
    for (const type of types) {
      if (this.#sets.has(type)) continue
      const set = new IdSet(4096)
      let after: Uint8Array | null = null
      while (set.size < this.#limit) {
        signal?.throwIfAborted()
        const page: { ids: Uint8Array; next: Uint8Array | null } = await this.#storage.scanIds(
          KIND_OF[type],
          after,
          10_000,
        )
        for (let o = 0; o < page.ids.length && set.size < this.#limit; o += 20)
          set.addBytes(page.ids, o)
        if (page.next === null) break
        after = Buffer.from(page.next)
      }
      this.#sets.set(type, set)
    }
  }

  /** Whether the id at `buf[at…at+20]` of kind `type` was read (false: ask the archive). */
  hasBytes(type: CoreType, buf: Uint8Array, at: number): boolean {
    return this.#sets.get(type)?.hasBytes(buf, at) === true
  }

  /** Whether hex `id` of kind `type` was read. */
  has(type: CoreType, id: string): boolean {
    return this.#sets.get(type)?.has(id) === true
  }
}
