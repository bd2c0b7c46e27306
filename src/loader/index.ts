/**
 * Loaders: the loader core (visit lifecycle, bottom-up sink, snapshot, progress, scratch
 * space) with its producers — the git loader (own protocol v2 client) and the CVS loader (local, rsync, pserver) — and the origin
 * URL rules. Other areas import loaders only from here.
 *
 * @module
 */

export { nowMicros } from './core/clock.js'
export { emptyStats, runLoad } from './core/run.js'
export type {
  ContentWithData,
  LoadContext,
  LoadOptions,
  LoadPhase,
  LoadProgress,
  LoadResult,
  LoadStats,
  ModelObject,
  Producer,
} from './core/types.js'
export { type FinalStatus, openVisit, type Visit } from './core/visit.js'
export { type CvsLoadOptions, loadCvs } from './cvs/loader.js'
export { DEFAULT_STALL_TIMEOUT_MS } from './git/child.js'
export {
  DEFAULT_MAX_CONTENT_SIZE,
  type GitLoadOptions,
  type GitLoadProgress,
  type GitLoadResult,
  type GitLoadStats,
  LOADER_BUFFER_THRESHOLDS,
  loadGit,
} from './git/loader.js'
export { redactUserinfo, splitRemoteUrl } from './origin-url.js'
export {
  type LoaderEntry,
  loaderFor,
  loadOrigin,
  type OriginLoadOptions,
  probeVisitType,
  visitTypes,
} from './registry.js'
