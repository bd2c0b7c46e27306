/**
 * The vault: bundles of archived objects cooked on request (Software Heritage's vault):
 * `flat` (a `.tar.gz` of a directory) and `git-bare` (a bare git repository in a tar).
 *
 * @module
 */

export type { BundleType, CookContext, Cooker } from './cooker.js'
export {
  archiveVault,
  BUNDLE_TYPES,
  defaultCookers,
  defaultEstimators,
  isBundleType,
} from './cookers.js'
export { cookFlat, flatRoot, flatSize } from './flat.js'
export { cookGitBare } from './git/bare.js'
export { type PackEntry, type PackResult, type PackSink, writePack } from './git/pack.js'
export {
  type GitRef,
  type GitRefs,
  refsOfOrigin,
  refsOfSnapshot,
  refsOfTarget,
} from './git/refs.js'
export { type PackPlan, type PackRequest, type PackWant, planPack, planSize } from './git/walk.js'
export {
  type BundleEstimator,
  type CookQueue,
  permanentCookError,
  Vault,
  VAULT_DEFAULTS,
  VAULT_TASK_KIND,
  type VaultInit,
  type VaultTaskArgs,
  vaultTaskArgs,
} from './service.js'
export { type BundleState, type BundleStatus, BundleStore } from './store.js'
export { TarWriter } from './tar.js'
