/**
 * Continuous scrubbing: the checks of fsck (`objects.ts`), run in the background page by page at
 * a bounded rate, round after round, forever (or for one round). The position is stored after
 * every page, with the page's findings, so a scrubber that is stopped or killed continues where
 * it was; a finding keeps the date it was first seen, and is marked fixed when a whole round
 * passes without seeing it again. One scrubber runs at a time per archive (a lease in the
 * database); others wait for it to end or expire.
 *
 * What is checked is what Software Heritage's scrubber checks on a storage and an object
 * store: every object hashed again from its stored fields or bytes (corrupt), content bytes
 * present (missing), and every reference resolved (dangling, SWH's "missing object reference").
 *
 * @module
 */

import { type AbortOptions, ConflictError } from '../errors.js'
import type { ObjStorage } from '../objstorage/index.js'
import { SCAN_KINDS, type Storage, type StorageScan } from '../storage/index.js'
import { checkPage, PresentCache } from './objects.js'
import type { ScrubPosition, ScrubStore } from './scrub-store.js'

/** Objects checked per second by default. */
export const DEFAULT_SCRUB_RATE = 1000
/** How long a scrubber's lease lasts without renewal (it renews at every page). */
const LEASE_MS = 60_000

/** Settings of {@link scrub}. */
export interface ScrubOptions extends AbortOptions {
  readonly storage: Storage & StorageScan
  readonly objstorage: ObjStorage
  readonly store: ScrubStore
  /** Who scrubs (host and pid): holds the lease. */
  readonly holder: string
  /** Objects per second at most (default {@link DEFAULT_SCRUB_RATE}). */
  readonly rate?: number
  /** Objects per page (default 500). */
  readonly batchSize?: number
  /** Stop at the end of the current round. */
  readonly once?: boolean
  /**
   * A round begins at most this often (default 60 s): a small archive is not checked over and
   * over, back to back.
   */
  readonly roundIntervalMs?: number
  /** Stop after this many pages (a bounded slice of work, e.g. in a worker's spare time). */
  readonly maxPages?: number
  /** When another scrubber holds the lease: wait for it (default: throw a ConflictError). */
  readonly wait?: boolean
  /**
   * Whether the holder of the lease is known to be gone (e.g. a process of this host that no
   * longer exists): its lease is then taken at once instead of after it expires.
   */
  readonly holderGone?: (holder: string) => boolean
  readonly clock?: () => number
  readonly onPage?: (p: { readonly position: ScrubPosition; readonly findings: number }) => void
}

/** What one call of {@link scrub} did. */
export interface ScrubRun {
  readonly pages: number
  readonly checked: number
  /** Rounds completed. */
  readonly rounds: number
  /** Findings of the pages checked (new or seen again). */
  readonly findings: number
  /** Findings marked fixed at the end of a round. */
  readonly fixed: number
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done)
  })

/**
 * Scrubs until stopped (`signal`), or for one round (`once`) or `maxPages` pages. The position
 * and findings are in `store`.
 *
 * @example
 * ```ts
 * const store = new ScrubStore(archive.backend.db)
 * await store.open()
 * await scrub({ storage: archive.backend, objstorage: archive.objstorage, store, holder: 'host:42', rate: 500, signal })
 * ```
 */
export async function scrub(options: ScrubOptions): Promise<ScrubRun> {
  const now = options.clock ?? Date.now
  const { store, signal } = options
  const rate = Math.max(1, options.rate ?? DEFAULT_SCRUB_RATE)
  const batch = Math.max(1, options.batchSize ?? 500)
  for (;;) {
    if (await store.lease(options.holder, now(), LEASE_MS)) break
    const holder = await store.leaseHolder(now())
    if (holder !== null && options.holderGone?.(holder)) {
      await store.unlease(holder)
      continue
    }
    if (!options.wait) {
      throw new ConflictError(
        `another scrubber is running on this archive (${holder ?? 'unknown'})`,
      )
    }
    await sleep(5000, signal)
    if (signal?.aborted) return { pages: 0, checked: 0, rounds: 0, findings: 0, fixed: 0 }
  }
  const run = { pages: 0, checked: 0, rounds: 0, findings: 0, fixed: 0 }
  const present = new PresentCache()
  try {
    let pos: Omit<ScrubPosition, 'updatedAt'> = (await store.position()) ?? {
      kind: SCAN_KINDS[0],
      after: null,
      round: 0,
      roundStarted: now(),
      checked: 0,
    }
    while (!signal?.aborted) {
      if (options.maxPages !== undefined && run.pages >= options.maxPages) break
      const began = now()
      const page = await options.storage.scan(pos.kind, pos.after, batch)
      const found = await checkPage(
        options.storage,
        options.objstorage,
        pos.kind,
        page.items,
        present,
      )
      let next: Omit<ScrubPosition, 'updatedAt'> = {
        ...pos,
        after: page.next,
        checked: pos.checked + page.items.length,
      }
      let roundEnded = false
      if (page.next === null) {
        const k = SCAN_KINDS.indexOf(pos.kind)
        if (k + 1 < SCAN_KINDS.length) next = { ...next, kind: SCAN_KINDS[k + 1]!, after: null }
        else {
          roundEnded = true
          next = {
            kind: SCAN_KINDS[0],
            after: null,
            round: pos.round + 1,
            roundStarted: now(),
            checked: 0,
          }
        }
      }
      await store.record(found, next, now())
      if (roundEnded) {
        run.fixed += await store.fixStale(pos.roundStarted, now())
        run.rounds++
      }
      run.pages++
      run.checked += page.items.length
      run.findings += found.length
      options.onPage?.({ position: { ...next, updatedAt: now() }, findings: found.length })
      const roundBegan = pos.roundStarted
      pos = next
      if (!(await store.lease(options.holder, now(), LEASE_MS)))
        throw new ConflictError('the scrubber lost its lease to another scrubber')
      if (roundEnded && options.once) break
      // At most `rate` objects per second: the page's share of a second, less its own time.
      await sleep((page.items.length / rate) * 1000 - (now() - began), signal)
      if (roundEnded)
        await sleep((options.roundIntervalMs ?? 60_000) - (now() - roundBegan), signal)
    }
  } finally {
    await store.unlease(options.holder).catch(() => undefined)
  }
  return run
}
