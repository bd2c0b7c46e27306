/**
 * The save-request store of Save Code Now: every request people (or forge webhooks) make to
 * archive an origin, with the operator's URL prefix lists that decide them. Tables of the
 * scheduler's migrations (`save_request`, `save_url_prefix`), in the archive's database: SQLite
 * embedded, PostgreSQL scale-out. The request's loading status is not stored: it is read from
 * its task (see `save-code-now.ts`); only the visit's outcome is copied back once known, so it
 * outlives the task (`purgeDone`).
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import { migrate, type SqlDatabase, type SqlValue } from '../storage/index.js'
import { MIGRATION_TABLE, schedulerMigrations } from './schema.js'

/** Whether a request may be loaded (SWH's `save_request_status`). */
export type SaveRequestStatus = 'accepted' | 'rejected' | 'pending'

/** Every request status. */
export const SAVE_REQUEST_STATUSES: readonly SaveRequestStatus[] = [
  'accepted',
  'rejected',
  'pending',
]

/** The operator's URL prefix lists: authorized (accepted at once), unauthorized (rejected). */
export type PrefixList = 'authorized' | 'unauthorized'

/** The prefix lists. */
export const PREFIX_LISTS: readonly PrefixList[] = ['authorized', 'unauthorized']

/** A stored save request. */
export interface SaveRequest {
  readonly id: number
  readonly visitType: string
  readonly originUrl: string
  /** When it was made (ms since the epoch). */
  readonly requestDate: number
  readonly status: SaveRequestStatus
  /** Why it was rejected, or a moderator's note ("" when none). */
  readonly note: string
  /** Its loading task, once one was enqueued. */
  readonly taskId: number | null
  /** The visit's date (ISO) and status, copied from the finished task. */
  readonly visitDate: string | null
  readonly visitStatus: string | null
  /** The visit's snapshot id (hex), if it made one. */
  readonly snapshot: string | null
  /** Who asked: `token:ID`, `anonymous`, `webhook:FORGE`, `cli` (each once). */
  readonly requesters: readonly string[]
  /** The forge whose webhook made the request ("" when none). */
  readonly webhookOrigin: string
}

/** A request to add. */
export interface SaveRequestInit {
  readonly visitType: string
  readonly originUrl: string
  readonly status: SaveRequestStatus
  readonly note?: string
  readonly taskId?: number | null
  readonly requester?: string
  readonly webhookOrigin?: string
}

/** What `update` may change. */
export interface SaveRequestChanges {
  readonly status?: SaveRequestStatus
  readonly note?: string
  readonly taskId?: number | null
  readonly visitDate?: string | null
  readonly visitStatus?: string | null
  readonly snapshot?: string | null
}

/** Options of `list`. */
export interface SaveRequestListOptions {
  readonly status?: SaveRequestStatus
  /** Only requests with a smaller id (paging, newest first). */
  readonly beforeId?: number | undefined
  /** Default 100. */
  readonly limit?: number
}

interface Row {
  id: number
  visit_type: string
  origin_url: string
  request_date: number
  status: string
  note: string
  task_id: number | null
  visit_date: string | null
  visit_status: string | null
  snapshot: string | null
  requesters: string
  webhook_origin: string
}

const COLUMNS =
  'id, visit_type, origin_url, request_date, status, note, task_id, visit_date, visit_status, snapshot, requesters, webhook_origin'

function requestOf(r: Row): SaveRequest {
  return {
    id: Number(r.id),
    visitType: r.visit_type,
    originUrl: r.origin_url,
    requestDate: Number(r.request_date),
    status: r.status as SaveRequestStatus,
    note: r.note,
    taskId: r.task_id === null ? null : Number(r.task_id),
    visitDate: r.visit_date,
    visitStatus: r.visit_status,
    snapshot: r.snapshot,
    requesters: r.requesters === '' ? [] : r.requesters.split(','),
    webhookOrigin: r.webhook_origin,
  }
}

function checkList(list: string): asserts list is PrefixList {
  if (!(PREFIX_LISTS as readonly string[]).includes(list))
    throw new InvalidInputError(
      `Unknown URL prefix list "${list}": use ${PREFIX_LISTS.join(' or ')}`,
    )
}

/** Settings of {@link SaveRequestStore}. */
export interface SaveRequestStoreInit {
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number
  /** Whether `close` closes the database (default false: it is the archive's). */
  readonly ownsDatabase?: boolean
}

/**
 * Save requests and prefix lists in SQL tables.
 *
 * @example
 * ```ts
 * const store = new SaveRequestStore(archive.backend.db)
 * await store.open()
 * await store.addPrefix('authorized', 'https://github.com/')
 * const r = await store.add({ visitType: 'git', originUrl: url, status: 'pending' })
 * ```
 */
export class SaveRequestStore {
  readonly #db: SqlDatabase
  readonly #now: () => number
  readonly #owns: boolean

  constructor(db: SqlDatabase, init: SaveRequestStoreInit = {}) {
    this.#db = db
    this.#now = init.clock ?? Date.now
    this.#owns = init.ownsDatabase ?? false
  }

