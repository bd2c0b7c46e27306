/**
 * The types the graph storage interface ({@link Storage} in `interface.ts`) takes and returns:
 * object kinds and counters, add summaries, pages, the options and results of listings,
 * searches, visits, forks, metadata and provenance, masking states. Types only (and the kinds'
 * reference order).
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'
import type {
  Content,
  CoreSwhid,
  DirectoryEntry,
  OriginVisit,
  OriginVisitStatus,
  SnapshotBranch,
} from '../model/index.js'

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

/** A stored content's length and status, without its hashes ({@link Storage.contentLengthGet}). */
export interface ContentLength {
  readonly length: number
  readonly status: 'visible' | 'hidden'
}

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
  /**
   * Count at most this many matches (originSearchCount); the count is then a lower bound. On
   * originSearch's first page (no page token; offset + limit under the cap), the page then also
   * carries the same count as its `total`, from the same query (a regular expression's page
   * does not: count it apart).
   */
  readonly countLimit?: number
}

/** A page of {@link Storage.originSearch}. */
export interface OriginSearchPage extends Page<OriginSearchResult> {
  /**
   * With `countLimit`, on a first page: the matches of the search over all its pages, counted
   * up to `countLimit` (as originSearchCount with the same options would count them).
   */
  readonly total?: number
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
