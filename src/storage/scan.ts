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

/** A directory row as stored: its entries packed (see `codec.ts`), not decoded. */
export interface PackedDirectory {
  /** The hex id (the scan key). */
  readonly key: string
  readonly packed: Uint8Array
  readonly rawManifest: Uint8Array | null
}

/** Kinds whose ids can be scanned alone. */
export type IdScanKind = Exclude<ScanKind, 'origin_visit_status'>

/** A backend that can be scanned. */
export interface StorageScan {
  /** Up to `limit` objects of `kind` with a key greater than `after` (null: the first). */
  scan(kind: ScanKind, after: string | null, limit: number): Promise<ScanPage>
  /** Like {@link scan} of directories, with the entries left packed (for fast checks). */
  scanPackedDirectories(
    after: string | null,
    limit: number,
  ): Promise<{ readonly items: readonly PackedDirectory[]; readonly next: string | null }>
  /**
   * Up to `limit` ids (20 bytes each, concatenated) of `kind` greater than `after`, in order;
   * `next` is the last one (null after the last page). Cheap: the primary key only.
   */
  scanIds(
    kind: IdScanKind,
    after: Uint8Array | null,
    limit: number,
  ): Promise<{ readonly ids: Uint8Array; readonly next: Uint8Array | null }>
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