  /** Creates the tables if needed. */
  async open(): Promise<void> {
    await migrate(this.#db, schedulerMigrations(this.#db.dialect), MIGRATION_TABLE)
  }

  async close(): Promise<void> {
    if (this.#owns) await this.#db.close()
  }

  /** Adds a request, dated now. */
  async add(init: SaveRequestInit): Promise<SaveRequest> {
    const rows = await this.#db.all<Row>(
      `INSERT INTO save_request (visit_type, origin_url, request_date, status, note, task_id, requesters, webhook_origin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
      [
        init.visitType,
        init.originUrl,
        this.#now(),
        init.status,
        init.note ?? '',
        init.taskId ?? null,
        init.requester ?? '',
        init.webhookOrigin ?? '',
      ],
    )
    return requestOf(rows[0]!)
  }

  /** The request of `id`, or null. */
  async get(id: number): Promise<SaveRequest | null> {
    const rows = await this.#db.all<Row>(`SELECT ${COLUMNS} FROM save_request WHERE id = ?`, [id])
    return rows[0] ? requestOf(rows[0]) : null
  }

  /** The requests of one origin and visit type, newest first. */
  async byOrigin(visitType: string, originUrl: string): Promise<SaveRequest[]> {
    const rows = await this.#db.all<Row>(
      `SELECT ${COLUMNS} FROM save_request WHERE origin_url = ? AND visit_type = ? ORDER BY id DESC`,
      [originUrl, visitType],
    )
    return rows.map(requestOf)
  }

  /** Requests newest first, optionally in one status. */
  async list(options: SaveRequestListOptions = {}): Promise<SaveRequest[]> {
    const where: string[] = []
    const params: SqlValue[] = []
    if (options.status !== undefined) {
      where.push('status = ?')
      params.push(options.status)
    }
    if (options.beforeId !== undefined) {
      where.push('id < ?')
      params.push(options.beforeId)
    }
    params.push(options.limit ?? 100)
    const rows = await this.#db.all<Row>(
      `SELECT ${COLUMNS} FROM save_request ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ?`,
      params,
    )
    return rows.map(requestOf)
  }

  /** Changes fields of a request; `expect` makes it conditional on the current status. */
  async update(
    id: number,
    changes: SaveRequestChanges,
    expect?: SaveRequestStatus,
  ): Promise<boolean> {
    const sets: string[] = []
    const params: SqlValue[] = []
    const put = (column: string, value: SqlValue | undefined): void => {
      if (value === undefined) return
      sets.push(`${column} = ?`)
      params.push(value)
    }
    put('status', changes.status)
    put('note', changes.note)
    put('task_id', changes.taskId)
    put('visit_date', changes.visitDate)
    put('visit_status', changes.visitStatus)
    put('snapshot', changes.snapshot)
    if (sets.length === 0) return (await this.get(id)) !== null
    params.push(id)
    let cond = ''
    if (expect !== undefined) {
      cond = ' AND status = ?'
      params.push(expect)
    }
    const n = await this.#db.run(
      `UPDATE save_request SET ${sets.join(', ')} WHERE id = ?${cond}`,
      params,
    )
    return n === 1
  }

  /** Records one more requester of a request (each once). */
  async addRequester(id: number, requester: string): Promise<void> {
    if (requester === '' || requester.includes(','))
      throw new InvalidInputError(`Invalid requester "${requester}"`)
    await this.#db.transaction(async (tx) => {
      const rows = await tx.all<{ requesters: string }>(
        'SELECT requesters FROM save_request WHERE id = ?',
        [id],
      )
      const have = rows[0]?.requesters
      if (have === undefined) return
      const list = have === '' ? [] : have.split(',')
      if (list.includes(requester)) return
      await tx.run('UPDATE save_request SET requesters = ? WHERE id = ?', [
        [...list, requester].join(','),
        id,
      ])
    })
  }

  /** The prefixes of a list, sorted. */
  async prefixes(list: PrefixList): Promise<string[]> {
    checkList(list)
    const rows = await this.#db.all<{ prefix: string }>(
      'SELECT prefix FROM save_url_prefix WHERE list = ? ORDER BY prefix',
      [list],
    )
    return rows.map((r) => r.prefix)
  }

  /** Adds a prefix to a list; false if it was there. */
  async addPrefix(list: PrefixList, prefix: string): Promise<boolean> {
    checkList(list)
    if (prefix === '') throw new InvalidInputError('A URL prefix cannot be empty')
    const n = await this.#db.run(
      'INSERT INTO save_url_prefix (list, prefix, added) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      [list, prefix, this.#now()],
    )
    return n === 1
  }

  /** Removes a prefix from a list; false if it was not there. */
  async removePrefix(list: PrefixList, prefix: string): Promise<boolean> {
    checkList(list)
    const n = await this.#db.run('DELETE FROM save_url_prefix WHERE list = ? AND prefix = ?', [
      list,
      prefix,
    ])
    return n === 1
  }
}
