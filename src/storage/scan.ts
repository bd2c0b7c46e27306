/**
 * Integrity scans of a backend: every stored object of one kind, page by page in key order,
 * as `arca fsck` walks them. Types only; the SQL backend implements {@link StorageScan}.
 *
 * @module
 */

import type {
  Content,
  Directory,
  OriginVisitStatus,
  Release,
  Revision,
  Snapshot,
} from '../model/index.js'

/** The kinds a scan walks, in reference order (an earlier kind never references a later one). */
export const SCAN_KINDS = [
  'content',
  'directory',
  'revision',
  'release',
  'snapshot',
  'origin_visit_status',
] as const

/** A scanned kind. */
export type ScanKind = (typeof SCAN_KINDS)[number]

/** A decoded stored object of a scanned kind. */
export type ScannedObject =
  | { readonly kind: 'content'; readonly value: Content }
  | { readonly kind: 'directory'; readonly value: Directory }
  | { readonly kind: 'revision'; readonly value: Revision }
  | { readonly kind: 'release'; readonly value: Release }
  | { readonly kind: 'snapshot'; readonly value: Snapshot }
  | { readonly kind: 'origin_visit_status'; readonly value: OriginVisitStatus }

/**
 * One stored row: its key (a hex id, or the decimal sequence number of a visit status) and the
 * object it decodes to, or why it does not decode.
 */
export type ScanItem =
  | { readonly key: string; readonly object: ScannedObject; readonly error?: undefined }
  | { readonly key: string; readonly error: string; readonly object?: undefined }

/** A page of a scan; `next` is the key to continue after, null after the last page. */
export interface ScanPage {
  readonly items: readonly ScanItem[]
  readonly next: string | null
}

/** A backend that can be scanned. */
export interface StorageScan {
  /** Up to `limit` objects of `kind` with a key greater than `after` (null: the first). */
  scan(kind: ScanKind, after: string | null, limit: number): Promise<ScanPage>
}

/** A graph object a repair writes back. */
export type RepairObject = Exclude<ScannedObject, { kind: 'content' | 'origin_visit_status' }>

/** A backend whose rows a repair can rewrite. */
export interface StorageRepair {
  /**
   * Replaces the stored rows of these objects by the given ones (same ids; the caller has
   * verified that each hashes to its id), each in one transaction: a reader sees the old row or
   * the new one. Objects not stored are added. Counters are unchanged by a replacement.
   */
  replace(objects: readonly RepairObject[]): Promise<void>
}
