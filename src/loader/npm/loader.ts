/**
 * The npm loader (visit type `npm`): one visit of `https://www.npmjs.com/package/<name>`, the
 * package read from the configured registry (`plan.ts`) and loaded by the package-loader core.
 *
 * @module
 */

import type { LoadResult } from '../core/types.js'
import { loadPackage, type PackageLoadOptions } from '../package/index.js'
import { registriesOf, type RegistryLoadOptions } from '../pkginfo/registries.js'
import { PlanSource } from '../pkginfo/source.js'
import { npmOriginOf, npmPackageName, npmPlan } from './plan.js'

/** Options of {@link loadNpm}. */
export type NpmLoadOptions = PackageLoadOptions & RegistryLoadOptions

/**
 * Loads (visits) the npm package of `url`.
 *
 * @example
 * ```ts
 * await loadNpm('https://www.npmjs.com/package/left-pad', { storage, scratchDir, registries: { npm: 'http://127.0.0.1:4873' } })
 * ```
 */
export function loadNpm(url: string, options: NpmLoadOptions): Promise<LoadResult> {
  const origin = npmOriginOf(npmPackageName(url))
  const registry = registriesOf(options).npm
  const source = new PlanSource({
    visitType: 'npm',
    origin,
    plan: (c) =>
      npmPlan(origin, {
        ...(registry ? { registry } : {}),
        ...(c.network ? { network: c.network } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
      }),
  })
  return loadPackage(source, options)
}

/** Whether `url` is an npm origin (no request made). */
export function probeNpm(url: string): Promise<boolean> {
  return Promise.resolve(/^https:\/\/www\.npmjs\.com\/package\/[^/]/.test(url))
}
