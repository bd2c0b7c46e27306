/**
 * The graph storage interface: where every object of the archive lands once and is found again.
 * Types only. Semantics follow Software Heritage's storage API (swh-storage `interface.py`,
 * camelCased): batch adds that return counts, `*Missing` (ask, then send only what is new),
 * `*Get` in input order with `null` for a miss, paged listings with opaque page tokens.
 *
 * Write order is the caller's duty and the archive's main invariant: an object is added only
 * after everything it references (contents before directories before revisions before releases
 * before snapshots before the visit status naming the snapshot). Backends never check it (that
 * would cost a lookup per edge); loaders and replayers guarantee it, and crash tests check it.
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'
import type {
  Content,
  CoreSwhid,
  Directory,
  ExtendedSwhid,
  ExtId,
  MetadataAuthority,
  MetadataFetcher,
  Origin,
  OriginVisit,
  OriginVisitStatus,
  RawExtrinsicMetadata,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../model/index.js'
import type { RawExtrinsicMetadataGetOptions } from './extrinsic-metadata.js'

export type { RawExtrinsicMetadataGetOptions } from './extrinsic-metadata.js'
import type { CodeSearchOptions, CodeSearchPage } from './code-search.js'
import type {
  AddSummary,
  ContentHashName,
  ContentLength,
  ContentWithData,
  Counters,
  DirectoryEntryInfo,
  DirectoryLsOptions,
  MaskingState,
  OriginForksOptions,
  OriginForksPage,
  OriginListOptions,
  OriginMetadataRecord,
  OriginMetadataSearchOptions,
  OriginSearchOptions,
  OriginSearchPage,
  OriginVisitGetOptions,
  OriginVisitInit,
  OriginVisitLatestOptions,
  OriginVisitStatusGetOptions,
  OriginVisitWithStatus,
  Page,
  ProvenanceListKind,
  ProvenanceListOptions,
  ProvenanceListPage,
  ProvenanceOccurrence,
  RevisionLogOptions,
  SnapshotBranchesOptions,
  SnapshotBranchesPage,
} from './storage-types.js'

/** Options every call accepts (one definition, in `errors`). */
export type { AbortOptions }

export * from './storage-types.js'

/**
 * The graph storage. Every method takes an options bag with an optional `AbortSignal`.
 *
 * @example
 * ```ts
 * const storage = await openStorage('sqlite:arca-data/graph.sqlite', { objstorage })
 * const missing = await storage.contentMissing(contents.map((c) => c.sha1Git))
 * await storage.contentAdd(contents.filter((c) => missing.includes(c.sha1Git)))
 * await storage.close()
 * ```
 */
export interface Storage {
  /** Opens connections, runs pending schema migrations. Idempotent. */
  open(options?: AbortOptions): Promise<void>
  /** Flushes and releases every resource. */
  close(): Promise<void>
  /** Writes whatever a layer holds back (buffers). A no-op for backends. */
  flush(options?: AbortOptions): Promise<AddSummary>

