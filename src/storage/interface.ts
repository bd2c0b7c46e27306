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
  DirectoryEntry,
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
  SnapshotBranch,
} from '../model/index.js'
import type { RawExtrinsicMetadataGetOptions } from './extrinsic-metadata.js'

export type { RawExtrinsicMetadataGetOptions } from './extrinsic-metadata.js'
import type { CodeSearchOptions, CodeSearchPage } from './code-search.js'

/** Options every call accepts (one definition, in `errors`). */
export type { AbortOptions }

/** Object kinds counted by {@link Storage.statCounters} and reported by adds. */
export type ObjectKind =
  | 'content'
  | 'skipped_content'
  | 'directory'
  | 'revision'
  | 'release'
  | 'snapshot'
  | 'origin'
  | 'origin_visit'
  | 'origin_visit_status'
  | 'extid'

/** Kinds in reference order: an earlier kind never references a later one. */
export const KINDS_IN_REFERENCE_ORDER: readonly ObjectKind[] = [
  'content',
  'skipped_content',
  'directory',
  'revision',
  'release',
  'snapshot',
  'extid',
  'origin',
  'origin_visit',
  'origin_visit_status',
]

/**
 * What an add stored: per kind, the number of new objects (`content:add`), and for contents the
 * bytes written (`content:add:bytes`), as swh-storage reports it.
 */
export type AddSummary = Readonly<Record<string, number>>

/** A content with its bytes, as given to {@link Storage.contentAdd}. */
export interface ContentWithData extends Content {
  readonly data: Uint8Array
}

/** Which hash a content lookup uses. */
export type ContentHashName = 'sha1' | 'sha1_git' | 'sha256' | 'blake2s256'

/** A directory entry with what a listing shows of its target. */
export interface DirectoryEntryInfo extends DirectoryEntry {
  /** Id of the directory holding the entry. */
  readonly dirId: string
  /** Path relative to the listed directory (recursive listings), else the name. */
  readonly path: Uint8Array
  /** For file entries whose content is stored: its length and status. */
  readonly length: number | null
  readonly status: 'visible' | 'hidden' | 'absent' | null
  /** For file entries whose content is stored: its other hashes. */
  readonly sha1: string | null
  readonly sha256: string | null
  readonly blake2s256: string | null
}

/** Options of {@link Storage.directoryLs}. */
export interface DirectoryLsOptions extends AbortOptions {
  /** List the whole subtree (depth first, parents before children). */
  readonly recursive?: boolean
}

/** A page of results with the token of the next page (null at the end). */
export interface Page<T> {
  readonly results: readonly T[]
  readonly nextPageToken: string | null
}

/** Options of {@link Storage.snapshotGetBranches}. */
export interface SnapshotBranchesOptions extends AbortOptions {
  /** First branch name to return (inclusive). */
  readonly branchesFrom?: Uint8Array
  /** Maximum number of branches (default 1000). */
  readonly branchesCount?: number
  /** Only branches with these target types ('alias' included); dangling ones match none. */
  readonly targetTypes?: readonly string[]
  /** Exclude branches whose name starts with these prefixes. */
  readonly branchNameExcludePrefix?: Uint8Array
}

/** A page of snapshot branches. */
export interface SnapshotBranchesPage {
  readonly id: string
  readonly branches: readonly SnapshotBranch[]
  /** Name of the first branch of the next page, or null. */
  readonly nextBranch: Uint8Array | null
}

/** Options of {@link Storage.revisionLog}. */
export interface RevisionLogOptions extends AbortOptions {
  /** Maximum number of revisions returned. */
  readonly limit?: number
}

/** Options of {@link Storage.originList}. */
export interface OriginListOptions extends AbortOptions {
  readonly pageToken?: string | null
  /** Page size (default 100). */
  readonly limit?: number
  /** Only origins with at least one visit (what the Web API lists). */
  readonly withVisit?: boolean
}

/** Options of {@link Storage.originSearch}. */
export interface OriginSearchOptions extends AbortOptions {
  readonly pageToken?: string | null
  /** Page size (default 50). */
  readonly limit?: number
  /** Treat the pattern as a regular expression (POSIX in PostgreSQL, JS in SQLite). */
  readonly regexp?: boolean
  /** Only origins with at least one visit. */
  readonly withVisit?: boolean
  /** Only origins visited with one of these visit types. */
  readonly visitTypes?: readonly string[]
  /** Leave out masked origins (takedowns; the masking layer sets it). */
  readonly excludeMasked?: boolean
  /**
   * Result order: `id` (default: the order origins were first recorded, paged by token) or
   * `url` (by URL, byte order: forks of a project sort by owner).
   */
  readonly order?: 'id' | 'url'
  /** Results skipped after the page token (page numbers of the search page). */
  readonly offset?: number
  /** Count at most this many matches (originSearchCount); the count is then a lower bound. */
  readonly countLimit?: number
}

/** An origin with what search results show of its visits. */
export interface OriginSearchResult {
  readonly url: string
  readonly visitTypes: readonly string[]
  readonly hasVisits: boolean
  /** The latest status of its latest visit (null: never visited). */
  readonly latestStatus?: OriginVisitStatus | null
  /** The snapshot of its latest visit status naming one. */
  readonly latestSnapshot?: string | null
  /** Branches of `latestSnapshot`. */
  readonly branchCount?: number | null
}

