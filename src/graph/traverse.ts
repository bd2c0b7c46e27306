/**
 * Traversals of the graph API over a {@link GraphReader}: a breadth-first visit (what leaves,
 * neighbors, visit/nodes and visit/edges stream, as Software Heritage's graph service orders
 * them), every path (visit/paths), a first path to a destination (walk, depth or breadth
 * first) and random walks. Each is bounded by an edge budget (every edge read counts, as
 * swh-graph's `max_edges`) and a deadline, and reads the graph a batch of nodes at a time:
 * memory holds the nodes seen and the frontier, never the answer.
 *
 * @module
 */

import type {
  GraphDirection,
  GraphNodeType,
  GraphReader,
  GraphSuccessorsOptions,
} from '../storage/index.js'

/** What bounds and shapes one traversal. */
export interface Traversal {
  readonly direction: GraphDirection
  /** Allowed `src:dst` edge types (see `parseEdges`). */
  readonly edges: ReadonlySet<string>
  /** Edges that may be read in all (the server's cap already applied). */
  readonly maxEdges: number
  /** `Date.now()` after which the traversal stops (its answer then ends early). */
  readonly deadline: number
  readonly signal?: AbortSignal
}

/** A node reached by a breadth-first visit. */
export interface Visited {
  readonly node: string
  readonly depth: number
  /** Its successors (allowed, visible), or null beyond `maxDepth` (not read). */
  readonly successors: readonly string[] | null
  /**
   * The edge budget ran out on this node: `successors` holds those it covered, and the visit
   * ends here (such a node is not a leaf).
   */
  readonly truncated?: boolean
}

/** Nodes whose successors are read in one call. */
const BATCH = 128

const typeOf = (node: string): GraphNodeType => node.slice(6, 9) as GraphNodeType

/** Whether a node passes a node restriction (null: all). */
export function typeAllowed(node: string, types: ReadonlySet<GraphNodeType> | null): boolean {
  return types === null || types.has(typeOf(node))
}

class Budget {
  left: number
  constructor(readonly t: Traversal) {
    this.left = t.maxEdges
  }
  expired(): boolean {
    this.t.signal?.throwIfAborted()
    return Date.now() > this.t.deadline
  }
  options(): GraphSuccessorsOptions {
    return {
      direction: this.t.direction,
      edges: this.t.edges,
      // One more than the budget: a node with more successors than that ends the traversal.
      limit: this.left + 1,
      ...(this.t.signal ? { signal: this.t.signal } : {}),
    }
  }
}

/**
 * Breadth-first visit from `src` (each node once). Ends at the node whose successors the edge
 * budget cannot all cover (yielded `truncated`), at the deadline, or when the consumer stops.
 */
export async function* bfs(
  reader: GraphReader,
  src: string,
  t: Traversal,
  maxDepth = Infinity,
): AsyncGenerator<Visited> {
  const budget = new Budget(t)
  const seen = new Set<string>([src])
  // A queue read from `head` on; the consumed part is dropped now and then (amortised O(1)).
  let queue: { node: string; depth: number }[] = [{ node: src, depth: 0 }]
  let head = 0
  while (head < queue.length) {
    if (budget.expired()) return
    const batch = queue.slice(head, head + BATCH)
    head += batch.length
    if (head > 65_536 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
    const toRead = batch.filter((e) => e.depth < maxDepth).map((e) => e.node)
    const succ =
      toRead.length > 0
        ? await reader.graphSuccessors(toRead, budget.options())
        : new Map<string, string[]>()
    for (const e of batch) {
      if (e.depth >= maxDepth) {
        yield { node: e.node, depth: e.depth, successors: null }
        continue
      }
      const list: string[] = succ.get(e.node) ?? []
      if (list.length > budget.left) {
        yield {
          node: e.node,
          depth: e.depth,
          successors: list.slice(0, budget.left),
          truncated: true,
        }
        return
      }
      budget.left -= list.length
      for (const n of list) {
        if (!seen.has(n)) {
          seen.add(n)
          queue.push({ node: n, depth: e.depth + 1 })
        }
      }
      yield { node: e.node, depth: e.depth, successors: list }
    }
  }
}

/**
 * Every path from `src` to a node without successors, depth first (visit/paths): paths share
 * prefixes, so the same node may be reached many times; the edge budget bounds the work.
 */
export async function* allPaths(
  reader: GraphReader,
  src: string,
  t: Traversal,
): AsyncGenerator<readonly string[]> {
  const budget = new Budget(t)
  const successorsOf = async (node: string): Promise<string[] | null> => {
    if (budget.expired()) return null
    const list = (await reader.graphSuccessors([node], budget.options())).get(node) ?? []
    if (list.length > budget.left) return null
    budget.left -= list.length
    return list
  }
  const first = await successorsOf(src)
  if (first === null) return
  const path: string[] = [src]
  const stack: { list: string[]; i: number }[] = [{ list: first, i: 0 }]
  if (first.length === 0) {
    yield [src]
    return
  }
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (top.i >= top.list.length) {
      stack.pop()
      path.pop()
      continue
    }
    const next = top.list[top.i++]!
    const list = await successorsOf(next)
    if (list === null) return
    path.push(next)
    if (list.length === 0) {
      yield [...path]
      path.pop()
    } else stack.push({ list, i: 0 })
  }
}

/** A destination: a node, or the first node of a type. */
export type Destination = { readonly node: string } | { readonly type: GraphNodeType }

const reached = (node: string, dst: Destination): boolean =>
  'node' in dst ? node === dst.node : typeOf(node) === dst.type

/**
 * The first path found from `src` to `dst` (both ends included), depth or breadth first;
 * empty when there is none within the budget.
 */
export async function walk(
  reader: GraphReader,
  src: string,
  dst: Destination,
  algo: 'dfs' | 'bfs',
  t: Traversal,
): Promise<string[]> {
  const budget = new Budget(t)
  const parent = new Map<string, string | null>([[src, null]])
  const pending: string[] = [src]
  let head = 0 // breadth first reads from here (no O(n) shift)
  while (pending.length > head) {
    if (budget.expired()) return []
    const node = algo === 'dfs' ? pending.pop()! : pending[head++]!
    if (reached(node, dst)) {
      const path: string[] = []
      for (let n: string | null = node; n !== null; n = parent.get(n) ?? null) path.push(n)
      return path.reverse()
    }
    const list = (await reader.graphSuccessors([node], budget.options())).get(node) ?? []
    if (list.length > budget.left) return []
    budget.left -= list.length
    // Depth first explores the first successor first (pushed last).
    const order = algo === 'dfs' ? [...list].reverse() : list
    for (const n of order) {
      if (!parent.has(n)) {
        parent.set(n, node)
        pending.push(n)
      }
    }
  }
  return []
}

/**
 * A random walk from `src` (a uniformly chosen successor at each step) until `dst` is reached,
 * tried up to `1 + retries` times; empty when none reached it.
 */
export async function randomWalk(
  reader: GraphReader,
  src: string,
  dst: Destination,
  retries: number,
  t: Traversal,
  random: () => number = Math.random,
): Promise<string[]> {
  const budget = new Budget(t)
  for (let attempt = 0; attempt <= retries; attempt++) {
    const path = [src]
    let node = src
    for (;;) {
      if (budget.expired()) return []
      const list = (await reader.graphSuccessors([node], budget.options())).get(node) ?? []
      if (list.length > budget.left) return []
      budget.left -= list.length
      if (list.length === 0) break
      node = list[Math.floor(random() * list.length)]!
      path.push(node)
      if (reached(node, dst)) return path
    }
  }
  return []
}
