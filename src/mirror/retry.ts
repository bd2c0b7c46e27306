/**
 * The mirror's one retry policy for talking to an upstream: bounded attempts, exponential backoff
 * with jitter (p-retry), a server's `Retry-After` honoured on 429/503 answers, and the caller's
 * `AbortSignal` honoured during every wait (the promise then rejects with the signal's reason).
 *
 * Only {@link UnavailableError}s are retried; anything else ends the attempts at once. Retries
 * are one level deep: callers wrap one exchange (request and its answer) and never nest.
 *
 * @module
 */

import pRetry from 'p-retry'

import { UnavailableError } from '../errors.js'

/** Settings of {@link withRetry}. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 6). */
  readonly attempts?: number
  /** First backoff wait in ms, before jitter (default 100). */
  readonly minDelayMs?: number
  /** Longest backoff wait in ms (default 5000). */
  readonly maxDelayMs?: number
  /** Longest `Retry-After` wait honoured, in ms (default 60 000). */
  readonly maxRetryAfterMs?: number
  /** Ends the attempts and any wait; the promise rejects with its reason. */
  readonly signal?: AbortSignal | undefined
}

/** A transient refusal carrying the server's `Retry-After` wait, in ms. */
export class RetryAfterError extends UnavailableError {
  readonly retryAfterMs: number
  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(message, options)
    this.retryAfterMs = retryAfterMs
  }
}

/**
 * The wait a `Retry-After` header asks for, in ms (delay-seconds or an HTTP date), or null when
 * absent or malformed.
 */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (value === null) return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - nowMs)
}

/** Waits `ms`, rejecting with `signal`'s reason as soon as it aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason as Error)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Runs `fn` until it succeeds, fails with something other than an {@link UnavailableError}, or
 * the attempts are spent (the last error is then thrown). `fn` receives the attempt number (1 for
 * the first).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 6)
  const signal = policy.signal
  const maxRetryAfter = policy.maxRetryAfterMs ?? 60_000
  return pRetry(fn, {
    retries: attempts - 1,
    minTimeout: policy.minDelayMs ?? 100,
    maxTimeout: policy.maxDelayMs ?? 5000,
    factor: 2,
    randomize: true,
    signal,
    shouldRetry: ({ error }) => error instanceof UnavailableError && !signal?.aborted,
    // p-retry's own (jittered, abortable) backoff follows this wait.
    onFailedAttempt: async ({ error, retriesLeft }) => {
      if (signal?.aborted) throw signal.reason as Error
      if (retriesLeft > 0 && error instanceof RetryAfterError)
        await wait(Math.min(error.retryAfterMs, maxRetryAfter), signal)
    },
  })
}

/**
 * The wait before the mirror resumes from its committed offsets after `failures` failed
 * catch-ups in a row: doubling from 250 ms to at most 30 s, jittered to between half and all of
 * it so that mirrors cut off together do not come back together.
 */
export function resumeDelayMs(failures: number): number {
  const base = Math.min(30_000, 250 * 2 ** Math.min(Math.max(failures, 0), 7))
  return base / 2 + Math.random() * (base / 2)
}
