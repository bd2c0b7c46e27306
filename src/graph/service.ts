/**
 * The graph API's queries (swh-graph's HTTP routes) as streams of records: each record is a
 * list of nodes (one node for leaves, neighbors, visit/nodes, walks; two for an edge of
 * visit/edges; a whole path for visit/paths). The web layer formats them; here are the rules:
 * which traversal, which filters, which limits.
 *
 * @module
 */

import { MaskedError, NotFoundError } from '../errors.js'
import type { GraphNodeType, GraphReader } from '../storage/index.js'
import {
  allPaths,
  bfs,
  type Destination,
  randomWalk,
  type Traversal,
  typeAllowed,
  walk,
} from './traverse.js'

/** The traversal routes. */
export const GRAPH_QUERIES = [
  'leaves',
  'neighbors',
  'visit/nodes',
  'visit/edges',
  'visit/paths',
  'walk',
  'randomwalk',
] as const

/** One of {@link GRAPH_QUERIES}. */
export type GraphQueryKind = (typeof GRAPH_QUERIES)[number]

/** Retries of a random walk (Software Heritage's graph service tries 10 more times). */
export const RANDOM_WALK_RETRIES = 10

/** A parsed request. */
export interface GraphQuery extends Traversal {
  readonly kind: GraphQueryKind
  readonly src: string
  /** walk and randomwalk: a node or a node type. */
  readonly dst?: Destination
  /** Only nodes of these types are returned (null: all). */
  readonly returnTypes: ReadonlySet<GraphNodeType> | null
  /** Stop after this many returned nodes (0: no limit): leaves, visit/nodes. */
  readonly maxMatchingNodes: number
  /** walk and randomwalk: the first N nodes of the path (N > 0), the last -N (N < 0), all (0). */
  readonly limit: number
  readonly algo: 'dfs' | 'bfs'
}

/**
 * Refuses a query whose nodes are unknown (404) or hidden by a takedown (403), before any
 * answer is streamed.
 */
export async function checkNodes(reader: GraphReader, nodes: readonly string[]): Promise<void> {
  const found = await reader.graphNodesExist(nodes)
  for (const n of nodes) if (!found.has(n)) throw new NotFoundError(`Unknown SWHID: ${n}`)
  const masked = await reader.graphMasked(nodes)
  if (masked.size > 0)
    throw new MaskedError(`Some objects are masked: ${[...masked].join(', ')}`, {
      details: { masked: Object.fromEntries([...masked].map((m) => [m, []])) },
    })
}

/**
 * The records a query answers, in traversal order.
 *
 * @example
 * ```ts
 * for await (const [node] of graphRecords(reader, { kind: 'leaves', src, … })) console.log(node)
 * ```
 */
export async function* graphRecords(
  reader: GraphReader,
  q: GraphQuery,
): AsyncGenerator<readonly string[]> {
  const types = q.returnTypes
  const cap = q.maxMatchingNodes > 0 ? q.maxMatchingNodes : Infinity
  switch (q.kind) {
    case 'leaves': {
      let n = 0
      for await (const v of bfs(reader, q.src, q)) {
        if (v.truncated !== true && v.successors?.length === 0 && typeAllowed(v.node, types)) {
          yield [v.node]
          if (++n >= cap) return
        }
      }
      return
    }
    case 'neighbors':
      for await (const v of bfs(reader, q.src, q, 1))
        if (v.depth === 1 && typeAllowed(v.node, types)) yield [v.node]
      return
    case 'visit/nodes': {
      let n = 0
      for await (const v of bfs(reader, q.src, q)) {
        if (!typeAllowed(v.node, types)) continue
        yield [v.node]
        if (++n >= cap) return
      }
      return
    }
    case 'visit/edges':
      for await (const v of bfs(reader, q.src, q)) {
        if (!typeAllowed(v.node, types)) continue
        for (const s of v.successors ?? []) yield [v.node, s]
      }
      return
    case 'visit/paths':
      for await (const p of allPaths(reader, q.src, q)) {
        const shown = types === null ? p : p.filter((n) => typeAllowed(n, types))
        if (shown.length > 0) yield shown
      }
      return
    case 'walk':
    case 'randomwalk': {
      const dst = q.dst ?? { type: 'ori' }
      const path =
        q.kind === 'walk'
          ? await walk(reader, q.src, dst, q.algo, q)
          : await randomWalk(reader, q.src, dst, RANDOM_WALK_RETRIES, q)
      let shown = path.filter((n) => typeAllowed(n, types))
      if (q.limit > 0) shown = shown.slice(0, q.limit)
      else if (q.limit < 0) shown = shown.slice(q.limit)
      for (const n of shown) yield [n]
      return
    }
  }
}
