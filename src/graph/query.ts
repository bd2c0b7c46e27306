/**
 * The parameters of a graph API request, parsed and checked as Software Heritage's graph
 * service does (swh-graph `docs/api.rst`): edge restrictions (`*`, `rev:dir,dir:cnt`, `dir:*`,
 * `*:rel`), node restrictions (`cnt,snp`, `*`), a direction, integer limits.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { GRAPH_NODE_TYPES, type GraphDirection, type GraphNodeType } from '../storage/index.js'

const TYPES = new Set<string>(GRAPH_NODE_TYPES)

function typesOf(spec: string, what: string, whole: string): readonly GraphNodeType[] {
  if (spec === '*') return GRAPH_NODE_TYPES
  if (!TYPES.has(spec))
    throw new InvalidInputError(`Invalid ${what} "${whole}": unknown node type "${spec}"`)
  return [spec as GraphNodeType]
}

/**
 * The `src:dst` pairs an edge restriction allows.
 *
 * @example
 * ```ts
 * parseEdges('rev:dir,dir:*') // Set { 'rev:dir', 'dir:cnt', 'dir:dir', … }
 * ```
 */
export function parseEdges(spec: string): ReadonlySet<string> {
  const out = new Set<string>()
  if (spec === '*' || spec === '*:*') {
    for (const a of GRAPH_NODE_TYPES) for (const z of GRAPH_NODE_TYPES) out.add(`${a}:${z}`)
    return out
  }
  if (spec === '') throw new InvalidInputError('Invalid edge restriction "": empty')
  for (const edge of spec.split(',')) {
    const parts = edge.split(':')
    if (parts.length !== 2)
      throw new InvalidInputError(`Invalid edge restriction "${spec}": "${edge}" is not src:dst`)
    for (const a of typesOf(parts[0]!, 'edge restriction', spec))
      for (const z of typesOf(parts[1]!, 'edge restriction', spec)) out.add(`${a}:${z}`)
  }
  return out
}

/** The node types a node restriction allows (null: every type). */
export function parseReturnTypes(spec: string): ReadonlySet<GraphNodeType> | null {
  if (spec.split(',').includes('*')) return null
  const out = new Set<GraphNodeType>()
  for (const t of spec.split(',')) for (const x of typesOf(t, 'return_types', spec)) out.add(x)
  return out
}

/** `forward` or `backward`. */
export function parseDirection(spec: string): GraphDirection {
  if (spec !== 'forward' && spec !== 'backward')
    throw new InvalidInputError(`Invalid direction "${spec}": forward or backward`)
  return spec
}

/** An integer parameter (negative allowed where `signed`). */
export function parseInteger(name: string, spec: string, signed = false): number {
  if (!(signed ? /^-?\d{1,15}$/ : /^\d{1,15}$/).test(spec))
    throw new InvalidInputError(`Invalid ${name} value "${spec}": an integer`)
  return Number(spec)
}

/** A node SWHID of the graph (`swh:1:<type>:<40 hex>`, origins included). */
export function parseNode(spec: string): string {
  const m = /^swh:1:(cnt|dir|rev|rel|snp|ori):([0-9a-f]{40})$/.exec(spec)
  if (!m) throw new InvalidInputError(`Invalid node "${spec}": not a SWHID of the graph`)
  return spec
}
