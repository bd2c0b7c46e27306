/**
 * The crates loader (visit type `crates`): one visit of `https://crates.io/crates/<name>`, the
 * crate read from the configured index and Web API (`plan.ts`) and loaded by the
 * package-loader core.
 *
 * @module
 */

import type { LoadResult } from '../core/types.js'
import { loadPackage, type PackageLoadOptions } from '../package/index.js'
import { registriesOf, type RegistryLoadOptions } from '../pkginfo/registries.js'
import { PlanSource } from '../pkginfo/source.js'
import { crateName, cratesPlan } from './plan.js'

/** Options of {@link loadCrates}. */
export type CratesLoadOptions = PackageLoadOptions & RegistryLoadOptions

/**
 * Loads (visits) the crate of `url`.
 *
 * @example
 * ```ts
 * await loadCrates('https://crates.io/crates/serde', { storage, scratchDir })
 * ```
 */
export function loadCrates(url: string, options: CratesLoadOptions): Promise<LoadResult> {
  crateName(url)
  const r = registriesOf(options)
  const source = new PlanSource({
    visitType: 'crates',
    origin: url,
    plan: (c) =>
      cratesPlan(url, {
        ...(r.cratesIndex ? { index: r.cratesIndex } : {}),
        ...(r.cratesApi ? { api: r.cratesApi } : {}),
        ...(c.network ? { network: c.network } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
        scratch: c.scratch,
      }),
  })
  return loadPackage(source, options)
}

/** Whether `url` is a crates.io origin (no request made). */
export function probeCrates(url: string): Promise<boolean> {
  return Promise.resolve(/^https:\/\/crates\.io\/crates\/[A-Za-z0-9_-]+\/?$/.test(url))
}
