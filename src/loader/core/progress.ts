/**
 * Progress of a load, phase by phase: each event counts the work of its own phase (objects,
 * bytes, time since the phase began), so rates are per phase; `done` counts what the load
 * stored. Events are thinned by amount of work (every {@link EVERY_OBJECTS} objects or
 * {@link EVERY_BYTES} bytes), never by time, and every phase ends with an event of its final
 * counts. A phase may be resumed (producers of changes store a revision's contents, directories,
 * revision and ExtID in turn): its counts and time go on, without a new first event, and the
 * final counts of every phase are sent before `done`.
 *
 * @module
 */

import type { LoadPhase, LoadProgress } from './types.js'

/** An event at least every this many objects of a phase. */
export const EVERY_OBJECTS = 500
/** An event at least every this many bytes of a phase. */
export const EVERY_BYTES = 1 << 20

/** The counts of one phase. */
interface PhaseCounts {
  readonly start: number
  objects: number
  bytes: number
  lastObjects: number
  lastBytes: number
}

/** Tracks the current phase and emits its events. */
export class ProgressTracker {
  readonly #emit: ((p: LoadProgress) => void) | undefined
  readonly #loadStart = performance.now()
  readonly #totals = new Map<LoadPhase, number>()
  /** Every phase begun, in order. */
  readonly #phases = new Map<LoadPhase, PhaseCounts>()
  #phase: LoadPhase | null = null

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

  /**
   * Begins `phase` with a first event, ending the current one with its final event; a phase
   * begun before is resumed silently, its counts going on.
   */
  begin(phase: LoadPhase): void {
    if (this.#phase === phase) return
    if (this.#phases.has(phase)) {
      this.#phase = phase
      return
    }
    this.end()
    this.#phases.set(phase, {
      start: performance.now(),
      objects: 0,
      bytes: 0,
      lastObjects: 0,
      lastBytes: 0,
    })
    this.#phase = phase
    this.#send(phase)
  }

  /** Counts `objects` and `bytes` more work in `phase` (begun if it is not the current one). */
  advance(phase: LoadPhase, objects: number, bytes = 0): void {
    this.begin(phase)
    const c = this.#phases.get(phase)!
    c.objects += objects
    c.bytes += bytes
    this.#maybeSend(phase)
  }

  /** Sets the counts of `phase` (begun if it is not the current one). */
  set(
    phase: LoadPhase,
    p: { readonly objects?: number; readonly bytes?: number; readonly total?: number },
  ): void {
    this.begin(phase)
    const c = this.#phases.get(phase)!
    if (p.total !== undefined) this.#totals.set(phase, p.total)
    if (p.objects !== undefined) c.objects = p.objects
    if (p.bytes !== undefined) c.bytes = p.bytes
    this.#maybeSend(phase)
  }

  /** Ends the current phase with its final counts. */
  end(): void {
    if (this.#phase === null) return
    this.#flush(this.#phase)
    this.#phase = null
  }

  /**
   * Ends the load: every phase's final counts not sent yet, then the `done` event counting
   * what was stored, over the whole load's time.
   */
  done(objects: number, bytes: number): void {
    this.end()
    for (const phase of this.#phases.keys()) this.#flush(phase)
    this.#emit?.({
      phase: 'done',
      objects,
      bytes,
      elapsedMs: Math.round(performance.now() - this.#loadStart),
    })
  }

  /** Sends the counts of `phase` if they changed since last sent. */
  #flush(phase: LoadPhase): void {
    const c = this.#phases.get(phase)!
    if (c.objects !== c.lastObjects || c.bytes !== c.lastBytes) this.#send(phase)
  }

  #maybeSend(phase: LoadPhase): void {
    const c = this.#phases.get(phase)!
    if (c.objects - c.lastObjects >= EVERY_OBJECTS || c.bytes - c.lastBytes >= EVERY_BYTES)
      this.#send(phase)
  }

  #send(phase: LoadPhase): void {
    const c = this.#phases.get(phase)!
    c.lastObjects = c.objects
    c.lastBytes = c.bytes
    if (!this.#emit) return
    const total = this.#totals.get(phase)
    this.#emit({
      phase,
      objects: c.objects,
      ...(total === undefined ? {} : { total }),
      bytes: c.bytes,
      elapsedMs: Math.round(performance.now() - c.start),
    })
  }
}
