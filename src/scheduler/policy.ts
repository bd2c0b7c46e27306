/**
 * When an origin is visited again: the policy of recurrent visits, pure (times in ms, randomness
 * injected), after Software Heritage's scheduler conventions (swh-scheduler's journal client and
 * `grab_next_visits`), with an interval of our own in place of SWH's queue positions:
 *
 * - an origin never visited is due from when it was first listed, and comes before every visited
 *   one; visited origins come by lag (longest overdue first);
 * - each origin has its own interval: halved after an eventful visit (new snapshot), doubled
 *   after an uneventful one, kept within [`minIntervalMs`, `maxIntervalMs`]; the next visit is
 *   due one interval after the visit, ±`jitter` (so origins listed together spread out);
 * - a failed visit is retried after `failedCooldownMs`, a not-found one after
 *   `notFoundCooldownMs` (SWH's defaults: 14 and 31 days); after `disableAfterFailures`
 *   unsuccessful visits in a row (SWH: 3) the origin is disabled until it is listed again;
 * - a scheduled origin is not scheduled again until its visit ended, or `scheduledCooldownMs`
 *   passed (SWH: 7 days; a task lost in flight);
 * - a visit older than the last one recorded is ignored (SWH: out-of-order messages).
 *
 * @module
 */

const HOUR = 3600_000
const DAY = 24 * HOUR

/** Settings of the recurrent visits. */
export interface VisitPolicy {
  /** Interval of an origin after its first visit (default 1 day). */
  readonly initialIntervalMs: number
  /** Bounds of the interval (default 12 h, 64 days). */
  readonly minIntervalMs: number
  readonly maxIntervalMs: number
  /** Multiplier after an eventful visit (default 0.5) and after an uneventful one (default 2). */
  readonly eventfulFactor: number
  readonly uneventfulFactor: number
  /** Relative spread of due times (default 0.1: ±10 %). */
  readonly jitter: number
  /** Wait after a failed visit (default 14 days) and a not-found one (default 31 days). */
  readonly failedCooldownMs: number
  readonly notFoundCooldownMs: number
  /** A scheduled visit with no outcome is scheduled again after this (default 7 days). */
  readonly scheduledCooldownMs: number
  /** Unsuccessful visits in a row that disable an origin (default 3). */
  readonly disableAfterFailures: number
}

/** The defaults (see {@link VisitPolicy}). */
export const DEFAULT_VISIT_POLICY: VisitPolicy = {
  initialIntervalMs: DAY,
  minIntervalMs: 12 * HOUR,
  maxIntervalMs: 64 * DAY,
  eventfulFactor: 0.5,
  uneventfulFactor: 2,
  jitter: 0.1,
  failedCooldownMs: 14 * DAY,
  notFoundCooldownMs: 31 * DAY,
  scheduledCooldownMs: 7 * DAY,
  disableAfterFailures: 3,
}

/** SWH's `last_visit_status`. */
export type LastVisitStatus = 'successful' | 'failed' | 'not_found'

/** What the scheduler knows of an origin's visits. */
export interface VisitStats {
  readonly lastVisit: number | null
  readonly lastVisitStatus: LastVisitStatus | null
  readonly lastEventful: number | null
  readonly lastUneventful: number | null
  readonly lastFailed: number | null
  readonly lastNotFound: number | null
  /** Snapshot of the last successful visit (hex). */
  readonly lastSnapshot: string | null
  readonly lastScheduled: number | null
  readonly successiveFailures: number
  readonly intervalMs: number
  /** When the next visit is due; null when out of the schedule (disabled, or not listed). */
  readonly nextVisitDue: number | null
}

/** One visit's outcome, as the load task's result gives it. */
export interface VisitOutcome {
  readonly date: number
  readonly status: 'full' | 'partial' | 'not_found' | 'failed'
  readonly snapshot: string | null
  readonly eventful: boolean
}

/** The stats of an origin just listed, due at `now`. */
export function freshStats(policy: VisitPolicy, now: number): VisitStats {
  return {
    lastVisit: null,
    lastVisitStatus: null,
    lastEventful: null,
    lastUneventful: null,
    lastFailed: null,
    lastNotFound: null,
    lastSnapshot: null,
    lastScheduled: null,
    successiveFailures: 0,
    intervalMs: policy.initialIntervalMs,
    nextVisitDue: now,
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))

/**
 * The stats after `outcome`, and whether the origin is now disabled; null when the visit is
 * older than the last recorded (ignored). `scheduled` says whether the origin is in the
 * schedule (listed and enabled): otherwise it keeps no due time.
 */
export function afterVisit(
  prev: VisitStats,
  outcome: VisitOutcome,
  policy: VisitPolicy,
  scheduled: boolean,
  random: () => number = Math.random,
): { stats: VisitStats; disable: boolean } | null {
  if (prev.lastVisit !== null && outcome.date <= prev.lastVisit) return null
  const spread = (ms: number): number => Math.round(ms * (1 + policy.jitter * (2 * random() - 1)))
  const date = outcome.date
  const successful =
    (outcome.status === 'full' || outcome.status === 'partial') && outcome.snapshot !== null
  if (successful) {
    let interval = prev.intervalMs
    // the first visit sets no pace: there was nothing to compare with
    if (prev.lastVisit !== null)
      interval = outcome.eventful
        ? interval * policy.eventfulFactor
        : interval * policy.uneventfulFactor
    interval = Math.round(clamp(interval, policy.minIntervalMs, policy.maxIntervalMs))
    return {
      disable: false,
      stats: {
        ...prev,
        lastVisit: date,
        lastVisitStatus: 'successful',
        ...(outcome.eventful ? { lastEventful: date } : { lastUneventful: date }),
        lastSnapshot: outcome.snapshot,
        successiveFailures: 0,
        intervalMs: interval,
        nextVisitDue: scheduled ? date + spread(interval) : null,
      },
    }
  }
  const notFound = outcome.status === 'not_found'
  const failures = prev.successiveFailures + 1
  const disable = failures >= policy.disableAfterFailures
  const cooldown = notFound ? policy.notFoundCooldownMs : policy.failedCooldownMs
  return {
    disable: disable && scheduled,
    stats: {
      ...prev,
      lastVisit: date,
      lastVisitStatus: notFound ? 'not_found' : 'failed',
      ...(notFound ? { lastNotFound: date } : { lastFailed: date }),
      successiveFailures: failures,
      nextVisitDue: scheduled && !disable ? date + spread(cooldown) : null,
    },
  }
}
