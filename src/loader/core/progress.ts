/**
 * Progress of a load, phase by phase: each event counts the work of its own phase (objects,
 * bytes, time since the phase began), so rates are per phase; `done` counts what the load
 * stored. Events are thinned by amount of work (every {@link EVERY_OBJECTS} objects or
 * {@link EVERY_BYTES} bytes), never by time, and every phase ends with an event of its final
 * counts. Producers of changes (Subversion, Mercurial, …) interleave phases (a revision's
 * contents, its directories, the revision, then the next one's): a phase begun again resumes
 * its counts silently, and such interleaved phases send their final events when the load ends,
 * so their logs stay thinned by work.
 *
 * @module
 */

import type { LoadPhase, LoadProgress } from './types.js'

/** An event at least every this many objects of a phase. */
export const EVERY_OBJECTS = 500
/** An event at least every this many bytes of a phase. */
export const EVERY_BYTES = 1 << 20

/** The counts of a phase, kept while another runs. */
interface PhaseCounts {
  readonly start: number
  readonly objects: number
  readonly bytes: number
  readonly lastObjects: number
  readonly lastBytes: number
}

/** Tracks the current phase and emits its events. */
export class ProgressTracker {
  readonly #emit: ((p: LoadProgress) => void) | undefined
  readonly #loadStart = performance.now()
  readonly #totals = new Map<LoadPhase, number>()
  #phase: LoadPhase | null = null
  #start = 0
  #objects = 0
  #bytes = 0
  #lastObjects = 0
  #lastBytes = 0
  /** Counts of the phases left, to resume them; and the phases begun more than once. */
  readonly #left = new Map<LoadPhase, PhaseCounts>()
  readonly #interleaved = new Set<LoadPhase>()

  constructor(emit: ((p: LoadProgress) => void) | undefined) {
    this.#emit = emit
  }

  get phase(): LoadPhase | null {
    return this.#phase
  }

  /** Announces the total of a phase (now or to come). */
  expect(phase: LoadPhase, total: number): void {
    this.#totals.set(phase, total)
  }

  /** Ends the current phase (with its final event) and begins `phase` (with a first one). */
  begin(phase: LoadPhase): void {
    if (this.#phase === phase) return
    this.#leave()
    this.#phase = phase
    const resumed = this.#left.get(phase)
    if (resumed) {
      this.#interleaved.add(phase)
      ;({
        start: this.#start,
        objects: this.#objects,
        bytes: this.#bytes,
        lastObjects: this.#lastObjects,
        lastBytes: this.#lastBytes,
      } = resumed)
      return
    }
    this.#start = performance.now()
    this.#objects = this.#bytes = this.#lastObjects = this.#lastBytes = 0
    this.#send()
  }

  /** Leaves the current phase: its final event unless it is interleaved; counts kept. */
  #leave(): void {
    if (this.#phase === null) return
    if (!this.#interleaved.has(this.#phase)) this.end()
    else {
      this.#left.set(this.#phase, this.#counts())
      this.#phase = null
    }
  }

  #counts(): PhaseCounts {
    return {
      start: this.#start,
      objects: this.#objects,
      bytes: this.#bytes,
      lastObjects: this.#lastObjects,
      lastBytes: this.#lastBytes,
    }
  }

  /** Counts `objects` and `bytes` more work in `phase` (begun if it is not the current one). */
  advance(phase: LoadPhase, objects: number, bytes = 0): void {
    this.begin(phase)
    this.#objects += objects
    this.#bytes += bytes
    this.#maybeSend()
  }

  /** Sets the counts of `phase` (begun if it is not the current one). */
  set(
    phase: LoadPhase,
    p: { readonly objects?: number; readonly bytes?: number; readonly total?: number },
  ): void {
    this.begin(phase)
    if (p.total !== undefined) this.#totals.set(phase, p.total)
    if (p.objects !== undefined) this.#objects = p.objects
    if (p.bytes !== undefined) this.#bytes = p.bytes
    this.#maybeSend()
  }

  /** Ends the current phase with its final counts. */
  end(): void {
    if (this.#phase === null) return
    if (this.#objects !== this.#lastObjects || this.#bytes !== this.#lastBytes) this.#send()
    this.#left.set(this.#phase, this.#counts())
    this.#phase = null
  }

  /** Ends the load: the `done` event counts what was stored, over the whole load's time. */
  done(objects: number, bytes: number): void {
    this.end()
    for (const phase of this.#interleaved) {
      const c = this.#left.get(phase)
      if (!c || (c.objects === c.lastObjects && c.bytes === c.lastBytes)) continue
      this.#phase = phase
      ;({
        start: this.#start,
        objects: this.#objects,
        bytes: this.#bytes,
        lastObjects: this.#lastObjects,
        lastBytes: this.#lastBytes,
      } = c)
      this.#send()
      this.#phase = null
    }
    this.#emit?.({
      phase: 'done',
      objects,
      bytes,
      elapsedMs: Math.round(performance.now() - this.#loadStart),
    })
  }

  #maybeSend(): void {
    if (
      this.#objects - this.#lastObjects >= EVERY_OBJECTS ||
      this.#bytes - this.#lastBytes >= EVERY_BYTES
    )
      this.#send()
  }

  #send(): void {
    this.#lastObjects = this.#objects
    this.#lastBytes = this.#bytes
    if (!this.#emit || this.#phase === null) return
    const total = this.#totals.get(this.#phase)
    this.#emit({
      phase: this.#phase,
      objects: this.#objects,
      ...(total === undefined ? {} : { total }),
      bytes: this.#bytes,
      elapsedMs: Math.round(performance.now() - this.#start),
    })
  }
}
