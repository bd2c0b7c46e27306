/**
 * The masking layer (takedowns): every read of the web (API, browse pages, raw bytes, embeds,
 * badges, search, the mirror feed) goes through it, so a masked object or origin cannot be
 * served by a route that forgot to check.
 *
 * Rules, as Software Heritage's masking proxy applies them:
 * - a read that returns an object whose SWHID is masked throws {@link MaskedError} (HTTP 403
 *   with the `masked` details); origins, their visits and visit statuses are masked by the
 *   origin's `swh:1:ori:` SWHID; masking an absent object changes nothing (404 stays 404);
 * - listings and searches of origins (`originList`, `originSearch`, `originSearchCount`,
 *   `originVisitStatusGetRecent`) silently leave masked origins out;
 * - a directory listing still names a masked child (its name, id and size, as Software
 *   Heritage does): reading the child itself is refused; a history (`revisionLog`) leaves out
 *   the masked revisions it walks through;
 * - existence questions (`*Missing`) and counters are answered as they are (they serve no
 *   object data).
 *
 * No cache: each read asks the masking tables (a probe for any mask at all, then, when there are
 * masks, an indexed lookup, one query per call for a whole batch), so a takedown applies to the
 * next request of every process, whoever set it.
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
  type Origin,
  type OriginVisitStatus,
  type RawExtrinsicMetadata,
  type Revision,
  type SkippedContent,
  swhidString,
} from '../../model/index.js'
import type { CodeSearchOptions, CodeSearchPage } from '../code-search.js'
import type {
  AbortOptions,
  ContentHashName,
  DirectoryEntryInfo,
  DirectoryLsOptions,
  OriginForksOptions,
  OriginForksPage,
  OriginListOptions,
  OriginMetadataRecord,
  OriginMetadataSearchOptions,
  OriginSearchOptions,
  OriginSearchPage,
  OriginVisitGetOptions,
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
import { missingIds } from '../missing.js'
import { ForwardingStorage } from './forwarding.js'
import { MaskChecker, originSwhid } from './mask-checker.js'

export { MaskChecker, originSwhid } from './mask-checker.js'

/** Revisions of a log checked per masking query. */
const LOG_CHUNK = 64

/**
 * A storage that refuses masked objects and hides masked origins (see the module notes).
 *
 * @example
 * ```ts
 * const storage = new MaskingStorage(archive.storage)
 * await storage.contentGet([id]) // throws MaskedError when swh:1:cnt:<id> is masked
 * ```
 */
export class MaskingStorage extends ForwardingStorage {
  readonly masks: MaskChecker

  constructor(inner: Storage) {
    super(inner)
    this.masks = new MaskChecker(inner)
  }

