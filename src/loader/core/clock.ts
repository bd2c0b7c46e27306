/**
 * The clock of visits: now, to the microsecond (Software Heritage's visit dates have
 * microseconds; `Date.now()` has milliseconds).
 *
 * @module
 */

import { fromEpochMicros, type MicroDate } from '../../model/index.js'

/**
 * Now, from the high-resolution clock (`performance.timeOrigin + performance.now()`: wall time
 * at process start plus monotonic time since, to the microsecond).
 */
export function nowMicros(): MicroDate {
  return fromEpochMicros(Math.floor((performance.timeOrigin + performance.now()) * 1000))
}
