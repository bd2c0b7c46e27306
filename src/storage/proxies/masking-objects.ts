/**
 * The object reads of the masking layer ({@link MaskingStorage} in `masking.ts`, whose module
 * notes give the rules): contents, directories, revisions, releases, snapshots, ExtIDs and
 * metadata, each read refused when what it returns is masked.
 *
 * @module
 */

import {
  type CoreSwhid,
  type ExtendedSwhid,
  type ExtendedType,
  type ExtId,
  formatSwhid,
  type MetadataAuthority,
  type RawExtrinsicMetadata,
  type Revision,
  type SkippedContent,
  swhidString,
} from '../../model/index.js'
import type {
  AbortOptions,
  ContentHashName,
  DirectoryEntryInfo,
  DirectoryLsOptions,
  Page,
  RawExtrinsicMetadataGetOptions,
  RevisionLogOptions,
  SnapshotBranchesOptions,
  SnapshotBranchesPage,
  Storage,
} from '../interface.js'
import { missingIds } from '../missing.js'
import { ForwardingStorage } from './forwarding.js'
import { MaskChecker, originSwhid } from './mask-checker.js'

/** Revisions of a log checked per masking query. */
const LOG_CHUNK = 64

/** The object reads of {@link MaskingStorage}: what they return is checked against the masks. */
export class MaskingObjectReads extends ForwardingStorage {
  readonly masks: MaskChecker

  constructor(inner: Storage) {
    super(inner)
    this.masks = new MaskChecker(inner)
  }

  protected check(
    type: ExtendedType,
    ids: readonly (string | null | undefined)[],
    o?: AbortOptions,
  ) {
    const list = ids.filter((x): x is string => typeof x === 'string')
    return this.masks.check(
      list.map((id) => swhidString(type, id)),
      o,
    )
  }

  protected async checkOrigin(url: string, found: boolean, options?: AbortOptions): Promise<void> {
    if (found) await this.masks.check([originSwhid(url)], options)
  }

  /**
   * Whether an object exists, refusing masked ones: the check of routes that only name an
   * object (SWHID resolution, badges) without reading it.
   */
  async objectExists(swhid: CoreSwhid, options?: AbortOptions): Promise<boolean> {
    if ((await missingIds(this.inner, swhid.type, [swhid.id], options)).size > 0) return false
    await this.masks.check([formatSwhid(swhid)], options)
    return true
  }

  // -- objects ---------------------------------------------------------------------------------

  override async contentGet(ids: readonly string[], hash?: ContentHashName, o?: AbortOptions) {
    const got = await this.inner.contentGet(ids, hash, o)
    await this.check(
      'cnt',
      got.map((c) => c?.sha1Git),
      o,
    )
    return got
  }

