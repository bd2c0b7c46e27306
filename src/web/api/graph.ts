/**
 * `/graph/…`: Software Heritage's graph service routes as swh-web proxies them
 * (`/api/1/graph/<query>/`, docs/graph-api.md), answered on the archive's own storage through
 * the masking layer. Traversals stream newline-separated SWHIDs (`text/plain`; paths as
 * `application/x-ndjson`), `resolve_origins=true` shows origins by URL, `stats/` is JSON.
 * Unlike Software Heritage, the routes are public: anonymous requests get the smallest edge
 * budget (as swh-web clamps `max_edges` by user class), API tokens a larger one.
 *
 * @module
 */

import type { Context } from 'hono'

import { InvalidInputError, UnavailableError } from '../../errors.js'
import {
  checkNodes,
  type Destination,
  type GraphQuery,
  type GraphQueryKind,
  graphRecords,
  parseDirection,
  parseEdges,
  parseInteger,
  parseNode,
  parseReturnTypes,
} from '../../graph/index.js'
import {
  GRAPH_NODE_TYPES,
  type GraphNodeType,
  type GraphReader,
  maskedGraph,
} from '../../storage/index.js'
import type { WebContext } from '../context.js'
import type { AppEnv } from '../env.js'
import { respond } from '../http.js'
import type { ParamDoc, RouteDef } from './route.js'
import { streamOf } from './stream.js'

/** Edge budgets by client class (swh-web's `max_edges` anonymous / user / staff). */
export const GRAPH_MAX_EDGES = { anonymous: 100_000, token: 1_000_000, admin: 10_000_000 }
/** How long one traversal may run before its answer ends. */
export const GRAPH_TIME_LIMIT_MS = 30_000
/** Records per chunk of a streamed answer. */
const RECORDS_PER_CHUNK = 256

function reader(ctx: WebContext): GraphReader {
  const g = maskedGraph(ctx.archive)
  if (!g) throw new UnavailableError('This archive has no graph backend')
  return g
}

function budgetOf(c: Context<AppEnv>): number {
  const token = c.get('token')
  if (token?.scopes.includes('admin')) return GRAPH_MAX_EDGES.admin
  return token ? GRAPH_MAX_EDGES.token : GRAPH_MAX_EDGES.anonymous
}

const nodeParam = (c: Context, name: string): string =>
  parseNode(decodeURIComponent(c.req.param(name) ?? ''))

function queryOf(c: Context<AppEnv>, kind: GraphQueryKind): GraphQuery {
  const q = (name: string, dflt: string): string => c.req.query(name) ?? dflt
  const cap = budgetOf(c)
  const asked = parseInteger('max_edges', q('max_edges', '0'))
  const traversal = q('traversal', q('algo', 'dfs'))
  if (traversal !== 'dfs' && traversal !== 'bfs')
    throw new InvalidInputError(`Invalid traversal order "${traversal}": dfs or bfs`)
  let dst: Destination | undefined
  if (kind === 'walk' || kind === 'randomwalk') {
    const d = decodeURIComponent(c.req.param('dst') ?? '')
    dst = (GRAPH_NODE_TYPES as readonly string[]).includes(d)
      ? { type: d as GraphNodeType }
      : { node: parseNode(d) }
  }
  return {
    kind,
    src: nodeParam(c, 'src'),
    ...(dst ? { dst } : {}),
    direction: parseDirection(q('direction', 'forward')),
    edges: parseEdges(q('edges', '*')),
    returnTypes: parseReturnTypes(q('return_types', '*')),
    maxEdges: asked > 0 ? Math.min(asked, cap) : cap,
    maxMatchingNodes: parseInteger('max_matching_nodes', q('max_matching_nodes', '0')),
    limit: parseInteger('limit', q('limit', '0'), true),
    algo: traversal,
    // A client that goes away cancels the body stream, which ends the traversal.
    deadline: Date.now() + GRAPH_TIME_LIMIT_MS,
  }
}

function resolveOrigins(c: Context): boolean {
  const v = (c.req.query('resolve_origins') ?? 'false').toLowerCase()
  return ['true', '1', 'yes', 'on', 'y', 't'].includes(v)
}

/** Encoded chunks of records: a line each, origins shown by URL when asked. */
async function* encoded(
  g: GraphReader,
  records: AsyncIterable<readonly string[]>,
  ndjson: boolean,
  resolve: boolean,
): AsyncGenerator<Uint8Array> {
  const urls = new Map<string, string>()
  let batch: (readonly string[])[] = []
  const flush = async (): Promise<Uint8Array> => {
    if (resolve) {
      const ask = batch.flat().filter((n) => n.startsWith('swh:1:ori:') && !urls.has(n))
      if (ask.length > 0) for (const [k, v] of await g.graphOriginUrls(ask)) urls.set(k, v)
    }
    const show = (n: string): string => (resolve ? (urls.get(n) ?? n) : n)
    const text = batch
      .map((r) => (ndjson ? JSON.stringify(r.map(show)) : r.map(show).join(' ')) + '\n')
      .join('')
    batch = []
    if (urls.size > 10_000) urls.clear()
    return Buffer.from(text)
  }
  for await (const r of records) {
    batch.push(r)
    if (batch.length >= RECORDS_PER_CHUNK) yield await flush()
  }
  if (batch.length > 0) yield await flush()
}

