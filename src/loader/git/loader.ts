/**
 * The git loader: one visit of a git origin, run by the loader core (`../core/run.ts`) with
 * the git producer (`producer.ts`): list the remote's refs, fetch only new objects, store them
 * bottom-up through the storage layers (every id checked against git's), write the snapshot of
 * every ref, end the visit with its status. The fetched pack lives in a scratch repository that
 * is always removed.
 *
 * @module
 */

import { DEFAULT_MAX_CONTENT_SIZE } from '../core/content.js'
import { runLoad } from '../core/run.js'
import type { LoadOptions, LoadProgress, LoadResult, LoadStats } from '../core/types.js'
import { splitRemoteUrl } from '../origin-url.js'
import { GitProducer } from './producer.js'

export { DEFAULT_MAX_CONTENT_SIZE }

/**
 * Buffer thresholds for loads: smaller than the storage defaults so that a load (with one flush
 * in flight while the next batch fills) stays well within its memory bound.
 */
export const LOADER_BUFFER_THRESHOLDS = {
  content: 2000,
  contentBytes: 8 << 20,
  directory: 3000,
  directoryEntries: 30_000,
  revision: 5000,
  revisionParents: 10_000,
  // hg-nodeid ExtIDs (one per revision) are written with the revisions, so a rerun skips them
  extid: 5000,
} as const

/** Options of {@link loadGit}. */
export interface GitLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
  /** Origins this one is a fork of: their heads are offered to the remote as known. */
  readonly forkOf?: readonly string[]
  /** A remote that sends nothing for this long is given up (default 120 s). */
  readonly stallTimeoutMs?: number
}

/** @deprecated the loader core's {@link LoadProgress}. */
export type GitLoadProgress = LoadProgress
/** @deprecated the loader core's {@link LoadStats}. */
export type GitLoadStats = LoadStats
/** @deprecated the loader core's {@link LoadResult}. */
export type GitLoadResult = LoadResult

/**
 * Loads (visits) the git repository at `url` into the archive. The origin recorded is `url`
 * normalised and without credentials (see `../origin-url.ts`); credentials in `url` are used
 * for the fetch only, and scrubbed from every message.
 *
 * @example
 * ```ts
 * const archive = await openArchive({ dataDir: 'arca-data', writer: 'loader' })
 * const r = await loadGit('https://example.org/repo.git', { storage: archive.storage, scratchDir: archive.tmpDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export async function loadGit(input: string, options: GitLoadOptions): Promise<LoadResult> {
  const producer = new GitProducer(splitRemoteUrl(input), {
    maxContentSize: options.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE,
    forkOf: (options.forkOf ?? []).map((f) => splitRemoteUrl(f).originUrl),
    ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
    ...(options.network ? { network: options.network } : {}),
  })
  return runLoad(producer, options)
}
