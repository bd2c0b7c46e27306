/**
 * The CVS loader: one visit of a CVS module, run by the loader core with the CVS producer
 * (`producer.ts`). Origins are `file:///root/module` (or a local path to the module folder),
 * `rsync://host/root/module` and `pserver://user@host/root/module`, as in Software Heritage;
 * the snapshot has one branch, `HEAD`, to the last changeset's revision.
 *
 * @module
 */

import { runLoad } from '../core/run.js'
import type { LoadOptions, LoadResult } from '../core/types.js'
import { parseCvsUrl } from './origin.js'
import { CvsProducer } from './producer.js'

/** Contents of this size or more are skipped contents by default (as the git loader's). */
const DEFAULT_MAX_CONTENT_SIZE = 100 * 1024 * 1024

/** A server silent for this long is given up by default (as the git loader's). */
const DEFAULT_STALL_TIMEOUT_MS = 120_000

/** Options of {@link loadCvs}. */
export interface CvsLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
  /** A server that sends nothing for this long is given up (default 120 s). */
  readonly stallTimeoutMs?: number
}

/**
 * Loads (visits) the CVS module at `url` into the archive.
 *
 * @example
 * ```ts
 * const r = await loadCvs('rsync://cvs.example.org/cvsroot/proj', { storage, scratchDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export async function loadCvs(url: string, options: CvsLoadOptions): Promise<LoadResult> {
  const producer = new CvsProducer(parseCvsUrl(url), {
    maxContentSize: options.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE,
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
  })
  return runLoad(producer, options)
}
