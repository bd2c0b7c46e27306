/**
 * One load, driven by the core: open the visit, let the producer fetch, store its objects
 * through the sink, make the snapshot, end the visit `full` or `partial` (some objects could
 * not be archived), `not_found` or `failed` (with a message), and always release the scratch
 * space and the producer. Crash safety follows from the order: objects bottom-up, the snapshot
 * after everything it names, the final status last; a killed load leaves an `ongoing` visit
 * and objects a rerun skips.
 *
 * @module
 */

import { ArcaError, errorMessage } from '../../errors.js'
import { diskError } from '../../objstorage/index.js'
import { EgressGate } from './egress.js'
import { VisitLimits } from './limits.js'
import { ProgressTracker } from './progress.js'
import { ScratchSpace } from './scratch.js'
import { ObjectSink } from './sink.js'
import { classify, storeSnapshot } from './snapshot.js'
import type { LoadContext, LoadOptions, LoadResult, LoadStats, Producer } from './types.js'
import { openVisit } from './visit.js'

/** Reasons and missing ids named in a partial visit's message at most. */
const SHOWN = 20
/** Missing ids kept in a visit status's metadata at most. */
const KEPT_MISSING = 100

/** Statistics of a load that stored nothing yet. */
export function emptyStats(): LoadStats {
  return {
    contents: 0,
    contentBytes: 0,
    skippedContents: 0,
    directories: 0,
    revisions: 0,
    releases: 0,
    extids: 0,
    fetchedObjects: 0,
    fetchedBytes: 0,
    fetches: 0,
  }
}

/** What the load stored, in objects. */
function storedObjects(s: LoadStats): number {
  return s.contents + s.skippedContents + s.directories + s.revisions + s.releases
}

/**
 * Loads (visits) one origin with `producer`.
 *
 * @example
 * ```ts
 * const result = await runLoad(new GitProducer(remote, options), options)
 * console.log(result.status, result.snapshot)
 * ```
 */
export async function runLoad(producer: Producer, options: LoadOptions): Promise<LoadResult> {
  const { storage } = options
  const origin = producer.origin
  const scrub = (m: string): string => producer.scrub?.(m) ?? m
  const visit = await openVisit(storage, origin, producer.visitType, options.date)
  const limits = new VisitLimits(options)
  const signal = limits.signal
  const stats = emptyStats()
  const progress = new ProgressTracker(options.onProgress)
  const sink = new ObjectSink(storage, stats, progress)
  const scratch = new ScratchSpace(options.scratchDir)
  const referred = new Set<string>()
  const egress = new EgressGate(options.network)
  const ctx: LoadContext = {
    storage,
    visitDate: visit.date,
    signal,
    previousSnapshot: visit.previousSnapshot,
    stats,
    report: (phase, p) => {
      progress.set(phase, p)
      if (phase === 'fetch' && p.bytes !== undefined) limits.checkFetched(p.bytes)
    },
    expect: (phase, total) => progress.expect(phase, total),
    scratch: (kind) => scratch.make(kind),
    seen: (id) => sink.seen(id),
    broken: (id) => sink.broken(id),
    lost: (id) => sink.lost(id),
    unavailable: (id, reason) => sink.lost(id, reason),
    classify: (ids) => classify(storage, ids),
    referOrigins: async (urls) => {
      const fresh = urls.filter((u) => !referred.has(u))
      for (const u of fresh) referred.add(u)
      if (fresh.length > 0) await storage.originAdd(fresh.map((url) => ({ url })))
    },
    egressProxy: () => egress.url(),
    pinUrl: (url, options) => egress.pin(url, options?.optional ?? false),
  }
  try {
    progress.begin('list')
    await producer.fetch(ctx)
    limits.checkFetched(stats.fetchedBytes)
    for await (const obj of producer.objects(ctx)) {
      signal?.throwIfAborted()
      await sink.add(obj)
    }
    await sink.flush()
    progress.begin('snapshot')
    const branches = await producer.branches(ctx)
    const snapshot = await storeSnapshot(storage, branches)
    progress.set('snapshot', { objects: branches.length })
    for (const obj of producer.afterSnapshot?.(ctx, snapshot.id) ?? []) await sink.add(obj)
    progress.done(storedObjects(stats), stats.contentBytes)
    const missing = [...sink.missing]
    const partial = missing.length > 0
    const message = partial ? scrub(partialMessage(sink.reasons, missing)) : null
    const result: LoadResult = {
      origin,
      visit: visit.visit,
      status: partial ? 'partial' : 'full',
      snapshot: snapshot.id,
      eventful: snapshot.id !== visit.previousSnapshot,
      message,
      stats,
      missing,
      submodules: [...referred].sort(),
    }
    await storage.flush()
    await visit.end(result.status === 'partial' ? 'partial' : 'full', snapshot.id, {
      eventful: result.eventful,
      ...(message ? { message } : {}),
      ...(missing.length > 0 ? { missing: missing.slice(0, KEPT_MISSING) } : {}),
      ...(result.submodules.length > 0 ? { submodules: result.submodules } : {}),
    })
    return result
  } catch (e) {
    // A tool's fetch that failed after the egress proxy refused a connection failed because
    // of that refusal, whatever the tool made of it (often a 403, or "not found").
    const refusal = await egress.refusal()
    const notFound = refusal === null && e instanceof ArcaError && e.code === 'not_found'
    // Once interrupted, whatever failed next failed because of it.
    const message = scrub(
      refusal !== null
        ? `Refused to connect: ${refusal}`
        : errorMessage(
            signal?.aborted ? (signal.reason ?? e) : diskError(e, `the visit of ${origin}`),
          ),
    )
    // Whatever was stored stays (it is complete and consistent); the visit is not full.
    await storage.flush().catch(() => undefined)
    const status = notFound ? 'not_found' : 'failed'
    await visit.end(status, null, { message })
    return {
      origin,
      visit: visit.visit,
      status,
      snapshot: null,
      eventful: false,
      message,
      stats,
      missing: [],
      submodules: [],
    }
  } finally {
    limits.dispose()
    await egress.close()
    try {
      await producer.cleanup?.()
    } finally {
      scratch.removeAll()
    }
  }
}

/** The message of a partial visit: the reasons given, then the other missing objects. */
function partialMessage(reasons: readonly string[], missing: readonly string[]): string {
  const parts = reasons.slice(0, SHOWN)
  if (reasons.length > SHOWN) parts.push(`and ${reasons.length - SHOWN} more could not be fetched`)
  if (missing.length > reasons.length)
    parts.push(
      `missing or corrupt objects: ${missing.slice(0, SHOWN).join(', ')}${missing.length > SHOWN ? ', …' : ''}`,
    )
  return parts.join('; ')
}
