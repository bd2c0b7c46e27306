/**
 * The registry of bundle kinds: the one place that says which cookers this archive has (and
 * how to estimate a bundle's size before cooking it). A kind not registered here answers
 * "not available" (HTTP 501) everywhere.
 *
 * @module
 */

import { join } from 'node:path'

import type { BundleType, Cooker } from './cooker.js'
import { cookFlat, flatSize } from './flat.js'
import { cookGitBare } from './git/bare.js'
import { type BundleEstimator, Vault, type VaultInit } from './service.js'

/** Every bundle kind of Software Heritage's vault, in its order. */
export const BUNDLE_TYPES: readonly BundleType[] = ['flat', 'git-bare']

/** The cookers of this archive, by bundle kind. */
export function defaultCookers(): Map<BundleType, Cooker> {
  return new Map<BundleType, Cooker>([
    ['flat', cookFlat],
    ['git-bare', cookGitBare],
  ])
}

/**
 * The size estimators, by bundle kind (kinds without one are always queued: git-bare, whose
 * size is known only once its pack is planned).
 */
export function defaultEstimators(): Map<BundleType, BundleEstimator> {
  return new Map<BundleType, BundleEstimator>([['flat', flatSize]])
}

/** Whether `s` names a bundle kind of the vault API (`flat`, `git-bare`). */
export function isBundleType(s: string): s is BundleType {
  return (BUNDLE_TYPES as readonly string[]).includes(s)
}

/**
 * The vault of an archive: its cache under `<dataDir>/vault`, the registered cookers, and the
 * reads given (pass the masked view: a public vault must honour takedowns).
 *
 * @example
 * ```ts
 * const vault = archiveVault({ ...maskedView(archive), dataDir: archive.dataDir })
 * ```
 */
export function archiveVault(
  init: Omit<VaultInit, 'cookers' | 'estimators' | 'dir'> & { readonly dataDir: string },
): Vault {
  const { dataDir, ...rest } = init
  const vault = new Vault({
    ...rest,
    dir: join(dataDir, 'vault'),
    cookers: defaultCookers(),
    estimators: defaultEstimators(),
  })
  void vault.sweep().catch(() => undefined)
  return vault
}
