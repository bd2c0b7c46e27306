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

import type { OriginSearchOptions, Storage } from '../storage/index.js'

/** Matches counted exactly; more are reported as "at least this many". */
export const SEARCH_TOTAL_CAP = 1_000

/** A search total: exact, or a lower bound (the cap) when more origins match. */
export interface SearchTotal {
  readonly count: number
  readonly exact: boolean
}

/** The total of a search with these options (at most {@link SEARCH_TOTAL_CAP} + 1 matches read). */
export async function searchTotal(
  storage: Pick<Storage, 'originSearchCount'>,
  pattern: string,
  options: OriginSearchOptions,
): Promise<SearchTotal> {
  const n = await storage.originSearchCount(pattern, {
    ...options,
    countLimit: SEARCH_TOTAL_CAP + 1,
  })
  return n > SEARCH_TOTAL_CAP
    ? { count: SEARCH_TOTAL_CAP, exact: false }
    : { count: n, exact: true }
}

/** The response headers of a total: `X-Total-Count` and `X-Total-Count-Relation` (`eq`, `gte`). */
export function searchTotalHeaders(total: SearchTotal): Record<string, string> {
  return {
    'X-Total-Count': String(total.count),
    'X-Total-Count-Relation': total.exact ? 'eq' : 'gte',
  }
}
