/**
 * The graph as the graph API walks it (docs/graph-api.md): nodes named by their SWHIDs
 * (`swh:1:ori:<sha1 of the URL>` for origins), edges read from the stored objects forward
 * (ori→snp through visit statuses, snp→branch targets, rel→target, rev→dir and parents,
 * dir→entries) and backward through indexes. Types only; the SQL backend implements
 * {@link StorageGraph}, and the masking layer's {@link GraphReader} hides masked nodes.
 *
 * @module
 */

import type { AbortOptions } from '../errors.js'

/** The node types of the graph (SWHID types, `ori` included). */
export const GRAPH_NODE_TYPES = ['cnt', 'dir', 'rev', 'rel', 'snp', 'ori'] as const

/** One of {@link GRAPH_NODE_TYPES}. */
export type GraphNodeType = (typeof GRAPH_NODE_TYPES)[number]

/** Which way edges are followed: as stored (forward) or reversed (backward). */
export type GraphDirection = 'forward' | 'backward'

/** Options of {@link StorageGraph.graphSuccessors}. */
export interface GraphSuccessorsOptions extends AbortOptions {
  readonly direction: GraphDirection
  /**
   * Edge types that may be followed, as `src:dst` pairs of node types in the direction of
   * the traversal (`cnt:dir` backward is a directory entry read from the content's side).
   */
  readonly edges: ReadonlySet<string>
  /** Read at most this many successors per query (the caller's remaining edge budget). */
  readonly limit: number
}

/** Counts of the graph (what the stats route shows). */
export interface GraphCounts {
  readonly nodesByType: Readonly<Record<GraphNodeType, number>>
  readonly arcsByType: Readonly<Record<string, number>>
}

/** Reading the graph: successors of nodes, which nodes exist, counts. */
export interface GraphReader {
  /**
   * Successors of each node (SWHID strings) that the edge filter allows, in a stable order
   * (a revision's directory then its parents; entries and branches by name), each once.
   * Nodes without successors may be absent from the map.
   */
  graphSuccessors(
    nodes: readonly string[],
    options: GraphSuccessorsOptions,
  ): Promise<Map<string, string[]>>
  /** The nodes among `nodes` that are stored. */
  graphNodesExist(nodes: readonly string[], options?: AbortOptions): Promise<Set<string>>
  /** The nodes among `nodes` that a takedown hides (none on a backend). */
  graphMasked(nodes: readonly string[], options?: AbortOptions): Promise<Set<string>>
  /** Origin URLs of `swh:1:ori:` nodes (for `resolve_origins`). */
  graphOriginUrls(nodes: readonly string[], options?: AbortOptions): Promise<Map<string, string>>
  graphCounts(options?: AbortOptions): Promise<GraphCounts>
}

/** Progress of {@link StorageGraph.graphReindex}. */
export interface GraphReindexReport {
  readonly directories: number
  readonly revisions: number
}

/** A backend that answers the graph API and keeps its reverse-edge index. */
export interface StorageGraph extends GraphReader {
  /**
   * Whether the reverse index of directory entries and revision parents covers every stored
   * object (false on an archive made before it until {@link graphReindex} has finished).
   */
  graphIndexComplete(options?: AbortOptions): Promise<boolean>
  /**
   * Fills the reverse index from the stored directories and revisions, in pages, resuming
   * where a killed run stopped; idempotent.
   */
  graphReindex(
    options?: { readonly onPage?: (report: GraphReindexReport) => void } & AbortOptions,
  ): Promise<GraphReindexReport>
}
