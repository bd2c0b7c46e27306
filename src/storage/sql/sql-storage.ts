/**
 * The graph storage on SQL, shared by the SQLite and PostgreSQL backends (they differ in their
 * executor and schema rendering only). Every add runs in one transaction that also updates the
 * counters, so counters never drift from the rows; adds use `ON CONFLICT DO NOTHING` so
 * overlapping concurrent writers never fail and never duplicate. The statements of each object
 * kind live in their own module; {@link SqlObjectStorage} (sql-objects.ts) holds the connection
 * and the DAG objects, and this class adds origins, visits, metadata, the indexes and removal.
 *
 * @module
 */

import type {
  CoreSwhid,
  ExtendedSwhid,
  ExtId,
  MetadataAuthority,
  MetadataFetcher,
  Origin,
  OriginVisit,
  OriginVisitStatus,
  RawExtrinsicMetadata,
} from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type {
  CodeIndexStats,
  CodeSearchOptions,
  CodeSearchPage,
  CodeSearchStorage,
} from '../code-search.js'
import type {
  GraphCounts,
  GraphReindexReport,
  GraphSuccessorsOptions,
  StorageGraph,
} from '../graph.js'
import type {
  AddSummary,
  Counters,
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
  RawExtrinsicMetadataGetOptions,
  Storage,
} from '../interface.js'
import type { Referrer, RemovalRecord, RevisionEdges, StorageRemoval } from '../removal.js'
import type {
  IdScanKind,
  PackedDirectory,
  RepairObject,
  ScanKind,
  ScanPage,
  StorageRepair,
  StorageScan,
} from '../scan.js'
import * as codeIndex from './code-index.js'
import * as codeSearch from './code-search.js'
import { statCounters } from './counters.js'
import type { Migration, SqlDatabase } from './executor.js'
import * as extids from './extids.js'
import * as emd from './extrinsic-metadata.js'
import * as forkIndex from './fork-index.js'
import * as forks from './forks.js'
import * as graphEdges from './graph-edges.js'
import * as graphIndex from './graph-index.js'
import * as masking from './masking.js'
import * as originMetadata from './origin-metadata.js'
import * as origins from './origins.js'
import * as provenance from './provenance.js'
import * as provenanceIndex from './provenance-index.js'
import * as removal from './removal.js'
import { replaceObjects } from './repair.js'
import { scanIds, scanPackedDirectories, scanPage } from './scan.js'
import { SqlObjectStorage } from './sql-objects.js'
import * as visits from './visits.js'

/** Settings of {@link SqlStorage}. */
export interface SqlStorageInit {
  /** Where content bytes go (written before content rows). */
  readonly objstorage: ObjStorage
  /**
   * Keep the code search index on ingest (docs/code-search.md); default true unless the
   * environment sets `ARCA_CODE_INDEX=off` (`arca code-search reindex` fills it later).
   */
  readonly codeIndex?: boolean
}

/**
 * Graph storage over an {@link SqlDatabase}.
 *
 * @example
 * ```ts
 * const storage = new SqlStorage(new SqliteDb({ path: 'graph.sqlite' }), migrations('sqlite'), { objstorage })
 * await storage.open()
 * ```
 */
