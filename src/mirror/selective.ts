/**
 * Selective mirrors (`arca mirror --select GLOB`): only origins whose URL matches one of the
 * globs are kept, with everything reachable from their visits' snapshots, fetched top-down
 * from the upstream (the graph topics are not read).
 *
 * @module
 */

import type { Topic } from '../journal/index.js'
import {
  globRegExp,
  KIND_OF_SWHID_TYPE,
  type Origin,
  type OriginVisit,
  type OriginVisitStatus,
  SWHID_TYPE_OF_KIND,
  swhidString,
} from '../model/index.js'
import { type Decoded, decodeRecord, type Reject, REPLAY_ORDER } from './decode.js'
import type { Presence } from './presence.js'
import type { ObjectFetchKind, Upstream } from './upstream.js'

/** Topics a selective mirror reads (the graph comes top-down from the snapshots). */
export const SELECTIVE_TOPICS: readonly Topic[] = [
  'origin',
  'origin_visit',
  'origin_visit_status',
  'takedown',
]

const FETCH_KIND = KIND_OF_SWHID_TYPE satisfies Record<string, ObjectFetchKind>

const PREFIX_OF_KIND = SWHID_TYPE_OF_KIND

/**
 * An origin URL glob as a regular expression: `*` any run of characters (`/` included), `?`
 * one; `[` is literal (URLs may hold brackets, as IPv6 hosts do).
 */
export function globToRegExp(glob: string): RegExp {
  return globRegExp(glob)
}

/** Which origins a selection keeps: a predicate on URLs, or null for a full mirror. */
export function originSelection(
  globs: readonly string[] | undefined,
): ((url: string) => boolean) | null {
  if (!globs || globs.length === 0) return null
  const res = globs.map((g) => globToRegExp(g))
  return (url) => res.some((r) => r.test(url))
}

/** The origin a visit-level object belongs to (null for other topics). */
export function originOf(d: Decoded): string | null {
  switch (d.topic) {
    case 'origin':
      return (d.obj as Origin).url
    case 'origin_visit':
      return (d.obj as OriginVisit).origin
    case 'origin_visit_status':
      return (d.obj as OriginVisitStatus).origin
    default:
      return null
  }
}

/** What {@link ensureClosure} works with. */
export interface ClosureContext {
  readonly upstream: Upstream
  readonly presence: Presence
  /** Writes what is ready of a list of objects; returns the held and rejected ones. */
  readonly writeReady: (decoded: readonly Decoded[]) => Promise<{
    held: readonly (Decoded & { waitsFor: string[] })[]
    rejected: readonly Reject[]
  }>
  readonly signal?: AbortSignal | undefined
}

/**
 * Fetches from the upstream everything reachable from snapshot `id` that is not here yet
 * (top-down, level by level; an object present here has its whole closure here already),
 * verifies it, and writes it bottom-up. Returns what could not be completed, at `offset` (the
 * record that named the snapshot).
 */
export async function ensureClosure(
  ctx: ClosureContext,
  id: string,
  offset: number,
): Promise<Reject[]> {
  const rejects: Reject[] = []
  const seen = new Set<string>()
  const fetched = new Map<Topic, Decoded[]>()
  let frontier = [swhidString('snp', id)]
  while (frontier.length > 0) {
    ctx.signal?.throwIfAborted()
    const fresh = [...new Set(frontier)].filter((k) => !seen.has(k))
    for (const k of fresh) seen.add(k)
    const present = await ctx.presence.present(fresh)
    const byKind = new Map<ObjectFetchKind, string[]>()
    for (const k of fresh) {
      if (present.has(k)) continue
      const kind = FETCH_KIND[k.slice(6, 9) as keyof typeof FETCH_KIND]
      let list = byKind.get(kind)
      if (!list) byKind.set(kind, (list = []))
      list.push(k.slice(10))
    }
    const next: string[] = []
    for (const [kind, ids] of byKind) {
      const got = await ctx.upstream.objects(kind, ids)
      got.forEach((g, i) => {
        const want = swhidString(PREFIX_OF_KIND[kind], ids[i]!)
        if (g === null) {
          rejects.push({ offset, reason: `${want}: referenced but unknown upstream` })
          return
        }
        let d: Decoded
        try {
          d = decodeRecord(g.topic, offset, g.value)
        } catch (e) {
          rejects.push({ offset, reason: `${want}: ${(e as Error).message}` })
          return
        }
        if (g.topic !== 'skipped_content' && d.key !== want) {
          rejects.push({ offset, reason: `${want}: upstream answered ${d.key}` })
          return
        }
        let list = fetched.get(g.topic)
        if (!list) fetched.set(g.topic, (list = []))
        list.push(d)
        next.push(...d.waitsFor)
      })
    }
    frontier = next
  }
  for (const topic of REPLAY_ORDER) {
    const list = fetched.get(topic)
    if (!list) continue
    const { held, rejected } = await ctx.writeReady(list)
    rejects.push(...rejected)
    for (const h of held)
      rejects.push({
        offset,
        reason: `${h.key}: references missing upstream: ${h.waitsFor.join(', ')}`,
      })
  }
  return rejects
}
