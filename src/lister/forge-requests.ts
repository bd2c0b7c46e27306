/**
 * The requests of Add Forge Now and their history, in the scheduler's database (tables
 * `add_forge_request` and `add_forge_request_history`, scheduler migration 6), with Software
 * Heritage's statuses and the moves allowed between them (swh-web `add_forge_now/models.py`).
 * Dates are milliseconds since the epoch.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'
import type { SqlDatabase, SqlExecutor, SqlValue } from '../storage/index.js'

/** A request's status (SWH's `RequestStatus` names). */
export type ForgeRequestStatus =
  | 'PENDING'
  | 'WAITING_FOR_FEEDBACK'
  | 'FEEDBACK_TO_HANDLE'
  | 'ACCEPTED'
  | 'SCHEDULED'
  | 'FIRST_LISTING_DONE'
  | 'FIRST_ORIGIN_LOADED'
  | 'REJECTED'
  | 'SUSPENDED'
  | 'UNSUCCESSFUL'

/** The statuses a request may move to from each status (as Software Heritage's). */
export const FORGE_REQUEST_NEXT: Readonly<
  Record<ForgeRequestStatus, readonly ForgeRequestStatus[]>
> = {
  // ACCEPTED at once: Arca's addition (SWH asks for WAITING_FOR_FEEDBACK first)
  PENDING: ['WAITING_FOR_FEEDBACK', 'ACCEPTED', 'REJECTED', 'SUSPENDED'],
  WAITING_FOR_FEEDBACK: ['FEEDBACK_TO_HANDLE', 'ACCEPTED', 'REJECTED', 'SUSPENDED', 'UNSUCCESSFUL'],
  FEEDBACK_TO_HANDLE: ['WAITING_FOR_FEEDBACK', 'ACCEPTED', 'REJECTED', 'SUSPENDED', 'UNSUCCESSFUL'],
  ACCEPTED: ['SCHEDULED', 'REJECTED', 'UNSUCCESSFUL'],
  SCHEDULED: ['FIRST_LISTING_DONE', 'FIRST_ORIGIN_LOADED', 'UNSUCCESSFUL'],
  FIRST_LISTING_DONE: ['FIRST_ORIGIN_LOADED'],
  FIRST_ORIGIN_LOADED: [],
  REJECTED: [],
  SUSPENDED: ['PENDING'],
  UNSUCCESSFUL: ['ACCEPTED'],
}

/** Every status. */
export const FORGE_REQUEST_STATUSES = Object.keys(FORGE_REQUEST_NEXT) as ForgeRequestStatus[]

/** Who wrote a history entry (SWH's `RequestActorRole` names). */
export type ForgeActorRole = 'MODERATOR' | 'SUBMITTER' | 'FORGE_ADMIN' | 'EMAIL'

/** A stored request. */
export interface ForgeRequest {
  readonly id: number
  readonly status: ForgeRequestStatus
  readonly submissionDate: number
  readonly submitterName: string
  readonly submitterEmail: string
  readonly submitterForwardUsername: boolean
  readonly forgeType: string
  readonly forgeUrl: string
  readonly forgeContactEmail: string
  readonly forgeContactName: string
  readonly forgeContactComment: string
  readonly lastModerator: string
  readonly lastModifiedDate: number
  /** The first listing's task, once enqueued. */
  readonly taskId: number | null
}

/** One history entry: a comment, a status change, or both. */
export interface ForgeRequestHistory {
  readonly id: number
  readonly requestId: number
  readonly text: string
  readonly actor: string
  readonly actorRole: ForgeActorRole
  readonly date: number
  readonly newStatus: ForgeRequestStatus | null
}

/** A new request. */
export interface ForgeRequestInit {
  readonly forgeType: string
  readonly forgeUrl: string
  readonly forgeContactEmail: string
  readonly forgeContactName: string
  readonly forgeContactComment?: string
  readonly submitterName: string
  readonly submitterEmail?: string
  readonly submitterForwardUsername?: boolean
}

type Row = Record<string, SqlValue>

const requestOf = (r: Row): ForgeRequest => ({
  id: Number(r['id']),
  status: r['status'] as ForgeRequestStatus,
  submissionDate: Number(r['submission_date']),
  submitterName: String(r['submitter_name']),
  submitterEmail: String(r['submitter_email']),
  submitterForwardUsername: Number(r['submitter_forward_username']) === 1,
  forgeType: String(r['forge_type']),
  forgeUrl: String(r['forge_url']),
  forgeContactEmail: String(r['forge_contact_email']),
  forgeContactName: String(r['forge_contact_name']),
  forgeContactComment: String(r['forge_contact_comment']),
  lastModerator: String(r['last_moderator']),
  lastModifiedDate: Number(r['last_modified_date']),
  taskId: r['task_id'] === null ? null : Number(r['task_id']),
})

const historyOf = (r: Row): ForgeRequestHistory => ({
  id: Number(r['id']),
  requestId: Number(r['request_id']),
  text: String(r['text']),
  actor: String(r['actor']),
  actorRole: r['actor_role'] as ForgeActorRole,
  date: Number(r['date']),
  newStatus: r['new_status'] === null ? null : (r['new_status'] as ForgeRequestStatus),
})

