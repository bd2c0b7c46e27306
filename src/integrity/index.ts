/**
 * Integrity checks of a whole archive (`arca fsck`): every object re-hashed, every reference
 * resolved, resumable; continuous scrubbing (`arca scrub`); and repair from a peer archive
 * (`arca repair`). Other areas import integrity only from here.
 *
 * @module
 */

export {
  FSCK_KIND_PLURAL,
  type FsckCounts,
  type FsckFinding,
  type FsckKind,
  type FsckProblem,
  type FsckReport,
  reportJson,
  reportText,
} from './findings.js'
export { fsck, type FsckOptions, type FsckProgress } from './fsck.js'
export {
  remove,
  type RemoveOptions,
  type RemoveOutcome,
  type RemoveProgress,
  SWHIDS_PER_RECORD,
} from './remove.js'
export { type BundleHeader, readBundle, writeBundle } from './remove-bundle.js'
export {
  type PlanProgress,
  planRemoval,
  type RemovalBackend,
  type RemovalPlan,
} from './remove-plan.js'
export { restoreBundle, type RestoreOutcome } from './remove-restore.js'
export {
  archivePeer,
  type GraphType,
  type PeerContent,
  repair,
  type RepairOptions,
  type RepairOutcome,
  type RepairPeer,
  type RepairReport,
} from './repair.js'
export { DEFAULT_SCRUB_RATE, scrub, type ScrubOptions, type ScrubRun } from './scrub.js'
export { scrubFindingJson, scrubStatus } from './scrub-status.js'
export {
  type ScrubCounts,
  type ScrubFinding,
  type ScrubPosition,
  ScrubStore,
} from './scrub-store.js'
