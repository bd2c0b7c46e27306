/**
 * Lister instances in the scheduler's database (`lister_instance`, scheduler migration 4): the
 * state where the next page starts, the state the last complete run ended with, the status of
 * the last run, when it ran and how many origins it found.
 *
 * @module
 */

import type { SqlDatabase, SqlExecutor } from '../storage/index.js'
import type { ListerState } from './interface.js'

/** How a lister's last run is. */
/** (`registered`: known, never run yet, e.g. an accepted Add Forge Now request.) */
export type ListerStatus = 'registered' | 'running' | 'complete' | 'failed'

/** One lister instance. */
export interface ListerInstance {
  readonly type: string
  readonly url: string
  readonly state: ListerState
  readonly completeState: ListerState | null
  readonly status: ListerStatus
  readonly lastRun: number | null
  readonly lastError: string | null
  readonly originsFound: number
}

interface Row {
  type: string
  url: string
  state: string
  complete_state: string | null
  status: string
  last_run: number | string | null
  last_error: string | null
  origins_found: number | string
}

const fromRow = (r: Row): ListerInstance => ({
  type: r.type,
  url: r.url,
  state: JSON.parse(r.state) as ListerState,
  completeState: r.complete_state === null ? null : (JSON.parse(r.complete_state) as ListerState),
  status: r.status as ListerStatus,
  lastRun: r.last_run === null ? null : Number(r.last_run),
  lastError: r.last_error,
  originsFound: Number(r.origins_found),
})

/** The table of lister instances (its migration is the scheduler's; open the scheduler first). */
export class ListerStore {
  readonly #db: SqlDatabase

  constructor(db: SqlDatabase) {
    this.#db = db
  }

  async get(type: string, url: string): Promise<ListerInstance | null> {
    const rows = await this.#db.all<Row>(
      'SELECT * FROM lister_instance WHERE type = ? AND url = ?',
      [type, url],
    )
    return rows[0] ? fromRow(rows[0]) : null
  }

  async list(): Promise<ListerInstance[]> {
    const rows = await this.#db.all<Row>('SELECT * FROM lister_instance ORDER BY type, url')
    return rows.map(fromRow)
  }

  /** Saves the instance's state (inserting it if new), in transaction `tx` if given. */
  async save(i: ListerInstance, tx: SqlExecutor = this.#db): Promise<void> {
    await tx.run(
      `INSERT INTO lister_instance (type, url, state, complete_state, status, last_run, last_error, origins_found)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (type, url) DO UPDATE SET state = excluded.state,
         complete_state = excluded.complete_state, status = excluded.status,
         last_run = excluded.last_run, last_error = excluded.last_error,
         origins_found = excluded.origins_found`,
      [
        i.type,
        i.url,
        JSON.stringify(i.state),
        i.completeState === null ? null : JSON.stringify(i.completeState),
        i.status,
        i.lastRun,
        i.lastError,
        i.originsFound,
      ],
    )
  }
}
