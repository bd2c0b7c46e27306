/**
 * Which keys (see `decode.ts`) the local archive has, asked in batches and remembered: most
 * references point at objects just written, so remembering spares most presence queries.
 *
 * @module
 */

import { LRUCache } from 'lru-cache'

import { CORE_TYPES, type CoreType } from '../model/index.js'
import { missingIds, type Storage } from '../storage/index.js'

/** Most keys remembered as stored (about 100 bytes each). */
const KNOWN_MAX = 1_000_000

const CORE: ReadonlySet<string> = new Set(CORE_TYPES)

/** Presence of keys in one storage. */
export class Presence {
  readonly #storage: Storage
  /**
   * Keys known to be stored (written by this run or found present). Bounded: the least
   * recently used are forgotten first.
   */
  readonly #known = new LRUCache<string, true>({ max: KNOWN_MAX })

  constructor(storage: Storage) {
    this.#storage = storage
  }

  /** Records `keys` as stored. */
  remember(keys: Iterable<string>): void {
    for (const k of keys) this.#known.set(k, true)
  }

  /**
   * Which of `keys` exist locally. A content counts as present when it is archived as a
   * skipped content.
   */
  async present(keys: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>()
    const byType = new Map<string, string[]>()
    for (const k of keys) {
      if (this.#known.get(k)) {
        out.add(k)
        continue
      }
      const core = k.startsWith('swh:1:') && k.length === 50
      const type = core ? k.slice(6, 9) : k.slice(0, k.indexOf(':'))
      let list = byType.get(type)
      if (!list) byType.set(type, (list = []))
      list.push(core ? k.slice(10) : k)
    }
    const s = this.#storage
    for (const [type, list] of byType) {
      const ids = [...new Set(list)]
      if (CORE.has(type)) {
        const missing = await missingIds(s, type as CoreType, ids)
        for (const id of ids) {
          if (!missing.has(id)) out.add(`swh:1:${type}:${id}`)
          else if (type === 'cnt' && (await s.skippedContentFind(id)).length > 0)
            out.add(`swh:1:cnt:${id}`)
        }
      } else if (type === 'origin') {
        const urls = ids.map((k) => k.slice('origin:'.length))
        const got = await s.originGet(urls)
        got.forEach((o, i) => o && out.add(ids[i]!))
      } else if (type === 'visit') {
        for (const k of ids) {
          const m = /^visit:(\d+):(.*)$/s.exec(k)!
          if (await s.originVisitGetByNumber(m[2]!, Number(m[1]))) out.add(k)
        }
      }
    }
    this.remember(out)
    return out
  }
}
