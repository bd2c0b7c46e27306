/**
 * One error base for the whole of Arca, with a stable string `code` that callers match on
 * (never `instanceof` across module copies), optional structured `details`, and the standard
 * `cause`. The edges (HTTP, CLI) map codes to statuses and exit codes in one table each.
 *
 * @module
 */

/** Stable error codes. Add new ones here, never reuse a code for another meaning. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'corrupt'
  | 'conflict'
  | 'unavailable'
  | 'forbidden'
  | 'unauthorized'
  | 'masked'
  | 'too_large'
  | 'throttled'
  | 'io'
  | 'internal'

/** Options every cancellable call accepts (storage, content store, journal). */
export interface AbortOptions {
  readonly signal?: AbortSignal
}

/** Options accepted by every {@link ArcaError} constructor. */
export interface ArcaErrorOptions {
  readonly cause?: unknown
  readonly details?: Readonly<Record<string, unknown>>
}

/**
 * Base of every error Arca raises on purpose.
 *
 * @example
 * ```ts
 * try { parseSwhid(text) } catch (e) { if (isArcaError(e, 'invalid_input')) ... }
 * ```
 */
export class ArcaError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, options: ArcaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details
  }

  /** Exception class name as Software Heritage's Web API reports it in `{exception, reason}`. */
  get exceptionName(): string {
    return this.name
  }
}

/** Bad input from a user or a remote: a malformed SWHID, an unknown flag value, bad JSON. */
export class InvalidInputError extends ArcaError {
  static readonly code = 'invalid_input'
  override readonly name = 'InvalidInputError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('invalid_input', message, options)
  }
}

/** The requested object, path or origin does not exist. */
export class NotFoundError extends ArcaError {
  static readonly code = 'not_found'
  override readonly name = 'NotFoundError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('not_found', message, options)
  }
}

/** Bytes do not hash to the identifier they claim (hash mismatch, truncated record). */
export class CorruptError extends ArcaError {
  static readonly code = 'corrupt'
  override readonly name = 'CorruptError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('corrupt', message, options)
  }
}

/** Two different objects claim the same key (a hash collision), or a conflicting update. */
export class ConflictError extends ArcaError {
  static readonly code = 'conflict'
  override readonly name = 'ConflictError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('conflict', message, options)
  }
}

/** A transient failure of a backend or a remote: retrying may succeed. */
export class UnavailableError extends ArcaError {
  static readonly code = 'unavailable'
  override readonly name = 'UnavailableError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('unavailable', message, options)
  }
}

/** The caller may not do this. */
export class ForbiddenError extends ArcaError {
  static readonly code = 'forbidden'
  override readonly name = 'ForbiddenError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('forbidden', message, options)
  }
}

/** Credentials are missing or invalid. */
export class UnauthorizedError extends ArcaError {
  static readonly code = 'unauthorized'
  override readonly name = 'UnauthorizedError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('unauthorized', message, options)
  }
}

/** The object exists but is masked by a takedown; `details.masked` says by what. */
export class MaskedError extends ArcaError {
  static readonly code = 'masked'
  override readonly name = 'MaskedObjectException'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('masked', message, options)
  }
}

/** A payload or an object is larger than allowed. */
export class TooLargeError extends ArcaError {
  static readonly code = 'too_large'
  override readonly name = 'TooLargeError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('too_large', message, options)
  }
}

/** A filesystem or process failure with a path or command attached. */
export class IoError extends ArcaError {
  static readonly code = 'io'
  override readonly name = 'IoError'
  constructor(message: string, options?: ArcaErrorOptions) {
    super('io', message, options)
  }
}

/** True when `e` is an Arca error, optionally of the given code. */
export function isArcaError(e: unknown, code?: ErrorCode): e is ArcaError {
  return (
    e instanceof Error &&
    typeof (e as Partial<ArcaError>).code === 'string' &&
    'details' in e &&
    (code === undefined || (e as ArcaError).code === code)
  )
}

/** The message of any thrown value, for one-line reports. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  return String(e)
}
