/**
 * Retry delays: exponential in the attempt number, capped, with "equal jitter" (a random
 * point in the upper half of the window), so workers that failed together do not retry
 * together, and a retry never comes sooner than half the nominal delay.
 *
 * @module
 */

/** Settings of {@link retryDelay}. */
export interface BackoffInit {
  /** Nominal delay after the first failed attempt (default 60 s). */
  readonly baseMs?: number
  /** Cap of the nominal delay (default 6 h). */
  readonly maxMs?: number
}

/** Default backoff: 1 min, 2 min, 4 min, … up to 6 h. */
export const DEFAULT_BACKOFF: Required<BackoffInit> = { baseMs: 60_000, maxMs: 6 * 3600_000 }

/** The nominal (jitter-free) delay after failed attempt number `attempt` (1 for the first). */
export function nominalDelay(attempt: number, init: BackoffInit = {}): number {
  const base = init.baseMs ?? DEFAULT_BACKOFF.baseMs
  const max = init.maxMs ?? DEFAULT_BACKOFF.maxMs
  const exp = Math.min(Math.max(attempt, 1) - 1, 52)
  return Math.min(max, base * 2 ** exp)
}

/**
 * The delay before retrying after failed attempt `attempt`: in [nominal/2, nominal].
 * `random` returns a number in [0, 1).
 */
export function retryDelay(
  attempt: number,
  init: BackoffInit = {},
  random: () => number = Math.random,
): number {
  const d = nominalDelay(attempt, init)
  return Math.floor(d / 2 + random() * (d / 2))
}
