/**
 * Per-visit limits, enforced by the core for every loader: a time limit (the visit's signal is
 * aborted when it is reached) and a limit on the bytes received from the source (checked as
 * the producer reports its `fetch` bytes; the visit is stopped the moment it is passed). Either
 * ends the visit `failed` with a message naming the limit; as objects are stored only after a
 * producer's fetch and bottom-up, nothing half-fetched becomes visible.
 *
 * @module
 */

import { TooLargeError } from '../../errors.js'

/** How a limit reads in a message: seconds with at most one decimal. */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

/** The limits of one visit, and the signal its work runs under. */
export class VisitLimits {
  /** Aborted by the caller's signal, the time limit or the size limit. */
  readonly signal: AbortSignal | undefined
  readonly #controller: AbortController | null
  readonly #maxBytes: number | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(options: {
    readonly signal?: AbortSignal
    readonly timeLimitMs?: number
    readonly maxFetchBytes?: number
  }) {
    this.#maxBytes = options.maxFetchBytes
    const limited = options.timeLimitMs !== undefined || options.maxFetchBytes !== undefined
    this.#controller = limited ? new AbortController() : null
    this.signal = this.#controller
      ? options.signal
        ? AbortSignal.any([options.signal, this.#controller.signal])
        : this.#controller.signal
      : options.signal
    if (options.timeLimitMs !== undefined) {
      const ms = options.timeLimitMs
      this.#timer = setTimeout(
        () => this.#stop(new TooLargeError(`time limit of ${seconds(ms)} s exceeded`)),
        ms,
      )
      this.#timer.unref()
    }
  }

  /** Stops the visit (throwing) when `bytes` received passes the size limit. */
  checkFetched(bytes: number): void {
    if (this.#maxBytes === undefined || bytes <= this.#maxBytes) return
    const e = new TooLargeError(
      `fetch size limit of ${this.#maxBytes} bytes exceeded (received ${bytes} bytes from the source)`,
    )
    this.#stop(e)
    throw e
  }

  #stop(reason: Error): void {
    if (this.#controller && !this.#controller.signal.aborted) this.#controller.abort(reason)
  }

  /** Ends the time limit (the visit is over). */
  dispose(): void {
    clearTimeout(this.#timer)
  }
}