  // -- contents ------------------------------------------------------------------------------
  /**
   * Adds contents: bytes go to the content store first, then the rows (so a visible row always
   * has its bytes). Contents already stored are skipped.
   */
  contentAdd(contents: readonly ContentWithData[], options?: AbortOptions): Promise<AddSummary>
  /** Adds content rows whose bytes are already in the content store (replayers, mirrors). */
  contentAddMetadata(contents: readonly Content[], options?: AbortOptions): Promise<AddSummary>
  /** The sha1_git ids of `ids` that are not stored. */
  contentMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]>
  /** Contents by hash, in input order, null for a miss. */
  contentGet(
    ids: readonly string[],
    hash?: ContentHashName,
    options?: AbortOptions,
  ): Promise<(Content | null)[]>
  /**
   * The length and status of contents by sha1_git, in input order, null for a miss (a skipped
   * content is a miss): what a reader that only sizes contents needs (a pack's planner), without
   * the row's four hashes.
   */
  contentLengthGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(ContentLength | null)[]>
  /** Skipped contents (no bytes): hashes where known, a reason. */
  skippedContentAdd(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<AddSummary>
  /** The given skipped contents that are not stored (matched on their hashes). */
  skippedContentMissing(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<SkippedContent[]>
  /** Skipped contents recorded with this sha1_git. */
  skippedContentFind(sha1Git: string, options?: AbortOptions): Promise<SkippedContent[]>

  // -- directories ---------------------------------------------------------------------------
  directoryAdd(directories: readonly Directory[], options?: AbortOptions): Promise<AddSummary>
  directoryMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]>
  directoryGet(ids: readonly string[], options?: AbortOptions): Promise<(Directory | null)[]>
  /**
   * The bytes each directory hashes to its id (its git tree object, `tree <size>\0` header
   * included: the raw manifest where one is kept), or null when unknown: what pack writers send
   * and walk, without decoding the entries into objects.
   */
  directoryManifestGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Uint8Array | null)[]>
  /** Entries of a directory, or of its whole subtree; null when the directory is unknown. */
  directoryLs(id: string, options?: DirectoryLsOptions): Promise<DirectoryEntryInfo[] | null>
  /** The entry at `path` (raw name components) below directory `id`, or null. */
  directoryEntryGetByPath(
    id: string,
    path: readonly Uint8Array[],
    options?: AbortOptions,
  ): Promise<DirectoryEntryInfo | null>

  // -- revisions -----------------------------------------------------------------------------
  revisionAdd(revisions: readonly Revision[], options?: AbortOptions): Promise<AddSummary>
  revisionMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]>
  revisionGet(ids: readonly string[], options?: AbortOptions): Promise<(Revision | null)[]>
  /**
   * The bytes each revision hashes to its id (its git commit object, `commit <size>\0` header
   * included: the raw manifest where one is kept), or null when unknown: what pack writers send
   * and walk (its `tree` and `parent` lines), without building revision objects.
   */
  revisionManifestGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Uint8Array | null)[]>
  /** Revisions reachable from `ids` through parents, breadth first, each once. */
  revisionLog(ids: readonly string[], options?: RevisionLogOptions): AsyncIterable<Revision>

  // -- releases ------------------------------------------------------------------------------
  releaseAdd(releases: readonly Release[], options?: AbortOptions): Promise<AddSummary>
  releaseMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]>
  releaseGet(ids: readonly string[], options?: AbortOptions): Promise<(Release | null)[]>

  // -- snapshots -----------------------------------------------------------------------------
  snapshotAdd(snapshots: readonly Snapshot[], options?: AbortOptions): Promise<AddSummary>
  snapshotMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]>
  /** A whole snapshot (every branch: use {@link snapshotGetBranches} for big ones). */
  snapshotGet(ids: readonly string[], options?: AbortOptions): Promise<(Snapshot | null)[]>
  /** One page of branches, by name order; null when the snapshot is unknown. */
  snapshotGetBranches(
    id: string,
    options?: SnapshotBranchesOptions,
  ): Promise<SnapshotBranchesPage | null>
  /** Number of branches per target type (`alias`, `revision`, …; `null` key: dangling). */
  snapshotCountBranches(
    id: string,
    options?: AbortOptions,
  ): Promise<Readonly<Record<string, number>> | null>

  // -- origins and visits --------------------------------------------------------------------
  originAdd(origins: readonly Origin[], options?: AbortOptions): Promise<AddSummary>
  originGet(urls: readonly string[], options?: AbortOptions): Promise<(Origin | null)[]>
  /** Origins by their `ori` id (sha1 of the URL). */
  originGetBySha1(ids: readonly string[], options?: AbortOptions): Promise<(Origin | null)[]>
  /** Every origin, paged (stable order). */
  originList(options?: OriginListOptions): Promise<Page<Origin>>
  /** Origins whose URL contains `pattern` (or matches it as a regexp), paged. */
  originSearch(pattern: string, options?: OriginSearchOptions): Promise<OriginSearchPage>
  /** Number of origins {@link originSearch} would return over all its pages. */
  originSearchCount(pattern: string, options?: OriginSearchOptions): Promise<number>
  /**
   * Creates visits, assigning each the next number for its origin (1, 2, …), atomically even
   * with concurrent writers. The origin must exist.
   */
  originVisitAdd(visits: readonly OriginVisitInit[], options?: AbortOptions): Promise<OriginVisit[]>
  /**
   * Adds visit statuses. Every status is kept, even several of one visit at the same date
   * (ordered by date, then as added); adding a status equal to a stored one in every field
   * changes nothing (replays are idempotent).
   */
  originVisitStatusAdd(
    statuses: readonly OriginVisitStatus[],
    options?: AbortOptions,
  ): Promise<AddSummary>
  /** Visits of an origin, paged by visit number. */
  originVisitGet(origin: string, options?: OriginVisitGetOptions): Promise<Page<OriginVisit>>
  /** One visit, or null. */
  originVisitGetByNumber(
    origin: string,
    visit: number,
    options?: AbortOptions,
  ): Promise<OriginVisit | null>
  /** The latest visit (highest number) matching the filters, with its latest status. */
  originVisitGetLatest(
    origin: string,
    options?: OriginVisitLatestOptions,
  ): Promise<OriginVisitWithStatus | null>
  /** The latest status of a visit, or null. */
  originVisitStatusGetLatest(
    origin: string,
    visit: number,
    options?: AbortOptions,
  ): Promise<OriginVisitStatus | null>
  /** The most recent visit statuses of any origin (newest first), optionally only these values. */
  originVisitStatusGetRecent(
    limit: number,
    options?: { readonly statuses?: readonly string[] } & AbortOptions,
  ): Promise<OriginVisitStatus[]>
  /** Every status of a visit, paged by date. */
  originVisitStatusGet(
    origin: string,
    visit: number,
    options?: OriginVisitStatusGetOptions,
  ): Promise<Page<OriginVisitStatus>>

  /**
   * Forks of an origin (origins sharing a root revision with it, from the index kept when visit
   * statuses name snapshots), by URL, paged; null when the origin is unknown.
   */
  originForks(url: string, options?: OriginForksOptions): Promise<OriginForksPage | null>

  /**
   * Literal, word or regular-expression search over the code of origins' latest snapshots
   * (docs/code-search.md); absent on a backend without the index.
   */
  codeSearch?(query: string, options?: CodeSearchOptions): Promise<CodeSearchPage>

  /** Records (replacing) the indexed intrinsic metadata of origins (which must exist). */
  originMetadataAdd(
    records: readonly OriginMetadataRecord[],
    options?: AbortOptions,
  ): Promise<AddSummary>
  /**
   * Origins whose indexed metadata holds every word of `fulltext` (case and accents ignored),
   * best ranked first.
   */
  originMetadataSearch(
    fulltext: string,
    options?: OriginMetadataSearchOptions,
  ): Promise<OriginMetadataRecord[]>

  // -- provenance ----------------------------------------------------------------------------
  /** First occurrences of objects (docs/provenance.md), in input order, null when unknown. */
  provenanceFirst(
    swhids: readonly CoreSwhid[],
    options?: AbortOptions,
  ): Promise<(ProvenanceOccurrence | null)[]>
  /**
   * The revisions, releases or origins containing a content or directory, paged; null when the
   * object has no recorded occurrence.
   */
  provenanceList(
    swhid: CoreSwhid,
    kind: ProvenanceListKind,
    options?: ProvenanceListOptions,
  ): Promise<ProvenanceListPage | null>

  // -- extids --------------------------------------------------------------------------------
  extidAdd(extids: readonly ExtId[], options?: AbortOptions): Promise<AddSummary>
  extidGetFromExtid(
    extidType: string,
    extids: readonly Uint8Array[],
    options?: { readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]>
  extidGetFromTarget(
    target: CoreSwhid,
    options?: { readonly extidType?: string; readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]>

  // -- raw extrinsic metadata (docs/metadata.md) ----------------------------------------------
  /** Records metadata authorities (known ones are left as they are). */
  metadataAuthorityAdd(
    authorities: readonly MetadataAuthority[],
    options?: AbortOptions,
  ): Promise<AddSummary>
  /** Records metadata fetchers (known ones are left as they are). */
  metadataFetcherAdd(
    fetchers: readonly MetadataFetcher[],
    options?: AbortOptions,
  ): Promise<AddSummary>
  /** Records raw extrinsic metadata (by id; their authority and fetcher must be recorded). */
  rawExtrinsicMetadataAdd(
    metadata: readonly RawExtrinsicMetadata[],
    options?: AbortOptions,
  ): Promise<AddSummary>
  /** Metadata on `target` from `authority`, by discovery date then id, paged. */
  rawExtrinsicMetadataGet(
    target: ExtendedSwhid,
    authority: MetadataAuthority,
    options?: RawExtrinsicMetadataGetOptions,
  ): Promise<Page<RawExtrinsicMetadata>>
  /** Metadata by `emd` ids (hex), the ones found. */
  rawExtrinsicMetadataGetByIds(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<RawExtrinsicMetadata[]>
  /** The authorities that gave metadata on `target`. */
  rawExtrinsicMetadataGetAuthorities(
    target: ExtendedSwhid,
    options?: AbortOptions,
  ): Promise<MetadataAuthority[]>
  /** The latest metadata from `authority` on each target (null where none), in input order. */
  rawExtrinsicMetadataGetLatest(
    targets: readonly ExtendedSwhid[],
    authority: MetadataAuthority,
    options?: AbortOptions,
  ): Promise<(RawExtrinsicMetadata | null)[]>

  // -- counters and masking ------------------------------------------------------------------
  /** Maintained counters per kind. */
  statCounters(options?: AbortOptions): Promise<Counters>
  /**
   * Masking states of the given objects (takedowns): a missing key means visible. Backends
   * without masking return an empty map.
   */
  maskedGet(
    swhids: readonly ExtendedSwhid[],
    options?: AbortOptions,
  ): Promise<ReadonlyMap<string, readonly MaskingState[]>>
  /**
   * Whether any object is masked at all (one indexed probe): when none is, the masking layer
   * answers a batch without naming its objects to {@link maskedGet}.
   */
  maskedAny(options?: AbortOptions): Promise<boolean>
}