export class SqlStorage
  extends SqlObjectStorage
  implements Storage, StorageScan, StorageRepair, StorageRemoval, StorageGraph, CodeSearchStorage
{
  readonly #codeIndex: boolean
  readonly #codeStats = codeIndex.codeIndexStats()
  readonly #forkStats: forkIndex.ForkIndexStats = { origins: 0, walked: 0 }
  readonly #provenanceStats: provenanceIndex.ProvenanceIndexStats = {
    revisions: 0,
    directories: 0,
    firsts: 0,
  }

  constructor(db: SqlDatabase, migrations: readonly Migration[], init: SqlStorageInit) {
    super(db, migrations, init.objstorage)
    this.#codeIndex = init.codeIndex ?? process.env['ARCA_CODE_INDEX'] !== 'off'
  }

  // -- origins -------------------------------------------------------------------------------

  originAdd(list: readonly Origin[]): Promise<AddSummary> {
    return origins.originAdd(this.db, list)
  }

  originGet(urls: readonly string[]): Promise<(Origin | null)[]> {
    return origins.originGet(this.db, urls)
  }

  originGetBySha1(ids: readonly string[]): Promise<(Origin | null)[]> {
    return origins.originGetBySha1(this.db, ids)
  }

  originList(options: OriginListOptions = {}): Promise<Page<Origin>> {
    return origins.originList(this.db, options)
  }

  originSearch(pattern: string, options: OriginSearchOptions = {}): Promise<OriginSearchPage> {
    return origins.originSearch(this.db, pattern, options)
  }

  originSearchCount(pattern: string, options: OriginSearchOptions = {}): Promise<number> {
    return origins.originSearchCount(this.db, pattern, options)
  }

  // -- visits --------------------------------------------------------------------------------

  originVisitAdd(list: readonly OriginVisitInit[]): Promise<OriginVisit[]> {
    return visits.originVisitAdd(this.db, list)
  }

  async originVisitStatusAdd(statuses: readonly OriginVisitStatus[]): Promise<AddSummary> {
    const summary = await visits.originVisitStatusAdd(this.db, statuses)
    // The snapshot and its history are stored before a status names it (write order).
    await forkIndex.indexStatuses(this.db, statuses, this.#forkStats)
    if (this.#codeIndex)
      await codeIndex.codeIndexStatuses(this.db, this.objstorage, statuses, this.#codeStats)
    await provenanceIndex.indexStatuses(this.db, statuses, this.#provenanceStats)
    return summary
  }

  /** Literal, word or regular-expression search over the indexed code (docs/code-search.md). */
  codeSearch(query: string, options: CodeSearchOptions = {}): Promise<CodeSearchPage> {
    return codeSearch.codeSearch(this.db, query, options)
  }

  /** Work done by the code search index since this storage was opened. */
  codeIndexStats(): Readonly<CodeIndexStats> {
    return { ...this.#codeStats }
  }

  /** Indexes the code of every origin with a snapshot (`arca code-search reindex`). */
  codeSearchReindex(
    options: Parameters<typeof codeIndex.codeReindex>[2] = {},
  ): Promise<codeIndex.CodeReindexReport> {
    return codeIndex.codeReindex(this.db, this.objstorage, options)
  }

  /** Work done by the fork index since this storage was opened (walks are incremental). */
  forkIndexStats(): Readonly<forkIndex.ForkIndexStats> {
    return { ...this.#forkStats }
  }

  /** Indexes the forks of every origin with a snapshot (`arca forks reindex`). */
  forksReindex(
    options: { readonly force?: boolean; readonly onOrigin?: (checked: number) => void } = {},
  ): Promise<forkIndex.ForkReindexReport> {
    return forkIndex.reindexForks(this.db, options)
  }

  originForks(url: string, options: OriginForksOptions = {}): Promise<OriginForksPage | null> {
    return forks.originForks(this.db, url, options)
  }

  originMetadataAdd(records: readonly OriginMetadataRecord[]): Promise<AddSummary> {
    return originMetadata.originMetadataAdd(this.db, records)
  }

  originMetadataSearch(
    fulltext: string,
    options: OriginMetadataSearchOptions = {},
  ): Promise<OriginMetadataRecord[]> {
    return originMetadata.originMetadataSearch(this.db, fulltext, options)
  }

  originVisitGet(origin: string, options: OriginVisitGetOptions = {}): Promise<Page<OriginVisit>> {
    return visits.originVisitGet(this.db, origin, options)
  }

  originVisitGetByNumber(origin: string, visit: number): Promise<OriginVisit | null> {
    return visits.originVisitGetByNumber(this.db, origin, visit)
  }

  originVisitGetLatest(
    origin: string,
    options: OriginVisitLatestOptions = {},
  ): Promise<OriginVisitWithStatus | null> {
    return visits.originVisitGetLatest(this.db, origin, options)
  }

  originVisitStatusGetLatest(origin: string, visit: number): Promise<OriginVisitStatus | null> {
    return visits.originVisitStatusGetLatest(this.db, origin, visit)
  }

  originVisitStatusGetRecent(
    limit: number,
    options: { readonly statuses?: readonly string[] } = {},
  ): Promise<OriginVisitStatus[]> {
    return visits.originVisitStatusGetRecent(this.db, limit, options)
  }

  originVisitStatusGet(
    origin: string,
    visit: number,
    options: OriginVisitStatusGetOptions = {},
  ): Promise<Page<OriginVisitStatus>> {
    return visits.originVisitStatusGet(this.db, origin, visit, options)
  }

  // -- provenance ----------------------------------------------------------------------------

  provenanceFirst(swhids: readonly CoreSwhid[]): Promise<(ProvenanceOccurrence | null)[]> {
    return provenance.provenanceFirst(this.db, swhids)
  }

  provenanceList(
    swhid: CoreSwhid,
    kind: ProvenanceListKind,
    options: ProvenanceListOptions = {},
  ): Promise<ProvenanceListPage | null> {
    return provenance.provenanceList(this.db, swhid, kind, options)
  }

  /** Work done by the provenance index since this storage was opened. */
  provenanceIndexStats(): Readonly<provenanceIndex.ProvenanceIndexStats> {
    return { ...this.#provenanceStats }
  }

  /** Indexes every snapshot not indexed yet (`arca provenance reindex`). */
  provenanceReindex(
    options: provenanceIndex.ProvenanceReindexOptions = {},
  ): Promise<provenanceIndex.ProvenanceReindexReport> {
    return provenanceIndex.reindexProvenance(this.db, options)
  }

  // -- extids --------------------------------------------------------------------------------

  extidAdd(list: readonly ExtId[]): Promise<AddSummary> {
    return extids.extidAdd(this.db, list)
  }

  extidGetFromExtid(
    extidType: string,
    ids: readonly Uint8Array[],
    options: { readonly version?: number } = {},
  ): Promise<ExtId[]> {
    return extids.extidGetFromExtid(this.db, extidType, ids, options)
  }

  extidGetFromTarget(
    target: CoreSwhid,
    options: { readonly extidType?: string; readonly version?: number } = {},
  ): Promise<ExtId[]> {
    return extids.extidGetFromTarget(this.db, target, options)
  }

  // -- raw extrinsic metadata ------------------------------------------------------------------

  metadataAuthorityAdd(list: readonly MetadataAuthority[]): Promise<AddSummary> {
    return emd.metadataAuthorityAdd(this.db, list)
  }

  metadataFetcherAdd(list: readonly MetadataFetcher[]): Promise<AddSummary> {
    return emd.metadataFetcherAdd(this.db, list)
  }

  rawExtrinsicMetadataAdd(list: readonly RawExtrinsicMetadata[]): Promise<AddSummary> {
    return emd.rawExtrinsicMetadataAdd(this.db, list)
  }

  rawExtrinsicMetadataGet(
    target: ExtendedSwhid,
    authority: MetadataAuthority,
    options?: RawExtrinsicMetadataGetOptions,
  ): Promise<Page<RawExtrinsicMetadata>> {
    return emd.rawExtrinsicMetadataGet(this.db, target, authority, options)
  }

  rawExtrinsicMetadataGetByIds(ids: readonly string[]): Promise<RawExtrinsicMetadata[]> {
    return emd.rawExtrinsicMetadataGetByIds(this.db, ids)
  }

  rawExtrinsicMetadataGetAuthorities(target: ExtendedSwhid): Promise<MetadataAuthority[]> {
    return emd.rawExtrinsicMetadataGetAuthorities(this.db, target)
  }

  rawExtrinsicMetadataGetLatest(
    targets: readonly ExtendedSwhid[],
    authority: MetadataAuthority,
  ): Promise<(RawExtrinsicMetadata | null)[]> {
    return emd.rawExtrinsicMetadataGetLatest(this.db, targets, authority)
  }

  // -- counters and masking ------------------------------------------------------------------

  // -- integrity scans -----------------------------------------------------------------------

  scan(kind: ScanKind, after: string | null, limit: number): Promise<ScanPage> {
    return scanPage(this.db, kind, after, limit)
  }

  scanPackedDirectories(
    after: string | null,
    limit: number,
  ): Promise<{ items: PackedDirectory[]; next: string | null }> {
    return scanPackedDirectories(this.db, after, limit)
  }

  scanIds(
    kind: IdScanKind,
    after: Uint8Array | null,
    limit: number,
  ): Promise<{ ids: Uint8Array; next: Uint8Array | null }> {
    return scanIds(this.db, kind, after, limit)
  }

  replace(objects: readonly RepairObject[]): Promise<void> {
    return replaceObjects(this.db, objects)
  }

  // -- removal -------------------------------------------------------------------------------

  referrers(ids: readonly string[]): Promise<Referrer[]> {
    return removal.referrers(this.db, ids)
  }

  scanRevisionEdges(
    after: string | null,
    limit: number,
  ): Promise<{ items: RevisionEdges[]; next: string | null }> {
    return removal.scanRevisionEdges(this.db, after, limit)
  }

  removeObjects(swhids: readonly string[]): Promise<number> {
    return removal.removeObjects(this.db, this.objstorage, swhids)
  }

  removalCreate(record: RemovalRecord, swhids: readonly string[]): Promise<void> {
    return removal.removalCreate(this.db, record, swhids)
  }

  removalUpdate(
    id: string,
    change: Partial<Pick<RemovalRecord, 'state' | 'bundle' | 'counts' | 'finished'>>,
  ): Promise<void> {
    return removal.removalUpdate(this.db, id, change)
  }

  removalGet(id: string): Promise<RemovalRecord | null> {
    return removal.removalGet(this.db, id)
  }

  removalList(): Promise<RemovalRecord[]> {
    return removal.removalList(this.db)
  }

  removalUnmask(id: string): Promise<void> {
    return removal.removalUnmask(this.db, id)
  }

  removalObjects(id: string, from: number, limit: number): Promise<string[]> {
    return removal.removalObjects(this.db, id, from, limit)
  }

  // -- graph API (docs/graph-api.md) ----------------------------------------------------------

  graphSuccessors(
    nodes: readonly string[],
    options: GraphSuccessorsOptions,
  ): Promise<Map<string, string[]>> {
    return graphEdges.graphSuccessors(this.db, nodes, options)
  }

  graphNodesExist(nodes: readonly string[]): Promise<Set<string>> {
    return graphEdges.graphNodesExist(this.db, nodes)
  }

  graphMasked(): Promise<Set<string>> {
    return Promise.resolve(new Set())
  }

  graphOriginUrls(nodes: readonly string[]): Promise<Map<string, string>> {
    return graphEdges.graphOriginUrls(this.db, nodes)
  }

  graphCounts(): Promise<GraphCounts> {
    return graphEdges.graphCounts(this.db)
  }

  graphIndexComplete(): Promise<boolean> {
    return graphIndex.graphIndexComplete(this.db)
  }

  graphReindex(
    options: {
      readonly onPage?: (report: GraphReindexReport) => void
      readonly signal?: AbortSignal
    } = {},
  ): Promise<GraphReindexReport> {
    return graphIndex.reindexGraph(this.db, options)
  }

  statCounters(): Promise<Counters> {
    return statCounters(this.db)
  }

  maskedAny(): Promise<boolean> {
    return masking.maskedAny(this.db)
  }

  maskedGet(
    swhids: readonly ExtendedSwhid[],
  ): Promise<ReadonlyMap<string, readonly MaskingState[]>> {
    return masking.maskedGet(this.db, swhids)
  }

  /**
   * Records a masking request over objects (takedowns): from then on {@link maskedGet} reports
   * them. `state: null` lifts every mask of the given objects (whatever request set it).
   */
  maskSet(
    requestId: string,
    reason: string,
    swhids: readonly string[],
    state: MaskingState['state'] | null,
    date: Date = new Date(),
  ): Promise<void> {
    return masking.maskSet(this.db, requestId, reason, swhids, state, date)
  }
}
