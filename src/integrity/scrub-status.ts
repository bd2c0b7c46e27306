/**
 * The scrubber's status as one JSON document (what `arca scrub status --json` prints and the
 * admin API serves): whether one runs, its position, counts and findings, dates in ISO 8601.
 *
 * @module
 */

import type { ScrubFinding, ScrubStore } from './scrub-store.js'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** A finding as JSON. */
export function scrubFindingJson(f: ScrubFinding): Record<string, unknown> {
  const { firstSeen, lastSeen, fixedAt, ...rest } = f
  return { ...rest, first_seen: iso(firstSeen), last_seen: iso(lastSeen), fixed_at: iso(fixedAt) }
}

/** The status document; `all` lists fixed findings too. */
export async function scrubStatus(
  store: ScrubStore,
  options: { readonly all?: boolean; readonly limit?: number } = {},
  now: number = Date.now(),
): Promise<Record<string, unknown>> {
  const [position, counts, findings, holder] = await Promise.all([
    store.position(),
    store.counts(),
    store.findings({ all: options.all === true, limit: options.limit ?? 100 }),
    store.leaseHolder(now),
  ])
  return {
    running: holder,
    position: position && {
      kind: position.kind,
      after: position.after,
      round: position.round,
      round_started: iso(position.roundStarted),
      checked: position.checked,
      updated_at: iso(position.updatedAt),
    },
    open: counts.open,
    fixed: counts.fixed,
    findings: findings.map(scrubFindingJson),
  }
}