/**
 * `chunks` with its first chunk already read: an error of the first reads (an index still to
 * build, a broken connection) is then an error status, not a truncated 200.
 */
async function primed(chunks: AsyncGenerator<Uint8Array>): Promise<AsyncGenerator<Uint8Array>> {
  const first = await chunks.next()
  return (async function* () {
    if (first.done === true) return
    yield first.value
    yield* chunks
  })()
}

function traversalRoute(kind: GraphQueryKind, summary: string, params: ParamDoc[]): RouteDef {
  const walk = kind === 'walk' || kind === 'randomwalk'
  const path = `/graph/${kind}/:src/${walk ? ':dst/' : ''}`
  return {
    method: 'GET',
    path,
    docPath: path.replace(':src', '{src}').replace(':dst', '{dst}'),
    summary,
    params: [
      { name: 'src', in: 'path', description: 'the starting node (a SWHID)', required: true },
      ...(walk
        ? [
            {
              name: 'dst',
              in: 'path' as const,
              description: 'the destination: a SWHID or a node type (cnt, dir, rev, rel, snp, ori)',
              required: true,
            },
          ]
        : []),
      ...COMMON_PARAMS,
      ...params,
    ],
    scope: 'swh_api',
    produces: kind === 'visit/paths' ? 'application/x-ndjson' : 'text/plain',
    handler: async (c, ctx) => {
      const q = queryOf(c as Context<AppEnv>, kind)
      const g = reader(ctx)
      const dst = q.dst && 'node' in q.dst ? [q.dst.node] : []
      await checkNodes(g, [q.src, ...dst])
      const ndjson = kind === 'visit/paths'
      const body = streamOf(await primed(encoded(g, graphRecords(g, q), ndjson, resolveOrigins(c))))
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': ndjson ? 'application/x-ndjson' : 'text/plain; charset=utf-8',
        },
      })
    },
  }
}

function countRoute(kind: 'leaves' | 'neighbors' | 'visit/nodes'): RouteDef {
  const path = `/graph/${kind}/count/:src/`
  return {
    method: 'GET',
    path,
    docPath: path.replace(':src', '{src}'),
    summary: `The number of nodes /graph/${kind}/ would return`,
    params: [
      { name: 'src', in: 'path', description: 'the starting node (a SWHID)', required: true },
      ...COMMON_PARAMS,
    ],
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const q = queryOf(c as Context<AppEnv>, kind)
      const g = reader(ctx)
      await checkNodes(g, [q.src])
      let n = 0
      for await (const _ of graphRecords(g, q)) n++
      return respond(c, n)
    },
  }
}

const COMMON_PARAMS: readonly ParamDoc[] = [
  {
    name: 'edges',
    in: 'query',
    description: 'edge types to follow: "*" or a list such as "rev:dir,dir:*" (default "*")',
  },
  { name: 'direction', in: 'query', description: 'forward (default) or backward' },
  {
    name: 'max_edges',
    in: 'query',
    type: 'integer',
    description: 'edges read at most (0: the server cap, which also bounds larger values)',
  },
  {
    name: 'return_types',
    in: 'query',
    description: 'node types returned: "*" (default) or a list such as "cnt,dir"',
  },
  {
    name: 'resolve_origins',
    in: 'query',
    type: 'boolean',
    description: 'show origins by URL instead of swh:1:ori: SWHIDs',
  },
]

const MATCHING: ParamDoc = {
  name: 'max_matching_nodes',
  in: 'query',
  type: 'integer',
  description: 'stop after this many nodes (0: no limit)',
}
const LIMIT: ParamDoc = {
  name: 'limit',
  in: 'query',
  type: 'integer',
  description: 'the first N nodes of the path (N > 0), the last -N (N < 0), all (0)',
}

/** The graph routes. */
export const graphRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    path: '/graph/stats/',
    docPath: '/graph/stats/',
    summary: 'Node and edge counts of the graph',
    scope: 'swh_api',
    handler: async (c, ctx) => {
      const k = await reader(ctx).graphCounts()
      const nodes = Object.values(k.nodesByType).reduce((a, n) => a + n, 0)
      const edges = Object.values(k.arcsByType).reduce((a, n) => a + n, 0)
      const avg = nodes === 0 ? 0 : edges / nodes
      return respond(c, {
        num_nodes: nodes,
        num_edges: edges,
        num_nodes_by_type: k.nodesByType,
        num_arcs_by_type: k.arcsByType,
        indegree_min: 0,
        indegree_avg: avg,
        outdegree_min: 0,
        outdegree_avg: avg,
      })
    },
  },
  countRoute('leaves'),
  countRoute('neighbors'),
  countRoute('visit/nodes'),
  traversalRoute('leaves', 'Leaves of the subgraph reachable from a node', [MATCHING]),
  traversalRoute('neighbors', 'Direct neighbors of a node', []),
  traversalRoute('visit/nodes', 'Nodes reachable from a node, breadth first', [MATCHING]),
  traversalRoute('visit/edges', 'Edges reachable from a node, breadth first', []),
  traversalRoute('visit/paths', 'Every path from a node to a leaf (NDJSON)', []),
  traversalRoute('walk', 'The first path found from a node to a destination', [
    LIMIT,
    { name: 'traversal', in: 'query', description: 'dfs (default) or bfs (also as "algo")' },
  ]),
  traversalRoute('randomwalk', 'A random path from a node to a destination', [LIMIT]),
]