/** Throws unless `status` is a status name. */
export function checkForgeStatus(status: string): asserts status is ForgeRequestStatus {
  if (!(FORGE_REQUEST_STATUSES as readonly string[]).includes(status))
    throw new InvalidInputError(
      `Unknown request status "${status}": use ${FORGE_REQUEST_STATUSES.join(', ')}`,
    )
}

/** The tables of requests and history (the scheduler's migrations create them). */
export class ForgeRequestStore {
  readonly #db: SqlDatabase
  readonly #now: () => number

  constructor(db: SqlDatabase, clock: () => number = Date.now) {
    this.#db = db
    this.#now = clock
  }

  /** The request whose forge URL is `forgeUrl`, or null. */
  async byUrl(forgeUrl: string): Promise<ForgeRequest | null> {
    const rows = await this.#db.all<Row>('SELECT * FROM add_forge_request WHERE forge_url = ?', [
      forgeUrl,
    ])
    return rows[0] ? requestOf(rows[0]) : null
  }

  async get(id: number): Promise<ForgeRequest | null> {
    const rows = await this.#db.all<Row>('SELECT * FROM add_forge_request WHERE id = ?', [id])
    return rows[0] ? requestOf(rows[0]) : null
  }

  /** Requests newest first; `submitter` keeps only one submitter's. */
  async list(
    options: {
      offset?: number
      limit?: number
      status?: ForgeRequestStatus
      submitter?: string
    } = {},
  ): Promise<{ requests: ForgeRequest[]; total: number }> {
    const where: string[] = []
    const params: SqlValue[] = []
    if (options.status !== undefined) {
      where.push('status = ?')
      params.push(options.status)
    }
    if (options.submitter !== undefined) {
      where.push('submitter_name = ?')
      params.push(options.submitter)
    }
    const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const count = await this.#db.all<{ n: number }>(
      `SELECT COUNT(*) AS n FROM add_forge_request ${w}`,
      params,
    )
    const rows = await this.#db.all<Row>(
      `SELECT * FROM add_forge_request ${w} ORDER BY id DESC LIMIT ? OFFSET ?`,
      [...params, options.limit ?? 100, options.offset ?? 0],
    )
    return { requests: rows.map(requestOf), total: Number(count[0]!.n) }
  }

  async history(requestId: number): Promise<ForgeRequestHistory[]> {
    const rows = await this.#db.all<Row>(
      'SELECT * FROM add_forge_request_history WHERE request_id = ? ORDER BY id',
      [requestId],
    )
    return rows.map(historyOf)
  }

  /** Adds a PENDING request and its first history entry, in one transaction. */
  async add(init: ForgeRequestInit): Promise<ForgeRequest> {
    const now = this.#now()
    return this.#db.transaction(async (tx) => {
      const rows = await tx.all<Row>(
        `INSERT INTO add_forge_request (status, submission_date, submitter_name, submitter_email,
           submitter_forward_username, forge_type, forge_url, forge_contact_email,
           forge_contact_name, forge_contact_comment, last_moderator, last_modified_date, task_id)
         VALUES ('PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'None', ?, NULL) RETURNING *`,
        [
          now,
          init.submitterName,
          init.submitterEmail ?? '',
          init.submitterForwardUsername ? 1 : 0,
          init.forgeType,
          init.forgeUrl,
          init.forgeContactEmail,
          init.forgeContactName,
          init.forgeContactComment ?? '',
          now,
        ],
      )
      const request = requestOf(rows[0]!)
      await this.#addHistory(tx, request.id, '', init.submitterName, 'SUBMITTER', 'PENDING', now)
      return request
    })
  }

  /**
   * Records a history entry and, when `newStatus` is given, moves the request to it if the move
   * is allowed from its current status (checked in the transaction). Returns the request as it
   * was before, or throws.
   */
  async change(
    id: number,
    entry: {
      readonly text: string
      readonly actor: string
      readonly actorRole: ForgeActorRole
      readonly newStatus: ForgeRequestStatus | null
      readonly taskId?: number
    },
  ): Promise<ForgeRequest> {
    const now = this.#now()
    return this.#db.transaction(async (tx) => {
      const rows = await tx.all<Row>('SELECT * FROM add_forge_request WHERE id = ?', [id])
      if (!rows[0]) throw new InvalidInputError('Invalid request id')
      const before = requestOf(rows[0])
      if (entry.newStatus !== null && !FORGE_REQUEST_NEXT[before.status].includes(entry.newStatus))
        throw new InvalidInputError(
          `New request status ${entry.newStatus} cannot be reached from current status ${before.status}`,
        )
      await this.#addHistory(tx, id, entry.text, entry.actor, entry.actorRole, entry.newStatus, now)
      await tx.run(
        `UPDATE add_forge_request SET status = ?, last_modified_date = ?,
           last_moderator = ?, task_id = COALESCE(?, task_id) WHERE id = ?`,
        [
          entry.newStatus ?? before.status,
          now,
          entry.actorRole === 'MODERATOR' ? entry.actor : before.lastModerator,
          entry.taskId ?? null,
          id,
        ],
      )
      return before
    })
  }

  async #addHistory(
    tx: SqlExecutor,
    requestId: number,
    text: string,
    actor: string,
    role: ForgeActorRole,
    newStatus: ForgeRequestStatus | null,
    date: number,
  ): Promise<void> {
    await tx.run(
      `INSERT INTO add_forge_request_history (request_id, text, actor, actor_role, date, new_status)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [requestId, text, actor, role, date, newStatus],
    )
  }
}