/** Options of {@link Storage.originVisitGet}. */
export interface OriginVisitGetOptions extends AbortOptions {
  /** Visit number after which to start (exclusive), as a page token. */
  readonly pageToken?: string | null
  readonly order?: 'asc' | 'desc'
  readonly limit?: number
}

/** Options of {@link Storage.originVisitGetLatest}. */
export interface OriginVisitLatestOptions extends AbortOptions {
  readonly type?: string
  /** The latest status of the visit must be one of these. */
  readonly allowedStatuses?: readonly string[]
  /** The latest status must name a snapshot. */
  readonly requireSnapshot?: boolean
}

/** A visit together with its latest status. */
export interface OriginVisitWithStatus {
  readonly visit: OriginVisit
  readonly status: OriginVisitStatus
}

/** Options of {@link Storage.originVisitStatusGet}. */
export interface OriginVisitStatusGetOptions extends AbortOptions {
  readonly pageToken?: string | null
  readonly order?: 'asc' | 'desc'
  readonly limit?: number
}

/** A visit to create: the number is assigned by the storage. */
export interface OriginVisitInit {
  readonly origin: string
  readonly date: Date
  /** Microseconds past the millisecond of `date` (0–999; absent: 0). */
  readonly dateExtraMicros?: number
  readonly type: string
  /**
   * The visit number, when replicating another archive's visit (mirrors); adding a visit that
   * already exists with this number changes nothing. Unset: the next number of the origin.
   */
  readonly visit?: number
}

/** Options of {@link Storage.originForks}. */
export interface OriginForksOptions extends AbortOptions {
  readonly pageToken?: string | null
  /** Page size (default 20, at most 100: divergence is computed for each fork of the page). */
  readonly limit?: number
}

/** A fork of an origin: another origin sharing a root revision with it. */
export interface OriginFork {
  readonly url: string
  /** The revision the fork's latest snapshot's HEAD resolves to, or null. */
  readonly head: string | null
  /** Revisions reachable from the fork's head and not the origin's (null: unknown or too far). */
  readonly ahead: number | null
  /** Revisions reachable from the origin's head and not the fork's (null: unknown or too far). */
  readonly behind: number | null
}

/** A page of forks with their total number. */
export interface OriginForksPage extends Page<OriginFork> {
  readonly total: number
}

/**
 * The intrinsic metadata indexed for an origin: what its latest visit's root directory says
 * (docs/citation.md), as a CodeMeta document, with the text searched.
 */
export interface OriginMetadataRecord {
  readonly origin: string
  /** The root directory the metadata was read from. */
  readonly directory: string
  /** Which files it came from (Software Heritage's mapping names: `cff`, `codemeta`, `npm`, …). */
  readonly mappings: readonly string[]
  /** The CodeMeta JSON-LD document. */
  readonly metadata: Readonly<Record<string, unknown>>
  /** The words searched (title, authors, description, keywords, …). */
  readonly text: string
}

/** Options of {@link Storage.originMetadataSearch}. */
export interface OriginMetadataSearchOptions extends AbortOptions {
  /** At most this many results (default 70, at most 100). */
  readonly limit?: number
}

/**
 * Where an object occurs first (docs/provenance.md). Contents and directories: the earliest
 * revision containing it (committer date, then id) as `anchor`, its date, the origin it was
 * indexed from and the path of the object in that revision's tree (shallowest, then byte order;
 * empty for a root directory). Revisions, releases and snapshots: an origin holding them.
 */
export interface ProvenanceOccurrence {
  readonly anchor: CoreSwhid | null
  readonly date: Date | null
  readonly origin: string | null
  readonly path: Uint8Array | null
}

/** What {@link Storage.provenanceList} lists. */
export type ProvenanceListKind = 'revision' | 'release' | 'origin'

/** Options of {@link Storage.provenanceList}. */
export interface ProvenanceListOptions extends AbortOptions {
  readonly pageToken?: string | null
  /** Page size (default 100, at most 1000). */
  readonly limit?: number
  /** Most directories the walk up visits (default 50,000); past it the answer is truncated. */
  readonly walkLimit?: number
}

/** One object containing another: a revision or release id (hex), or an origin URL. */
export interface ProvenanceListItem {
  readonly id: string
  /** Release name. */
  readonly name: Uint8Array | null
  /** Revision committer date, release date. */
  readonly date: Date | null
}

/** A page of {@link ProvenanceListItem}s, their total and whether the walk hit its bound. */
export interface ProvenanceListPage extends Page<ProvenanceListItem> {
  readonly total: number
  readonly truncated: boolean
}

/** Counters per object kind (approximate in the SWH sense: maintained, not counted). */
export type Counters = Readonly<Record<ObjectKind, number>>

/** What a masked object is masked by (issue: takedowns). */
export interface MaskingState {
  readonly requestId: string
  readonly state: 'restricted' | 'pending_decision'
}

/**
 * Records masking requests (takedowns) over objects; `state: null` lifts every mask of the
 * given objects. The SQL backend (`Archive.backend`) implements it.
 */
export interface MaskWriter {
  maskSet(
    requestId: string,
    reason: string,
    swhids: readonly string[],
    state: MaskingState['state'] | null,
    date?: Date,
  ): Promise<void>
}

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
  originSearch(pattern: string, options?: OriginSearchOptions): Promise<Page<OriginSearchResult>>
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
