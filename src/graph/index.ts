/**
 * The graph API (docs/graph-api.md): Software Heritage's graph service queries (leaves,
 * neighbors, visits, walks) answered on the archive's own storage, through its masking layer,
 * bounded by an edge budget and a deadline, streamed a batch of nodes at a time.
 *
 * @module
 */

export { parseDirection, parseEdges, parseInteger, parseNode, parseReturnTypes } from './query.js'
export {
  checkNodes,
  GRAPH_QUERIES,
  type GraphQuery,
  type GraphQueryKind,
  graphRecords,
  RANDOM_WALK_RETRIES,
} from './service.js'
export {
  allPaths,
  bfs,
  type Destination,
  randomWalk,
  type Traversal,
  typeAllowed,
  type Visited,
  walk,
} from './traverse.js'
