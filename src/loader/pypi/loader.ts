/**
 * The PyPI loader (visit type `pypi`): one visit of `https://pypi.org/project/<name>/` (or the
 * same path on another index), the project read from the index's JSON API (`plan.ts`) and
 * loaded by the package-loader core.
 *
 * @module
 */

import type { LoadResult } from '../core/types.js'
import { loadPackage, type PackageLoadOptions } from '../package/index.js'
import { PlanSource } from '../pkginfo/source.js'
import { pypiApiUrl, pypiPlan } from './plan.js'

/**
 * Loads (visits) the PyPI project of `url`.
 *
 * @example
 * ```ts
 * await loadPypi('https://pypi.org/project/requests/', { storage, scratchDir })
 * ```
 */
export function loadPypi(url: string, options: PackageLoadOptions): Promise<LoadResult> {
  pypiApiUrl(url) // an URL naming no project is refused before the visit
  const source = new PlanSource({
    visitType: 'pypi',
    origin: url,
    plan: (c) =>
      pypiPlan(url, {
        ...(c.network ? { network: c.network } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
      }),
  })
  return loadPackage(source, options)
}

/** Whether `url` is a pypi.org project origin (no request made). */
export function probePypi(url: string): Promise<boolean> {
  return Promise.resolve(/^https:\/\/pypi\.org\/project\/[^/]+\/?$/.test(url))
}
