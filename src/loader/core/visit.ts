/**
 * The visit lifecycle: a visit is opened `created`, goes `ongoing` while the load runs, and
 * ends with one final status — `full`, `partial`, `not_found` or `failed` — with the snapshot
 * (full, partial) and a metadata record holding the message. Every status is kept, in order,
 * even two at one microsecond (the storage orders them as added).
 *
 * @module
 */

import type { MicroDate, VisitStatusValue } from '../../model/index.js'
import type { Storage } from '../../storage/index.js'
import { nowMicros } from './clock.js'

/** The statuses a visit may end with. */
export type FinalStatus = Extract<VisitStatusValue, 'full' | 'partial' | 'not_found' | 'failed'>

/** A visit being made. */
export interface Visit {
  readonly origin: string
  readonly visit: number
  readonly type: string
  /** The visit's date (to the millisecond). */
  readonly date: Date
  /** The snapshot of the origin's latest full or partial visit of this type, if any. */
  readonly previousSnapshot: string | null
  /** Records the final status (once). */
  end(
    status: FinalStatus,
    snapshot: string | null,
    metadata: Readonly<Record<string, unknown>> | null,
  ): Promise<void>
}

/** `date` and `dateExtraMicros` fields of a visit or status at `t`. */
export function microFields(t: MicroDate): { date: Date; dateExtraMicros?: number } {
  return t.extraMicros === 0 ? { date: t.date } : { date: t.date, dateExtraMicros: t.extraMicros }
}

/**
 * Adds the origin and a visit of it (`created`), looks up the previous snapshot, and marks the
 * visit `ongoing`.
 *
 * @example
 * ```ts
 * const v = await openVisit(storage, 'https://example.org/r.git', 'git')
 * await v.end('full', snapshotId, { eventful: true })
 * ```
 */
export async function openVisit(
  storage: Storage,
  origin: string,
  type: string,
  date?: Date,
): Promise<Visit> {
  await storage.originAdd([{ url: origin }])
  const at = date ? { date } : microFields(nowMicros())
  const [added] = await storage.originVisitAdd([{ origin, ...at, type }])
  const visit = added!.visit
  const status = async (
    s: VisitStatusValue,
    snapshot: string | null,
    metadata: Readonly<Record<string, unknown>> | null,
  ): Promise<void> => {
    await storage.originVisitStatusAdd([
      { origin, visit, ...microFields(nowMicros()), type, status: s, snapshot, metadata },
    ])
  }
  await status('created', null, null)
  const previous = await storage.originVisitGetLatest(origin, {
    type,
    requireSnapshot: true,
    allowedStatuses: ['full', 'partial'],
  })
  await status('ongoing', null, null)
  let ended = false
  return {
    origin,
    visit,
    type,
    date: at.date,
    previousSnapshot: previous?.status.snapshot ?? null,
    end: async (s, snapshot, metadata) => {
      if (ended) throw new Error(`visit ${visit} of ${origin} already ended`)
      // ended once written: a final status that could not be written (the error the load
      // then reports) leaves the visit to be ended failed, naming that error
      await status(s, snapshot, metadata)
      ended = true
    },
  }
}