  override async contentLengthGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.contentLengthGet(ids, o)
    await this.check(
      'cnt',
      ids.filter((_, k) => got[k] !== null),
      o,
    )
    return got
  }

  override async skippedContentFind(sha1Git: string, o?: AbortOptions): Promise<SkippedContent[]> {
    const got = await this.inner.skippedContentFind(sha1Git, o)
    if (got.length > 0) await this.check('cnt', [sha1Git], o)
    return got
  }

  override async directoryGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.directoryGet(ids, o)
    await this.check(
      'dir',
      got.map((d) => d?.id),
      o,
    )
    return got
  }

  override async directoryManifestGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.directoryManifestGet(ids, o)
    await this.check(
      'dir',
      ids.filter((_, k) => got[k] !== null),
      o,
    )
    return got
  }

  override async directoryLs(
    id: string,
    options?: DirectoryLsOptions,
  ): Promise<DirectoryEntryInfo[] | null> {
    const got = await this.inner.directoryLs(id, options)
    if (got === null) return null
    // A recursive listing shows what subdirectories hold: each of them is read.
    const dirs = options?.recursive ? got.filter((e) => e.type === 'dir').map((e) => e.target) : []
    await this.check('dir', [id, ...dirs], options)
    return got
  }

  override async directoryEntryGetByPath(
    id: string,
    path: readonly Uint8Array[],
    o?: AbortOptions,
  ): Promise<DirectoryEntryInfo | null> {
    // Every directory walked through is read (its entry names): each must be visible.
    const walked = [id]
    for (let i = 1; i < path.length - 1; i++) {
      const e = await this.inner.directoryEntryGetByPath(id, path.slice(0, i), o)
      if (e?.type === 'dir') walked.push(e.target)
    }
    const got = await this.inner.directoryEntryGetByPath(id, path, o)
    if (got && path.length > 1) walked.push(got.dirId)
    await this.check('dir', walked, o)
    return got
  }

  override async revisionGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.revisionGet(ids, o)
    await this.check(
      'rev',
      got.map((r) => r?.id),
      o,
    )
    return got
  }

  override async revisionManifestGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.revisionManifestGet(ids, o)
    await this.check(
      'rev',
      ids.filter((_, k) => got[k] !== null),
      o,
    )
    return got
  }

  override async *revisionLog(
    ids: readonly string[],
    options?: RevisionLogOptions,
  ): AsyncIterable<Revision> {
    await this.check('rev', ids, options)
    let chunk: Revision[] = []
    const flush = async function* (self: MaskingObjectReads): AsyncGenerator<Revision> {
      const masked = await self.masks.masked(
        chunk.map((r) => swhidString('rev', r.id)),
        options,
      )
      for (const r of chunk) if (!masked.has(swhidString('rev', r.id))) yield r
      chunk = []
    }
    for await (const r of this.inner.revisionLog(ids, options)) {
      chunk.push(r)
      if (chunk.length >= LOG_CHUNK) yield* flush(this)
    }
    if (chunk.length > 0) yield* flush(this)
  }

  override async releaseGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.releaseGet(ids, o)
    await this.check(
      'rel',
      got.map((r) => r?.id),
      o,
    )
    return got
  }

  override async snapshotGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.snapshotGet(ids, o)
    await this.check(
      'snp',
      got.map((s) => s?.id),
      o,
    )
    return got
  }

  override async snapshotGetBranches(
    id: string,
    options?: SnapshotBranchesOptions,
  ): Promise<SnapshotBranchesPage | null> {
    const got = await this.inner.snapshotGetBranches(id, options)
    if (got) await this.check('snp', [id], options)
    return got
  }

  override async snapshotCountBranches(id: string, o?: AbortOptions) {
    const got = await this.inner.snapshotCountBranches(id, o)
    if (got) await this.check('snp', [id], o)
    return got
  }

  override async extidGetFromExtid(
    extidType: string,
    extids: readonly Uint8Array[],
    options?: { readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]> {
    const got = await this.inner.extidGetFromExtid(extidType, extids, options)
    await this.masks.check(
      got.map((e) => formatSwhid(e.target)),
      options,
    )
    return got
  }

  override async extidGetFromTarget(
    target: CoreSwhid,
    options?: { readonly extidType?: string; readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]> {
    const got = await this.inner.extidGetFromTarget(target, options)
    if (got.length > 0) await this.masks.check([formatSwhid(target)], options)
    return got
  }

  // -- raw extrinsic metadata: masked with their target (and their own emd SWHID) ---------------

  override async rawExtrinsicMetadataGet(
    target: ExtendedSwhid,
    authority: MetadataAuthority,
    options?: RawExtrinsicMetadataGetOptions,
  ): Promise<Page<RawExtrinsicMetadata>> {
    const got = await this.inner.rawExtrinsicMetadataGet(target, authority, options)
    if (got.results.length > 0) await this.#checkMetadata(got.results, options)
    return got
  }

  override async rawExtrinsicMetadataGetByIds(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<RawExtrinsicMetadata[]> {
    const got = await this.inner.rawExtrinsicMetadataGetByIds(ids, options)
    await this.#checkMetadata(got, options)
    return got
  }

  override async rawExtrinsicMetadataGetAuthorities(
    target: ExtendedSwhid,
    options?: AbortOptions,
  ): Promise<MetadataAuthority[]> {
    const got = await this.inner.rawExtrinsicMetadataGetAuthorities(target, options)
    // checked even when empty: a masked origin's authorities route is refused, not just empty
    await this.masks.check([formatSwhid(target)], options)
    return got
  }

  override async rawExtrinsicMetadataGetLatest(
    targets: readonly ExtendedSwhid[],
    authority: MetadataAuthority,
    options?: AbortOptions,
  ): Promise<(RawExtrinsicMetadata | null)[]> {
    const got = await this.inner.rawExtrinsicMetadataGetLatest(targets, authority, options)
    await this.#checkMetadata(
      got.filter((m): m is RawExtrinsicMetadata => m !== null),
      options,
    )
    return got
  }

  #checkMetadata(list: readonly RawExtrinsicMetadata[], options?: AbortOptions): Promise<void> {
    return this.masks.check(
      list.flatMap((m) => [formatSwhid(m.target), swhidString('emd', m.id)]),
      options,
    )
  }
}
