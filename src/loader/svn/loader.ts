/**
 * The Subversion loader (visit type `svn`): one visit of a repository or of a path in one,
 * run by the loader core with the svn producer (`producer.ts`). Conventions, all Software
 * Heritage's: docs/loader-svn.md.
 *
 * @module
 */

import { runLoad } from '../core/run.js'
import type { LoadOptions, LoadResult } from '../core/types.js'
import { splitRemoteUrl } from '../origin-url.js'
import { SvnProducer } from './producer.js'

/** Default size from which a content is archived as a skipped content (hashes only). */
const DEFAULT_MAX_CONTENT_SIZE = 100 * 1024 * 1024

/** Options of {@link loadSvn}. */
export interface SvnLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
}

/**
 * Loads (visits) the Subversion repository at `url` (`svn://`, `http(s)://`, `file://` or a
 * local repository path; a path inside a repository loads that path's history).
 *
 * @example
 * ```ts
 * const r = await loadSvn('svn://svn.example.org/repo/trunk', { storage, scratchDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export async function loadSvn(url: string, options: SvnLoadOptions): Promise<LoadResult> {
  const producer = new SvnProducer(splitRemoteUrl(url), {
    maxContentSize: options.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE,
  })
  return runLoad(producer, options)
}
