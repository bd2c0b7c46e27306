/**
 * `/api/1/code/search/` (beyond Software Heritage): literal, word and regular-expression search
 * over the code of origins' latest snapshots (docs/code-search.md). Each result is a file with
 * its runs of matching lines, each a content SWHID qualified down to its line range, with
 * context lines. Paged by `page` (Link, X-Total-Count as the origin search);
 * `X-Search-Partial: true` when the time limit or the bounded scan stopped the search early;
 * `X-Total-Count-Relation: approx` when the total is an estimate (the count was bounded), `eq`
 * when it is exact (the relation header of the origin search, `../search-total.ts`).
 *
 * @module
 */

import type { Context } from 'hono'

import type { CodeSearchHit } from '../../storage/index.js'
import type { Json } from '../../views/index.js'
import { codeSearchParams } from '../code-search-params.js'
import type { WebContext } from '../context.js'
import { linkHeader, respond, withQuery } from '../http.js'
import { links } from './links.js'
import { boolParam, intParam } from './params.js'
import type { RouteDef } from './route.js'

/** Deepest page served. */
const MAX_PAGE = 1000

/** One hit as JSON. */
export function codeHitJson(h: CodeSearchHit): Json {
  return {
    origin: h.origin,
    path: h.path,
    content: h.content,
    swhid: h.swhid,
    visit: h.visit,
    snapshot: h.snapshot,
    revision: h.revision,
    anchor: h.anchor,
    language: h.language,
    match_count: h.matchCount,
    matches: h.matches.map((m) => ({
      lines: m.lines[0] === m.lines[1] ? String(m.lines[0]) : `${m.lines[0]}-${m.lines[1]}`,
      swhid: m.swhid,
      context: m.context.map((l) => ({ line: l.line, text: l.text, match: l.match })),
    })),
  }
}

async function handler(c: Context, ctx: WebContext): Promise<Response> {
  const { query, options } = codeSearchParams((n) => c.req.query(n))
  const limit = intParam(c, 'limit', 20, 1, 100)
  const page = intParam(c, 'page', 1, 1, MAX_PAGE)
  const context = intParam(c, 'context', 2, 0, 10)
  const s = ctx.archive.storage
  const got = await s.codeSearch(query, {
    ...options,
    ignoreCase: boolParam(c, 'ignore_case'),
    context,
    limit,
    offset: (page - 1) * limit,
  })
  const l = links(c, ctx)
  const next =
    page * limit < got.total && page < MAX_PAGE
      ? withQuery(c, l.base, { page: String(page + 1) })
      : null
  const prev = page > 1 ? withQuery(c, l.base, { page: String(page - 1) }) : null
  const headers: Record<string, string> = {
    'X-Total-Count': String(got.total),
    'X-Search-Partial': got.partial ? 'true' : 'false',
    'X-Total-Count-Relation': got.totalExact ? 'eq' : 'approx',
  }
  const link = linkHeader(next, prev)
  if (link) headers['Link'] = link
  return respond(c, got.results.map(codeHitJson), { headers })
}

/** The code search route. */
export const codeSearchRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/code/search/',
    docPath: '/code/search/',
    summary:
      'Files of origins latest snapshots matching a literal, word or regular expression, with line-range SWHIDs (beyond SWH; Link paging, X-Total-Count, X-Total-Count-Relation, X-Search-Partial)',
    params: [
      { name: 'q', in: 'query', description: 'what to find (within one line)', required: true },
      {
        name: 'type',
        in: 'query',
        description: 'literal (default, as git grep -F), word (as -w) or regexp (RE2 syntax)',
      },
      { name: 'ignore_case', in: 'query', type: 'boolean', description: 'as git grep -i' },
      { name: 'origin', in: 'query', description: 'only this origin (URL)' },
      {
        name: 'path',
        in: 'query',
        description: 'path glob: * and ? within a name, ** across; without / the last name',
      },
      { name: 'lang', in: 'query', description: 'language (highlight.js name or extension)' },
      { name: 'context', in: 'query', type: 'integer', description: 'context lines (0-10, 2)' },
      { name: 'limit', in: 'query', type: 'integer', description: 'files per page (1-100, 20)' },
      { name: 'page', in: 'query', type: 'integer', description: 'page number (from 1)' },
    ],
    scope: 'swh_api_code_search',
    handler,
  },
]
