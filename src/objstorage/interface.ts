/**
 * The content store: content bytes by their sha1_git. Types only. Backends: a filesystem store
 * with sliced paths (`fs/`), room for S3-compatible ones (nothing here assumes files).
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'
import type { ContentHashes } from '../model/index.js'

/** Options every call accepts (one definition, in `errors`). */
export type { AbortOptions }

/** Options of {@link ObjStorage.get}. */
export interface ObjGetOptions extends AbortOptions {
  /** Recompute sha1_git while streaming; a mismatch throws a CorruptError at the end. */
  readonly verify?: boolean
}

/** The length and the four hashes of stored bytes ({@link ObjStorage.hashMany}). */
export interface StoredHashes {
  readonly length: number
  readonly hashes: ContentHashes
}

/** Options of {@link ObjStorage.list}. */
export interface ObjListOptions extends AbortOptions {
  /** First id (inclusive), lowercase hex; default the smallest. */
  readonly from?: string
  /** Last id (exclusive); default past the largest. */
  readonly to?: string
}

/**
 * Content bytes keyed by sha1_git (40 lowercase hex digits).
 *
 * @example
 * ```ts
 * await store.add(content.sha1Git, bytes)
 * for await (const chunk of store.get(content.sha1Git, { verify: true })) process(chunk)
 * ```
 */
export interface ObjStorage {
  open(options?: AbortOptions): Promise<void>
  close(): Promise<void>
  /**
   * Stores bytes under `id`, atomically: a reader sees the whole object or nothing. Adding an id
   * already present is a no-op. `data` may be an async iterable of chunks for large contents.
   * The caller vouches that the bytes hash to `id` (the storage's validate layer checks).
   */
  add(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options?: AbortOptions,
  ): Promise<void>
  /**
   * Stores many small objects at once (same semantics as {@link add} for each); backends batch
   * the durable writes. Every object is stored when the promise resolves.
   */
  addBatch(
    items: readonly { id: string; data: Uint8Array }[],
    options?: AbortOptions,
  ): Promise<void>
  /**
   * Stores bytes under `id` even when it is present, atomically (a reader sees the old bytes or
   * the new ones, never a mix): how a repair rewrites corrupt bytes. The caller has verified them.
   */
  replace(
    id: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    options?: AbortOptions,
  ): Promise<void>
  /** Whether `id` is stored. */
  has(id: string, options?: AbortOptions): Promise<boolean>
  /** The ids of `ids` not stored. */
  missing(ids: readonly string[], options?: AbortOptions): Promise<string[]>
  /** Streams the bytes of `id`; throws NotFoundError when absent. */
  get(id: string, options?: ObjGetOptions): AsyncIterable<Uint8Array>
  /** All bytes of `id` (for small contents). */
  getBytes(id: string, options?: ObjGetOptions): Promise<Uint8Array>
  /**
   * All bytes of each of `ids` (small contents; the caller bounds the batch's total size), in
   * order, read at once: what bundle and pack writers read ahead with. Throws NotFoundError
   * (or CorruptError, when verifying) naming the first content that cannot be given. The bytes
   * are the caller's: the store keeps no reference to them (a pack writer hands their buffer to
   * a worker thread).
   */
  getBytesMany(ids: readonly string[], options?: ObjGetOptions): Promise<Uint8Array[]>
  /**
   * All bytes of `id`, read synchronously, for batch tools checking many small contents
   * (`fsck`): on a local filesystem several times faster than {@link getBytes}, at the cost of
   * blocking the event loop during each read, so servers never use it. Backends without
   * synchronous access (remote stores) leave it out. Throws NotFoundError when absent.
   */
  getBytesSync?(id: string): Uint8Array
  /**
   * The length and the four hashes (sha1, sha1_git, sha256, blake2s256) of the stored bytes of
   * each of `ids` (small contents, as for {@link getBytesMany}), in order, computed where the
   * bytes are read (the pack store: on worker threads, only the digests coming back), for
   * `fsck`. An entry is undefined when it cannot be given this way (absent, unreadable,
   * corrupt, or too large): read it with {@link getBytes}, which names the problem. Stores
   * that cannot do better than reading the bytes leave it out.
   */
  hashMany?(ids: readonly string[], options?: AbortOptions): Promise<(StoredHashes | undefined)[]>
  /** Removes `id` (takedowns only). Returns whether it was present. */
  delete(id: string, options?: AbortOptions): Promise<boolean>
  /** Stored ids in increasing order within `[from, to)` (integrity scans). */
  list(options?: ObjListOptions): AsyncIterable<string>
}
