/**
 * The Mercurial loader (visit type `hg`): one visit of a Mercurial repository — a local path,
 * `file://`, `http(s)://` (hgweb, `hg serve`) or `ssh://` — run by the loader core with the hg
 * producer (`producer.ts`), recording what Software Heritage's hg loader records (see
 * docs/loader-hg.md).
 *
 * @module
 */

import { DEFAULT_STALL_TIMEOUT_MS } from '../core/child.js'
import { DEFAULT_MAX_CONTENT_SIZE } from '../core/content.js'
import { runLoad } from '../core/run.js'
import type { LoadOptions, LoadResult } from '../core/types.js'
import { splitRemoteUrl } from '../origin-url.js'
import { HgProducer } from './producer.js'

/** Options of {@link loadHg}. */
export interface HgLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
  /** An HTTP(S) server that sends nothing for this long is given up (default 120 s). */
  readonly stallTimeoutMs?: number
}

/**
 * Loads (visits) the Mercurial repository at `url`. The origin recorded is `url` normalised
 * and without credentials; credentials are used for the clone only.
 *
 * @example
 * ```ts
 * const r = await loadHg('https://hg.example.org/repo', { storage, scratchDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export async function loadHg(url: string, options: HgLoadOptions): Promise<LoadResult> {
  const producer = new HgProducer(splitRemoteUrl(url), {
    maxContentSize: options.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE,
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
  })
  return runLoad(producer, options)
}
