import type { AddSummary, Storage } from '../../../src/storage/interface.js'

/** How a backend's spec file gives the suite a storage. */
export interface StorageSuiteContext {
  /** A storage to test (shared by the tests of one describe block). */
  setup(): Promise<Storage>
  teardown(storage: Storage): Promise<void>
}

/** Unique text for this run, so tests sharing a database do not collide. */
export function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/**
 * The summary of an add, including what a buffering layer writes only on flush: adds are
 * followed by a flush, so the objects are stored when this resolves.
 */
export async function added(s: Storage, p: Promise<AddSummary>): Promise<Record<string, number>> {
  const out: Record<string, number> = { ...(await p) }
  for (const [k, v] of Object.entries(await s.flush())) out[k] = (out[k] ?? 0) + v
  return out
}
