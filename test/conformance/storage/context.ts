import type { ObjStorage } from '../../../src/objstorage/interface.js'
import type { AddSummary, Storage } from '../../../src/storage/interface.js'
import type { StorageRemoval } from '../../../src/storage/removal.js'

/** How a backend's spec file gives the suite a storage. */
export interface StorageSuiteContext {
  /** A storage to test (shared by the tests of one describe block). */
  setup(): Promise<Storage>
  teardown(storage: Storage): Promise<void>
  /** The content store under `storage` (where `contentAddMetadata` expects the bytes). */
  objstorage(storage: Storage): ObjStorage
  /** The backend under `storage`, for the removal queries (`arca remove` calls the backend). */
  removal(storage: Storage): StorageRemoval
}

/** Unique text for this run, so tests sharing a database do not collide. */
export function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/**
 * The counts of an add. A buffering layer reports what it stored only when it writes, so the
 * add is followed by a flush here, and only here: the suite's other adds are not flushed, so
 * reads and `*Missing` right after them see what a buffer holds.
 */
export async function counted(s: Storage, p: Promise<AddSummary>): Promise<Record<string, number>> {
  const out: Record<string, number> = { ...(await p) }
  for (const [k, v] of Object.entries(await s.flush())) out[k] = (out[k] ?? 0) + v
  return out
}
