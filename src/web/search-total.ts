/**
 * The total of an origin search, shared by the API route and the browse page (docs/search.md):
 * counted exactly up to {@link SEARCH_TOTAL_CAP} matches and no further, so a common word costs
 * no more to count than a page of 1,000 results (as many as ten screens of the browse page). Software Heritage's origin search sends no
 * total at all (only the `Link` header); `X-Total-Count` is Arca's own, and beyond the cap it is
 * the cap itself, a lower bound, with `X-Total-Count-Relation: gte` (as Elasticsearch, behind
 * swh-search, reports a total past its `track_total_hits` limit).
 *
 * @module
 */

import type { OriginSearchOptions, OriginSearchPage, Storage } from '../storage/index.js'

/** Matches counted exactly; more are reported as "at least this many". */
export const SEARCH_TOTAL_CAP = 1_000

/** A search total: exact, or a lower bound (the cap) when more origins match. */
export interface SearchTotal {
  readonly count: number
  readonly exact: boolean
}

const COUNT_LIMIT = SEARCH_TOTAL_CAP + 1

const capped = (n: number): SearchTotal =>
  n > SEARCH_TOTAL_CAP ? { count: SEARCH_TOTAL_CAP, exact: false } : { count: n, exact: true }

/** The total of a search with these options (at most {@link SEARCH_TOTAL_CAP} + 1 matches read). */
export async function searchTotal(
  storage: Pick<Storage, 'originSearchCount'>,
  pattern: string,
  options: OriginSearchOptions,
): Promise<SearchTotal> {
  return capped(await storage.originSearchCount(pattern, { ...options, countLimit: COUNT_LIMIT }))
}

/**
 * A page of a search (`page`: its token, offset, limit and order) and the search's total
 * (`options`: what it matches). A first page and its total come from one query (the matches up
 * to the cap, in the page's order: originSearch's `total`); a later page, or a regular
 * expression's, is counted beside it.
 */
export async function searchPageAndTotal(
  storage: Pick<Storage, 'originSearch' | 'originSearchCount'>,
  pattern: string,
  options: OriginSearchOptions,
  page: OriginSearchOptions,
): Promise<{ page: OriginSearchPage; total: SearchTotal }> {
  const all = { ...options, ...page }
  if ((page.pageToken ?? '') === '' && !options.regexp) {
    const got = await storage.originSearch(pattern, { ...all, countLimit: COUNT_LIMIT })
    const total =
      got.total === undefined ? await searchTotal(storage, pattern, options) : capped(got.total)
    return { page: got, total }
  }
  const [got, total] = await Promise.all([
    storage.originSearch(pattern, all),
    searchTotal(storage, pattern, options),
  ])
  return { page: got, total }
}

/** The response headers of a total: `X-Total-Count` and `X-Total-Count-Relation` (`eq`, `gte`). */
export function searchTotalHeaders(total: SearchTotal): Record<string, string> {
  return {
    'X-Total-Count': String(total.count),
    'X-Total-Count-Relation': total.exact ? 'eq' : 'gte',
  }
}
