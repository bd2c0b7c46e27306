/**
 * `loadPackage(source, options)`: one visit of a package origin by a {@link PackageSource},
 * on the loader core. Every package loader (archive `tar`, npm, PyPI, crates, Debian,
 * nixguix) is a source and this call.
 *
 * @module
 */

import { runLoad } from '../core/run.js'
import type { LoadResult } from '../core/types.js'
import { PackageProducer } from './producer.js'
import type { PackageLoadOptions, PackageSource } from './types.js'

/**
 * Loads (visits) the origin of `source`.
 *
 * @example
 * ```ts
 * const r = await loadPackage(new ArchiveSource(url, artifacts), { storage, scratchDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export function loadPackage<Raw>(
  source: PackageSource<Raw>,
  options: PackageLoadOptions,
): Promise<LoadResult> {
  return runLoad(new PackageProducer(source, options), options)
}
