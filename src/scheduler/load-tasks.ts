/**
 * The contract of load tasks, which Save Code Now, the recurrent scheduler and the worker's load
 * handlers all code against:
 *
 * - kind `load-<visit_type>` (`load-git`, `load-hg`, …), `origin` the origin URL, args
 *   `{ url, requested? }` (the same URL; `requested` for loads made on someone's request, which
 *   run under the SSRF checks), priority from {@link PRIORITY};
 * - on success the task's result is a {@link LoadTaskResult};
 * - a visit that ends `failed` fails the task (retried after the backoff), `not_found` completes
 *   it (no retry) with its result.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'

/** The kind of the load task of `visitType`. */
export function loadTaskKind(visitType: string): string {
  return `load-${visitType}`
}

/** The visit type of a load task's kind, or null when `kind` is not a load task's. */
export function visitTypeOfKind(kind: string): string | null {
  return kind.startsWith('load-') && kind.length > 5 ? kind.slice(5) : null
}

/** Arguments of a load task (more keys may come; handlers ignore the ones they do not know). */
export interface LoadTaskArgs {
  readonly url: string
  /**
   * Made on someone's request (Save Code Now, a push webhook): the worker loads it under the
   * network policy (SSRF checks) and the per-visit limits.
   */
  readonly requested?: boolean
}

/** Whether a load task was made on someone's request (see {@link LoadTaskArgs.requested}). */
export function loadTaskRequested(task: { readonly args: unknown }): boolean {
  const a = task.args as Partial<LoadTaskArgs> | null
  return typeof a === 'object' && a !== null && a.requested === true
}

/** What a load task's visit ended with: its result on success. */
export interface LoadTaskResult {
  readonly visit: number
  readonly status: 'full' | 'partial' | 'not_found' | 'failed'
  /** Snapshot id (hex), null when the visit made none. */
  readonly snapshot: string | null
  /** The visit's date, ISO 8601. */
  readonly date: string
  /** Whether the snapshot differs from the previous visit's. */
  readonly eventful: boolean
  readonly message: string | null
}

const STATUSES: ReadonlySet<unknown> = new Set(['full', 'partial', 'not_found', 'failed'])

/** Whether `v` has the shape of a {@link LoadTaskResult}. */
export function isLoadTaskResult(v: unknown): v is LoadTaskResult {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return (
    typeof r['visit'] === 'number' &&
    STATUSES.has(r['status']) &&
    (r['snapshot'] === null || typeof r['snapshot'] === 'string') &&
    typeof r['date'] === 'string' &&
    !Number.isNaN(Date.parse(r['date'])) &&
    typeof r['eventful'] === 'boolean' &&
    (r['message'] === null || typeof r['message'] === 'string')
  )
}

/** The `url` of a load task's args; an error naming the task when missing. */
export function loadTaskUrl(task: { readonly id: number; readonly args: unknown }): string {
  const a = task.args as Partial<LoadTaskArgs> | null
  if (typeof a !== 'object' || a === null || typeof a.url !== 'string' || a.url === '')
    throw new InvalidInputError(`load task ${task.id}: args must be { url: string }`)
  return a.url
}
