/**
 * The graph API behind the masking layer: successors that a takedown hides are left out, as if
 * the node were not in the graph (neither returned nor traversed), and `graphMasked` tells the
 * caller which of its own nodes are hidden (a masked starting node is refused, 403).
 *
 * @module
 */

import type { AbortOptions } from '../../errors.js'
import type { GraphCounts, GraphReader, GraphSuccessorsOptions, StorageGraph } from '../graph.js'
import type { Storage } from '../interface.js'
import type { MaskedView } from './masked-view.js'
import type { MaskChecker } from './masking.js'

function isGraph(s: unknown): s is StorageGraph {
  return typeof (s as Partial<StorageGraph>).graphSuccessors === 'function'
}

/** The backend under a masking storage's layers, if it answers the graph API. */
function graphBackend(storage: Storage): StorageGraph | null {
  let s: unknown = storage
  for (let i = 0; i < 16 && s; i++) {
    if (isGraph(s)) return s
    s = (s as { inner?: unknown }).inner
  }
  return null
}

class MaskingGraph implements GraphReader {
  constructor(
    readonly inner: GraphReader,
    readonly masks: MaskChecker,
  ) {}

  async graphSuccessors(
    nodes: readonly string[],
    options: GraphSuccessorsOptions,
  ): Promise<Map<string, string[]>> {
    const got = await this.inner.graphSuccessors(nodes, options)
    const all = [...got.values()].flat()
    const masked = await this.graphMasked(all, options)
    if (masked.size === 0) return got
    const out = new Map<string, string[]>()
    for (const [k, v] of got)
      out.set(
        k,
        v.filter((n) => !masked.has(n)),
      )
    return out
  }

  graphNodesExist(nodes: readonly string[], options?: AbortOptions): Promise<Set<string>> {
    return this.inner.graphNodesExist(nodes, options)
  }

  async graphMasked(nodes: readonly string[], options?: AbortOptions): Promise<Set<string>> {
    const out = new Set<string>()
    const list = [...new Set(nodes)]
    // One masking query per 500 nodes (the checker batches a whole list in one statement).
    for (let i = 0; i < list.length; i += 500) {
      const part = list.slice(i, i + 500)
      for (const k of (await this.masks.masked(part, options)).keys()) out.add(k)
    }
    return out
  }

  graphOriginUrls(nodes: readonly string[], options?: AbortOptions): Promise<Map<string, string>> {
    return this.inner.graphOriginUrls(nodes, options)
  }

  graphCounts(options?: AbortOptions): Promise<GraphCounts> {
    return this.inner.graphCounts(options)
  }
}

/**
 * The graph of a masked view (null when its storage has no graph backend).
 *
 * @example
 * ```ts
 * const graph = maskedGraph(ctx.archive)
 * await graph?.graphSuccessors(['swh:1:rev:…'], { direction: 'forward', edges, limit: 1000 })
 * ```
 */
export function maskedGraph(view: MaskedView): GraphReader | null {
  const backend = graphBackend(view.storage.inner)
  return backend ? new MaskingGraph(backend, view.storage.masks) : null
}
