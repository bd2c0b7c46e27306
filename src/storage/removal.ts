/**
 * Removal (really deleting, unlike a takedown's masking): the reverse-reference queries that
 * tell whether an object is referenced from elsewhere, the deletion of listed objects, and the
 * audit trail of removals. Types only; the SQL backend implements {@link StorageRemoval}.
 *
 * @module
 */

/** Kinds of objects a removal deletes, top-down (a kind never references an earlier one). */
export const REMOVAL_ORDER = ['ori', 'snp', 'rel', 'rev', 'dir', 'cnt'] as const

/** One of {@link REMOVAL_ORDER}: the SWHID type of a removed object. */
export type RemovalKind = (typeof REMOVAL_ORDER)[number]

/** An object that references `target` through an indexed edge. */
export interface Referrer {
  /** Hex id of the referenced object. */
  readonly target: string
  /** What references it: an origin (through a visit status), a snapshot, a release, a revision. */
  readonly kind: 'ori' | 'snp' | 'rel' | 'rev'
  /** Hex id of the referrer (for an origin: the sha1 of its URL, its `ori` id). */
  readonly id: string
}

/** The edges of one stored revision (what a parent scan needs, nothing decoded). */
export interface RevisionEdges {
  readonly id: string
  readonly directory: string
  readonly parents: readonly string[]
}

/** The audit record of a removal. */
export interface RemovalRecord {
  readonly id: string
  readonly date: Date
  /** Who asked for it (the operator's name, or `journal:<upstream>` on a mirror). */
  readonly actor: string
  readonly reason: string
  /** The SWHIDs or origin URLs asked for, as given. */
  readonly roots: readonly string[]
  /** Removed objects per kind. */
  readonly counts: Readonly<Record<string, number>>
  /**
   * `planned` (the list of objects is recorded), `bundled` (the recovery bundle is written),
   * `deleted` (every object is gone), `done` (published on the journal too), `restored` (its
   * bundle was restored).
   */
  readonly state: 'planned' | 'bundled' | 'deleted' | 'done' | 'restored'
  /** Path of the encrypted recovery bundle, or null. */
  readonly bundle: string | null
  readonly finished: Date | null
}

/** A backend that can find reverse references, delete objects, and keep removal records. */
export interface StorageRemoval {
  /**
   * Who references the given hex ids through an indexed edge: origins whose visit statuses
   * name a snapshot, snapshots whose branches target an object, releases targeting an object,
   * revisions whose root directory it is. (Directory entries and revision parents are packed
   * in their rows: {@link scanPackedDirectories} and {@link scanRevisionEdges} find those.)
   */
  referrers(ids: readonly string[]): Promise<Referrer[]>
  /** Up to `limit` revisions with an id greater than `after`, with their edges only. */
  scanRevisionEdges(
    after: string | null,
    limit: number,
  ): Promise<{ readonly items: readonly RevisionEdges[]; readonly next: string | null }>
  /**
   * Deletes the objects named by SWHIDs (core ones, and `swh:1:ori:` for an origin with its
   * visits, statuses and fork-index rows), with their ExtIDs, and for contents the skipped
   * contents of that id and the bytes in the content store (rows first). Counters follow.
   * Objects already gone are skipped: a rerun is a no-op. The caller orders them top-down.
   * Returns how many rows of the named objects were deleted.
   */
  removeObjects(swhids: readonly string[]): Promise<number>
  /** Records a removal and its plan (the SWHIDs in deletion order), in one transaction. */
  removalCreate(record: RemovalRecord, swhids: readonly string[]): Promise<void>
  /** Updates the state of a removal (and its bundle, counts, finished date). */
  removalUpdate(
    id: string,
    change: Partial<Pick<RemovalRecord, 'state' | 'bundle' | 'counts' | 'finished'>>,
  ): Promise<void>
  /** A removal by id, or null. */
  removalGet(id: string): Promise<RemovalRecord | null>
  /** Every removal, oldest first. */
  removalList(): Promise<RemovalRecord[]>
  /** Lifts the masks a removal set on its objects (its request id), none of any other request. */
  removalUnmask(id: string): Promise<void>
  /** Up to `limit` planned SWHIDs of a removal from position `from`, in deletion order. */
  removalObjects(id: string, from: number, limit: number): Promise<string[]>
}
