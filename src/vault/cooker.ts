/**
 * The one interface every vault bundle kind implements: a cooker writes the bundle of a target
 * object to a stream, as it is produced, so a download can start at once and memory does not
 * grow with the bundle's size.
 */
import type { CoreSwhid } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { Storage } from '../storage/index.js'
import type { ListingCache } from './listings.js'

/** The bundle kinds of Software Heritage's vault. */
export type BundleType = 'flat' | 'git-bare'

export interface CookContext {
  /** The graph, seen through the masking layer: a masked object reads as masked. */
  readonly storage: Storage
  readonly objstorage: ObjStorage
  /** A short progress message, as the vault's `progress_message` shows it. */
  readonly progress?: (message: string) => void
  readonly signal?: AbortSignal
  /**
   * Directory listings already read in this request (by a size estimate before the cook): the
   * flat walks read them from here first, and keep what they read in it.
   */
  readonly listings?: ListingCache
}

/**
 * Writes the bundle of `target` to `out` and resolves when the last byte is written (the
 * cooker ends `out`). Rejects with an ArcaError naming what is wrong when an object is
 * missing or masked, or when `target` is not a kind this bundle accepts.
 */
export type Cooker = (
  ctx: CookContext,
  target: CoreSwhid,
  out: NodeJS.WritableStream,
) => Promise<void>