  #check(type: ExtendedType, ids: readonly (string | null | undefined)[], o?: AbortOptions) {
    const list = ids.filter((x): x is string => typeof x === 'string')
    return this.masks.check(
      list.map((id) => swhidString(type, id)),
      o,
    )
  }

  async #checkOrigin(url: string, found: boolean, options?: AbortOptions): Promise<void> {
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
    await this.#check(
      'cnt',
      got.map((c) => c?.sha1Git),
      o,
    )
    return got
  }

  override async contentLengthGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.contentLengthGet(ids, o)
    await this.#check(
      'cnt',
      ids.filter((_, k) => got[k] !== null),
      o,
    )
    return got
  }

  override async skippedContentFind(sha1Git: string, o?: AbortOptions): Promise<SkippedContent[]> {
    const got = await this.inner.skippedContentFind(sha1Git, o)
    if (got.length > 0) await this.#check('cnt', [sha1Git], o)
    return got
  }

  override async directoryGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.directoryGet(ids, o)
    await this.#check(
      'dir',
      got.map((d) => d?.id),
      o,
    )
    return got
  }

  override async directoryManifestGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.directoryManifestGet(ids, o)
    await this.#check(
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
    await this.#check('dir', [id, ...dirs], options)
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
    await this.#check('dir', walked, o)
    return got
  }

  override async revisionGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.revisionGet(ids, o)
    await this.#check(
      'rev',
      got.map((r) => r?.id),
      o,
    )
    return got
  }

  override async revisionManifestGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.revisionManifestGet(ids, o)
    await this.#check(
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
    await this.#check('rev', ids, options)
    let chunk: Revision[] = []
    const flush = async function* (self: MaskingStorage): AsyncGenerator<Revision> {
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
    await this.#check(
      'rel',
      got.map((r) => r?.id),
      o,
    )
    return got
  }

  override async snapshotGet(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.snapshotGet(ids, o)
    await this.#check(
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
    if (got) await this.#check('snp', [id], options)
    return got
  }

  override async snapshotCountBranches(id: string, o?: AbortOptions) {
    const got = await this.inner.snapshotCountBranches(id, o)
    if (got) await this.#check('snp', [id], o)
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

  // -- origins ---------------------------------------------------------------------------------

  override async originGet(urls: readonly string[], o?: AbortOptions): Promise<(Origin | null)[]> {
    const got = await this.inner.originGet(urls, o)
    await this.masks.check(
      got.filter((x): x is Origin => x !== null).map((x) => originSwhid(x.url)),
      o,
    )
    return got
  }

  override async originGetBySha1(ids: readonly string[], o?: AbortOptions) {
    const got = await this.inner.originGetBySha1(ids, o)
    await this.masks.check(
      got.filter((x): x is Origin => x !== null).map((x) => originSwhid(x.url)),
      o,
    )
    return got
  }

  async #visible<T>(items: readonly T[], url: (t: T) => string, o?: AbortOptions): Promise<T[]> {
    const masked = await this.masks.masked(
      items.map((t) => originSwhid(url(t))),
      o,
    )
    return masked.size === 0 ? [...items] : items.filter((t) => !masked.has(originSwhid(url(t))))
  }

  override async originList(options?: OriginListOptions): Promise<Page<Origin>> {
    const page = await this.inner.originList(options)
    return { ...page, results: await this.#visible(page.results, (x) => x.url, options) }
  }

  override async originSearch(
    pattern: string,
    options?: OriginSearchOptions,
  ): Promise<OriginSearchPage> {
    // The backend leaves masked origins out of the search itself (full pages, exact counts);
    // the results are checked again here.
    const page = await this.inner.originSearch(pattern, { ...options, excludeMasked: true })
    return { ...page, results: await this.#visible(page.results, (x) => x.url, options) }
  }

  override originSearchCount(pattern: string, options?: OriginSearchOptions): Promise<number> {
    return this.inner.originSearchCount(pattern, { ...options, excludeMasked: true })
  }

  override async originForks(
    url: string,
    options?: OriginForksOptions,
  ): Promise<OriginForksPage | null> {
    const got = await this.inner.originForks(url, options)
    await this.#checkOrigin(url, got !== null, options)
    if (got === null) return null
    const results = await this.#visible(got.results, (x) => x.url, options)
    return { ...got, results, total: got.total - (got.results.length - results.length) }
  }

  override async codeSearch(query: string, options?: CodeSearchOptions): Promise<CodeSearchPage> {
    // The backend leaves masked contents and origins out of the search itself (exact totals);
    // the hits are checked again here.
    const page = await super.codeSearch(query, { ...options, excludeMasked: true })
    const masked = await this.masks.masked(
      page.results.flatMap((h) => [`swh:1:cnt:${h.content}`, originSwhid(h.origin)]),
      options,
    )
    if (masked.size === 0) return page
    const results = page.results.filter(
      (h) => !masked.has(`swh:1:cnt:${h.content}`) && !masked.has(originSwhid(h.origin)),
    )
    return { ...page, results, total: page.total - (page.results.length - results.length) }
  }

  /**
   * First occurrences: a masked object answers null; a masked anchor (with its date and path)
   * or origin is left out of the answer.
   */
  override async provenanceFirst(
    swhids: readonly CoreSwhid[],
    options?: AbortOptions,
  ): Promise<(ProvenanceOccurrence | null)[]> {
    const probe = this.masks.probe(options) // alongside the lookup (whereis: one query each)
    const got = await this.inner.provenanceFirst(swhids, options)
    const names = swhids.map((s) => formatSwhid(s))
    for (const g of got) {
      if (g?.anchor) names.push(formatSwhid(g.anchor))
      if (g?.origin) names.push(originSwhid(g.origin))
    }
    const masked = await this.masks.masked(names, options, probe)
    if (masked.size === 0) return got
    return got.map((g, i) => {
      if (g === null || masked.has(names[i]!)) return null
      const hideAnchor = g.anchor !== null && masked.has(formatSwhid(g.anchor))
      const hideOrigin = g.origin !== null && masked.has(originSwhid(g.origin))
      if (hideAnchor && (hideOrigin || g.origin === null)) return null
      return {
        anchor: hideAnchor ? null : g.anchor,
        date: hideAnchor ? null : g.date,
        path: hideAnchor ? null : g.path,
        origin: hideOrigin ? null : g.origin,
      }
    })
  }

  /** Refuses a masked object; leaves masked revisions, releases and origins out of the page. */
  override async provenanceList(
    swhid: CoreSwhid,
    kind: ProvenanceListKind,
    options?: ProvenanceListOptions,
  ): Promise<ProvenanceListPage | null> {
    const got = await this.inner.provenanceList(swhid, kind, options)
    if (got === null) return null
    await this.masks.check([formatSwhid(swhid)], options)
    const name = (id: string): string =>
      kind === 'origin' ? originSwhid(id) : swhidString(kind === 'revision' ? 'rev' : 'rel', id)
    const masked = await this.masks.masked(
      got.results.map((r) => name(r.id)),
      options,
    )
    if (masked.size === 0) return got
    const results = got.results.filter((r) => !masked.has(name(r.id)))
    return { ...got, results, total: got.total - (got.results.length - results.length) }
  }

  override async originMetadataSearch(
    fulltext: string,
    options?: OriginMetadataSearchOptions,
  ): Promise<OriginMetadataRecord[]> {
    const got = await this.inner.originMetadataSearch(fulltext, options)
    // Neither a masked origin nor the metadata of a masked root directory is shown.
    const masked = await this.masks.masked(
      got.flatMap((r) => [originSwhid(r.origin), `swh:1:dir:${r.directory}`]),
      options,
    )
    return got.filter(
      (r) => !masked.has(originSwhid(r.origin)) && !masked.has(`swh:1:dir:${r.directory}`),
    )
  }

  override async originVisitStatusGetRecent(
    limit: number,
    options?: { readonly statuses?: readonly string[] } & AbortOptions,
  ): Promise<OriginVisitStatus[]> {
    // Ask for more until `limit` visible ones are found or the backend has no more.
    for (let ask = limit; ; ask *= 4) {
      const got = await this.inner.originVisitStatusGetRecent(ask, options)
      const visible = await this.#visible(got, (x) => x.origin, options)
      if (visible.length >= limit || got.length < ask) return visible.slice(0, limit)
    }
  }

  override async originVisitGet(origin: string, options?: OriginVisitGetOptions) {
    const got = await this.inner.originVisitGet(origin, options)
    await this.#checkOrigin(origin, got.results.length > 0, options)
    return got
  }

  override async originVisitGetByNumber(origin: string, visit: number, o?: AbortOptions) {
    const got = await this.inner.originVisitGetByNumber(origin, visit, o)
    await this.#checkOrigin(origin, got !== null, o)
    return got
  }

  override async originVisitGetLatest(
    origin: string,
    options?: OriginVisitLatestOptions,
  ): Promise<OriginVisitWithStatus | null> {
    const got = await this.inner.originVisitGetLatest(origin, options)
    await this.#checkOrigin(origin, got !== null, options)
    return got
  }

  override async originVisitStatusGetLatest(origin: string, visit: number, o?: AbortOptions) {
    const got = await this.inner.originVisitStatusGetLatest(origin, visit, o)
    await this.#checkOrigin(origin, got !== null, o)
    return got
  }

  override async originVisitStatusGet(
    origin: string,
    visit: number,
    options?: OriginVisitStatusGetOptions,
  ) {
    const got = await this.inner.originVisitStatusGet(origin, visit, options)
    await this.#checkOrigin(origin, got.results.length > 0, options)
    return got
  }
}
