/**
 * Save Code Now on the archive's own database: its queue and request store share the
 * connection (neither closes it).
 *
 * @module
 */

import type { SqlDatabase } from '../storage/index.js'
import { SaveCodeNow } from './save-code-now.js'
import { SaveRequestStore } from './save-requests.js'
import { SqlTaskQueue } from './sql-queue.js'

/** Settings of {@link openSaveCodeNow}. */
export interface OpenSaveCodeNowInit {
  /** The visit types the archive can load. */
  readonly visitTypes: readonly string[]
  /** The network safety check (null: allowed; else why not). */
  readonly checkUrl?: (url: string) => Promise<string | null>
}

/**
 * Opens (creating the tables if needed) Save Code Now in `db`.
 *
 * @example
 * ```ts
 * const scn = await openSaveCodeNow(archive.backend.db, { visitTypes: visitTypes() })
 * ```
 */
export async function openSaveCodeNow(
  db: SqlDatabase,
  init: OpenSaveCodeNowInit,
): Promise<SaveCodeNow> {
  const queue = new SqlTaskQueue(db, { ownsDatabase: false })
  await queue.open()
  const store = new SaveRequestStore(db)
  await store.open()
  return new SaveCodeNow({
    store,
    queue,
    visitTypes: init.visitTypes,
    ...(init.checkUrl ? { checkUrl: init.checkUrl } : {}),
  })
}
