/**
 * Loaders: the loader core (visit lifecycle, bottom-up sink, snapshot, progress, scratch
 * space) with its producers — the git loader (own protocol v2 client), Mercurial, Subversion,
 * Bazaar (through Breezy) and CVS — and the origin URL rules. Other areas import loaders only
 * from here.
 *
 * @module
 */

export { type ArchiveLoadOptions, loadTar, loadTarballDirectory } from './archive/loader.js'
export { type ArchiveArtifact, ArchiveSource } from './archive/source.js'
export { type BzrLoadOptions, loadBzr } from './bzr/loader.js'
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
export { type HgLoadOptions, loadHg } from './hg/loader.js'
export { redactUserinfo, splitRemoteUrl } from './origin-url.js'
export * from './package/index.js'
export {
  type LoaderEntry,
  loaderFor,
  loadOrigin,
  type OriginLoadOptions,
  probeVisitType,
  visitTypes,
} from './registry.js'
export { loadSvn, type SvnLoadOptions } from './svn/loader.js'
