/**
 * `/raw-intrinsic-metadata/citation/origin/` and `…/swhid/`: a software citation made from
 * the intrinsic metadata of the cited tree, as Software Heritage serves it (query parameters
 * `citation_format` and `origin_url` or `target_swhid`; a JSON answer with `format`,
 * `content`, `source_swhid`, `source_url`). Arca adds the formats `cff` and `codemeta`
 * (`csl-json` is another name of `csl`), reads package.json and pyproject.toml too, and
 * when no metadata file is usable cites from the origin URL and the visit date, with a
 * `warning`, where Software Heritage answers 404 or 400.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import { CITATION_FORMATS, parseCitationFormat } from '../../metadata/index.js'
import { citationAnswer, sourcesOfOrigin, sourcesOfSwhid } from '../citation.js'
import { respond } from '../http.js'
import { links } from './links.js'
import { intParam } from './params.js'
import type { ParamDoc, RouteDef } from './route.js'

const formatParam: ParamDoc = {
  name: 'citation_format',
  in: 'query',
  description: `the citation format: ${CITATION_FORMATS.join(', ')}`,
  required: true,
}

/** The two citation routes. */
export const citationRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/raw-intrinsic-metadata/citation/origin/',
    docPath: '/raw-intrinsic-metadata/citation/origin/',
    summary:
      "A software citation of an origin (its latest visit's main branch), from the intrinsic metadata of its root directory",
    params: [
      formatParam,
      { name: 'origin_url', in: 'query', description: 'the origin URL', required: true },
    ],
    scope: 'swh_api_metadata_citation',
    handler: async (c, ctx) => {
      const format = parseCitationFormat(c.req.query('citation_format'))
      const origin = c.req.query('origin_url')
      if (!origin) throw new InvalidInputError('The origin_url parameter is missing')
      const sources = await sourcesOfOrigin(ctx.archive, origin)
      return respond(c, citationAnswer(sources, format, links(c, ctx).base))
    },
  },
  {
    method: 'GET',
    path: '/raw-intrinsic-metadata/citation/swhid/',
    docPath: '/raw-intrinsic-metadata/citation/swhid/',
    summary:
      'A software citation of an object (SWHID, qualifiers allowed; a content needs an anchor), from the intrinsic metadata of its root directory',
    params: [
      formatParam,
      {
        name: 'target_swhid',
        in: 'query',
        description: 'the SWHID of the object to cite, with or without qualifiers',
        required: true,
      },
    ],
    scope: 'swh_api_metadata_citation',
    handler: async (c, ctx) => {
      const format = parseCitationFormat(c.req.query('citation_format'))
      const swhid = c.req.query('target_swhid')
      if (!swhid) throw new InvalidInputError('The target_swhid parameter is missing')
      const sources = await sourcesOfSwhid(ctx.archive, swhid)
      return respond(c, citationAnswer(sources, format, links(c, ctx).base))
    },
  },
]

/** `/origin/metadata-search/`: origins whose indexed intrinsic metadata has every word. */
export const metadataSearchRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/origin/metadata-search/',
    docPath: '/origin/metadata-search/',
    summary:
      "Origins whose intrinsic metadata (their latest visit's CITATION.cff, codemeta.json, package.json, pyproject.toml) holds every word of fulltext, best first",
    params: [
      { name: 'fulltext', in: 'query', description: 'the words to find', required: true },
      {
        name: 'limit',
        in: 'query',
        type: 'integer',
        description: 'at most this many origins (default 70, max 100)',
      },
    ],
    scope: 'swh_api_origin_search',
    handler: async (c, ctx) => {
      const fulltext = c.req.query('fulltext')
      if (!fulltext?.trim()) throw new InvalidInputError('The fulltext parameter is missing')
      if (fulltext.length > 1000)
        throw new InvalidInputError(
          `The fulltext parameter is too long (${fulltext.length} characters, at most 1000)`,
        )
      const limit = intParam(c, 'limit', 70, 1, 100)
      const s = ctx.archive.storage
      const found = await s.originMetadataSearch(fulltext, { limit })
      const out = []
      for (const r of found) {
        const latest = await s.originVisitGetLatest(r.origin)
        out.push({
          url: r.origin,
          visit_types: latest ? [latest.visit.type] : [],
          metadata: { from_directory: r.directory, mappings: r.mappings, metadata: r.metadata },
        })
      }
      return respond(c, out)
    },
  },
]
