/**
 * Types of the raw extrinsic metadata part of the storage interface (docs/metadata.md):
 * metadata about an object or an origin from outside it (a forge's repository JSON, a
 * registry's package record, a deposit), kept as the authority sent it, as Software Heritage's
 * `raw_extrinsic_metadata_*` methods keep it.
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'

/** Options of `Storage.rawExtrinsicMetadataGet`. */
export interface RawExtrinsicMetadataGetOptions extends AbortOptions {
  /** Only metadata discovered strictly after this date. */
  readonly after?: Date | null
  /** The token of the page to read (from a previous page), null for the first. */
  readonly pageToken?: string | null
  /** Page size (default 100). */
  readonly limit?: number
}
