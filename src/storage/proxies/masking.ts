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
  formatSwhid,
  type Origin,
  type OriginVisitStatus,
  swhidString,
} from '../../model/index.js'
import type { CodeSearchOptions, CodeSearchPage } from '../code-search.js'
import type {
  AbortOptions,
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
} from '../interface.js'
import { originSwhid } from './mask-checker.js'

export { MaskChecker, originSwhid } from './mask-checker.js'

import { MaskingObjectReads } from './masking-objects.js'

/**
 * A storage that refuses masked objects and hides masked origins (see the module notes): the
 * object reads in {@link MaskingObjectReads}, the origins, visits and searches here.
 *
 * @example
 * ```ts
 * const storage = new MaskingStorage(archive.storage)
 * await storage.contentGet([id]) // throws MaskedError when swh:1:cnt:<id> is masked
 * ```
 */
export class MaskingStorage extends MaskingObjectReads {
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
    await this.checkOrigin(url, got !== null, options)
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
    await this.checkOrigin(origin, got.results.length > 0, options)
    return got
  }

  override async originVisitGetByNumber(origin: string, visit: number, o?: AbortOptions) {
    const got = await this.inner.originVisitGetByNumber(origin, visit, o)
    await this.checkOrigin(origin, got !== null, o)
    return got
  }

  override async originVisitGetLatest(
    origin: string,
    options?: OriginVisitLatestOptions,
  ): Promise<OriginVisitWithStatus | null> {
    const got = await this.inner.originVisitGetLatest(origin, options)
    await this.checkOrigin(origin, got !== null, options)
    return got
  }

  override async originVisitStatusGetLatest(origin: string, visit: number, o?: AbortOptions) {
    const got = await this.inner.originVisitStatusGetLatest(origin, visit, o)
    await this.checkOrigin(origin, got !== null, o)
    return got
  }

  override async originVisitStatusGet(
    origin: string,
    visit: number,
    options?: OriginVisitStatusGetOptions,
  ) {
    const got = await this.inner.originVisitStatusGet(origin, visit, options)
    await this.checkOrigin(origin, got.results.length > 0, options)
    return got
  }
}
