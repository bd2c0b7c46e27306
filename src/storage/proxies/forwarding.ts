/**
 * Base of storage layers: forwards every call to an inner storage. A layer extends it and
 * overrides what it changes; the delegation is written out so types stay exact (no `Proxy`).
 *
 * @module
 */

import { UnavailableError } from '../../errors.js'
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
} from '../../model/index.js'
import type { CodeSearchOptions, CodeSearchPage } from '../code-search.js'
import type {
  AbortOptions,
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
  RawExtrinsicMetadataGetOptions,
  RevisionLogOptions,
  SnapshotBranchesOptions,
  SnapshotBranchesPage,
  Storage,
} from '../interface.js'

/**
 * A storage that forwards everything to `inner`.
 *
 * @example
 * ```ts
 * class CountingStorage extends ForwardingStorage {
 *   override directoryAdd(dirs: readonly Directory[]) { n += dirs.length; return super.directoryAdd(dirs) }
 * }
 * ```
 */
export class ForwardingStorage implements Storage {
  constructor(readonly inner: Storage) {}

  open(options?: AbortOptions): Promise<void> {
    return this.inner.open(options)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  flush(options?: AbortOptions): Promise<AddSummary> {
    return this.inner.flush(options)
  }

  contentAdd(contents: readonly ContentWithData[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.contentAdd(contents, options)
  }

  contentAddMetadata(contents: readonly Content[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.contentAddMetadata(contents, options)
  }

  contentMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.inner.contentMissing(ids, options)
  }

  contentGet(
    ids: readonly string[],
    hash?: ContentHashName,
    options?: AbortOptions,
  ): Promise<(Content | null)[]> {
    return this.inner.contentGet(ids, hash, options)
  }

  contentLengthGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(ContentLength | null)[]> {
    return this.inner.contentLengthGet(ids, options)
  }

  skippedContentAdd(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    return this.inner.skippedContentAdd(contents, options)
  }

  skippedContentMissing(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<SkippedContent[]> {
    return this.inner.skippedContentMissing(contents, options)
  }

  skippedContentFind(sha1Git: string, options?: AbortOptions): Promise<SkippedContent[]> {
    return this.inner.skippedContentFind(sha1Git, options)
  }

  directoryAdd(directories: readonly Directory[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.directoryAdd(directories, options)
  }

  directoryManifestGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Uint8Array | null)[]> {
    return this.inner.directoryManifestGet(ids, options)
  }

  directoryGet(ids: readonly string[], options?: AbortOptions): Promise<(Directory | null)[]> {
    return this.inner.directoryGet(ids, options)
  }

  directoryLs(id: string, options?: DirectoryLsOptions): Promise<DirectoryEntryInfo[] | null> {
    return this.inner.directoryLs(id, options)
  }

  directoryEntryGetByPath(
    id: string,
    path: readonly Uint8Array[],
    options?: AbortOptions,
  ): Promise<DirectoryEntryInfo | null> {
    return this.inner.directoryEntryGetByPath(id, path, options)
  }

  revisionAdd(revisions: readonly Revision[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.revisionAdd(revisions, options)
  }

  revisionGet(ids: readonly string[], options?: AbortOptions): Promise<(Revision | null)[]> {
    return this.inner.revisionGet(ids, options)
  }

  revisionManifestGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Uint8Array | null)[]> {
    return this.inner.revisionManifestGet(ids, options)
  }

  revisionLog(ids: readonly string[], options?: RevisionLogOptions): AsyncIterable<Revision> {
    return this.inner.revisionLog(ids, options)
  }

  releaseAdd(releases: readonly Release[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.releaseAdd(releases, options)
  }

  releaseGet(ids: readonly string[], options?: AbortOptions): Promise<(Release | null)[]> {
    return this.inner.releaseGet(ids, options)
  }

  snapshotAdd(snapshots: readonly Snapshot[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.snapshotAdd(snapshots, options)
  }

  snapshotGet(ids: readonly string[], options?: AbortOptions): Promise<(Snapshot | null)[]> {
    return this.inner.snapshotGet(ids, options)
  }

  snapshotGetBranches(
    id: string,
    options?: SnapshotBranchesOptions,
  ): Promise<SnapshotBranchesPage | null> {
    return this.inner.snapshotGetBranches(id, options)
  }

  snapshotCountBranches(
    id: string,
    options?: AbortOptions,
  ): Promise<Readonly<Record<string, number>> | null> {
    return this.inner.snapshotCountBranches(id, options)
  }

  originAdd(origins: readonly Origin[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.originAdd(origins, options)
  }

  originGetBySha1(ids: readonly string[], options?: AbortOptions): Promise<(Origin | null)[]> {
    return this.inner.originGetBySha1(ids, options)
  }

  originList(options?: OriginListOptions): Promise<Page<Origin>> {
    return this.inner.originList(options)
  }

  originSearch(pattern: string, options?: OriginSearchOptions): Promise<OriginSearchPage> {
    return this.inner.originSearch(pattern, options)
  }

  originSearchCount(pattern: string, options?: OriginSearchOptions): Promise<number> {
    return this.inner.originSearchCount(pattern, options)
  }

  originForks(url: string, options?: OriginForksOptions): Promise<OriginForksPage | null> {
    return this.inner.originForks(url, options)
  }

  codeSearch(query: string, options?: CodeSearchOptions): Promise<CodeSearchPage> {
    if (!this.inner.codeSearch)
      return Promise.reject(new UnavailableError('This storage has no code search index'))
    return this.inner.codeSearch(query, options)
  }

  provenanceFirst(
    swhids: readonly CoreSwhid[],
    options?: AbortOptions,
  ): Promise<(ProvenanceOccurrence | null)[]> {
    return this.inner.provenanceFirst(swhids, options)
  }

  provenanceList(
    swhid: CoreSwhid,
    kind: ProvenanceListKind,
    options?: ProvenanceListOptions,
  ): Promise<ProvenanceListPage | null> {
    return this.inner.provenanceList(swhid, kind, options)
  }

  originMetadataAdd(
    records: readonly OriginMetadataRecord[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    return this.inner.originMetadataAdd(records, options)
  }

  originMetadataSearch(
    fulltext: string,
    options?: OriginMetadataSearchOptions,
  ): Promise<OriginMetadataRecord[]> {
    return this.inner.originMetadataSearch(fulltext, options)
  }

  originVisitAdd(
    visits: readonly OriginVisitInit[],
    options?: AbortOptions,
  ): Promise<OriginVisit[]> {
    return this.inner.originVisitAdd(visits, options)
  }

  originVisitStatusAdd(
    statuses: readonly OriginVisitStatus[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    return this.inner.originVisitStatusAdd(statuses, options)
  }

  originVisitGet(origin: string, options?: OriginVisitGetOptions): Promise<Page<OriginVisit>> {
    return this.inner.originVisitGet(origin, options)
  }

  originVisitGetByNumber(
    origin: string,
    visit: number,
    options?: AbortOptions,
  ): Promise<OriginVisit | null> {
    return this.inner.originVisitGetByNumber(origin, visit, options)
  }

  originVisitGetLatest(
    origin: string,
    options?: OriginVisitLatestOptions,
  ): Promise<OriginVisitWithStatus | null> {
    return this.inner.originVisitGetLatest(origin, options)
  }

  originVisitStatusGetLatest(
    origin: string,
    visit: number,
    options?: AbortOptions,
  ): Promise<OriginVisitStatus | null> {
    return this.inner.originVisitStatusGetLatest(origin, visit, options)
  }

  originVisitStatusGet(
    origin: string,
    visit: number,
    options?: OriginVisitStatusGetOptions,
  ): Promise<Page<OriginVisitStatus>> {
    return this.inner.originVisitStatusGet(origin, visit, options)
  }

  extidAdd(extids: readonly ExtId[], options?: AbortOptions): Promise<AddSummary> {
    return this.inner.extidAdd(extids, options)
  }

  extidGetFromTarget(
    target: CoreSwhid,
    options?: { readonly extidType?: string; readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]> {
    return this.inner.extidGetFromTarget(target, options)
  }

  metadataAuthorityAdd(
    authorities: readonly MetadataAuthority[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    return this.inner.metadataAuthorityAdd(authorities, options)
  }

  metadataFetcherAdd(
    fetchers: readonly MetadataFetcher[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    return this.inner.metadataFetcherAdd(fetchers, options)
  }

  rawExtrinsicMetadataAdd(
    metadata: readonly RawExtrinsicMetadata[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    return this.inner.rawExtrinsicMetadataAdd(metadata, options)
  }

  rawExtrinsicMetadataGet(
    target: ExtendedSwhid,
    authority: MetadataAuthority,
    options?: RawExtrinsicMetadataGetOptions,
  ): Promise<Page<RawExtrinsicMetadata>> {
    return this.inner.rawExtrinsicMetadataGet(target, authority, options)
  }

  rawExtrinsicMetadataGetByIds(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<RawExtrinsicMetadata[]> {
    return this.inner.rawExtrinsicMetadataGetByIds(ids, options)
  }

  rawExtrinsicMetadataGetAuthorities(
    target: ExtendedSwhid,
    options?: AbortOptions,
  ): Promise<MetadataAuthority[]> {
    return this.inner.rawExtrinsicMetadataGetAuthorities(target, options)
  }

  rawExtrinsicMetadataGetLatest(
    targets: readonly ExtendedSwhid[],
    authority: MetadataAuthority,
    options?: AbortOptions,
  ): Promise<(RawExtrinsicMetadata | null)[]> {
    return this.inner.rawExtrinsicMetadataGetLatest(targets, authority, options)
  }

  statCounters(options?: AbortOptions): Promise<Counters> {
    return this.inner.statCounters(options)
  }

  maskedAny(options?: AbortOptions): Promise<boolean> {
    return this.inner.maskedAny(options)
  }

  maskedGet(
    swhids: readonly ExtendedSwhid[],
    options?: AbortOptions,
  ): Promise<ReadonlyMap<string, readonly MaskingState[]>> {
    return this.inner.maskedGet(swhids, options)
  }

  directoryMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.inner.directoryMissing(ids, options)
  }

  revisionMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.inner.revisionMissing(ids, options)
  }

  releaseMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.inner.releaseMissing(ids, options)
  }

  snapshotMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.inner.snapshotMissing(ids, options)
  }

  originGet(urls: readonly string[], options?: AbortOptions): Promise<(Origin | null)[]> {
    return this.inner.originGet(urls, options)
  }

  extidGetFromExtid(
    extidType: string,
    extids: readonly Uint8Array[],
    options?: { readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]> {
    return this.inner.extidGetFromExtid(extidType, extids, options)
  }

  originVisitStatusGetRecent(
    limit: number,
    options?: { readonly statuses?: readonly string[] } & AbortOptions,
  ): Promise<OriginVisitStatus[]> {
    return this.inner.originVisitStatusGetRecent(limit, options)
  }
}
