/**
 * Fetching wanted tips from a remote that cannot send all of them at once (a missing or corrupt
 * object on its side makes `upload-pack` fail for every want whose history holds it): the wants
 * are split in halves and each half is tried again, level by level (both halves of a failed set
 * before any quarter), keeping every set that succeeds (its tips become haves of the later
 * fetches, so nothing is sent twice). With k bad tips among N, that is O(k log N) fetches
 * instead of N.
 *
 * When nothing succeeds at all after about 2·log2 N failures, every remaining want is given up
 * with the last error: a remote that fails every fetch costs O(log N) fetches, not 2N.
 *
 * @module
 */

/** A want that could not be fetched, and why. */
export interface FailedWant {
  readonly want: string
  readonly error: unknown
}

/** Outcome of {@link fetchInHalves}. */
export interface FetchPlanResult {
  /** Wants whose objects arrived. */
  readonly fetched: string[]
  readonly failed: FailedWant[]
  /** Fetch requests made (the first, failed one not counted). */
  readonly fetches: number
}

/** Options of {@link fetchInHalves}. */
export interface FetchPlanOptions {
  /** Haves to offer the remote (fetched tips are put in front of them). */
  readonly haves: readonly string[]
  /** At most this many haves per request. */
  readonly maxHaves: number
  /** Errors that end the whole plan (e.g. the repository is gone), rethrown as they are. */
  readonly fatal: (e: unknown) => boolean
}

/**
 * Fetches `wants` (all of which failed together with `firstError`) in halves.
 *
 * @example
 * ```ts
 * const r = await fetchInHalves(wants, err, (w, h) => fetchPack(w, h), { haves, maxHaves: 1024, fatal })
 * for (const f of r.failed) console.log(f.want, f.error)
 * ```
 */
export async function fetchInHalves(
  wants: readonly string[],
  firstError: unknown,
  attempt: (wants: readonly string[], haves: readonly string[]) => Promise<void>,
  options: FetchPlanOptions,
): Promise<FetchPlanResult> {
  const fetched: string[] = []
  const failed: FailedWant[] = []
  let fetches = 0
  let failures = 1
  const giveUpAfter = 2 * Math.ceil(Math.log2(Math.max(wants.length, 1))) + 2
  const queue: { wants: readonly string[]; error: unknown }[] = []
  const split = (set: readonly string[], error: unknown): void => {
    if (set.length === 1) {
      failed.push({ want: set[0]!, error })
      return
    }
    const mid = Math.ceil(set.length / 2)
    queue.push({ wants: set.slice(0, mid), error }, { wants: set.slice(mid), error })
  }
  split(wants, firstError)
  while (queue.length > 0) {
    const { wants: set } = queue.shift()!
    if (fetched.length === 0 && failures >= giveUpAfter) {
      // Nothing at all came through: give up the rest with the error seen last.
      const last = failed.length > 0 ? failed[failed.length - 1]!.error : firstError
      for (const w of set) failed.push({ want: w, error: last })
      for (const s of queue.splice(0))
        for (const w of s.wants) failed.push({ want: w, error: last })
      break
    }
    const haves = [...fetched.slice().reverse(), ...options.haves].slice(0, options.maxHaves)
    fetches++
    try {
      await attempt(set, haves)
      fetched.push(...set)
    } catch (e) {
      if (options.fatal(e)) throw e
      failures++
      split(set, e)
    }
  }
  return { fetched, failed, fetches }
}
