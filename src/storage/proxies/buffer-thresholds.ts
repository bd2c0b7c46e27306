/**
 * When the buffering layer writes: its thresholds per kind, and their defaults.
 *
 * @module
 */

/** Thresholds per kind: objects, and bytes where it matters. */
export interface BufferThresholds {
  readonly content: number
  readonly contentBytes: number
  readonly skippedContent: number
  readonly directory: number
  readonly directoryEntries: number
  readonly revision: number
  readonly revisionParents: number
  readonly release: number
  readonly snapshot: number
  readonly snapshotBranches: number
  readonly extid: number
}

/** Defaults, after swh-storage's `DEFAULT_BUFFER_THRESHOLDS`. */
export const DEFAULT_BUFFER_THRESHOLDS: BufferThresholds = {
  content: 10_000,
  contentBytes: 100 << 20,
  skippedContent: 10_000,
  directory: 25_000,
  directoryEntries: 200_000,
  revision: 100_000,
  revisionParents: 200_000,
  release: 100_000,
  snapshot: 25_000,
  snapshotBranches: 200_000,
  extid: 10_000,
}
