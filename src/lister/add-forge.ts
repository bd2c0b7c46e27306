/**
 * Add Forge Now: someone asks for a whole forge to be listed; a moderator decides. As Software
 * Heritage's (swh-web `add_forge_now/`): a request names the forge's type and URL and an
 * administrator to contact; it starts PENDING; every comment and status change is kept in its
 * history; the same forge URL cannot be requested twice (409). Accepting it (from PENDING,
 * WAITING_FOR_FEEDBACK, FEEDBACK_TO_HANDLE or UNSUCCESSFUL) registers the lister instance and
 * enqueues its first full listing as a high-priority `list-forge` task (SCHEDULED); the task
 * (see `forge-task.ts`) moves it to FIRST_LISTING_DONE, and the listed origins are due for
 * their first visits at once.
 *
 * The forge URL is checked as Save Code Now checks origin URLs (scheme, host, no password, the
 * network safety check), and the forge type must be a lister type.
 *
 * @module
 */

import { ConflictError, ForbiddenError, InvalidInputError } from '../errors.js'
import {
  PRIORITY,
  SqlVisitScheduler,
  type TaskQueue,
  validateOriginUrl,
} from '../scheduler/index.js'
import type { SqlDatabase } from '../storage/index.js'
import {
  checkForgeStatus,
  type ForgeRequest,
  type ForgeRequestHistory,
  type ForgeRequestInit,
  type ForgeRequestStatus,
  ForgeRequestStore,
} from './forge-requests.js'
import { ListerStore } from './state.js'

/** The kind of the first-listing task. */
export const LIST_FORGE_TASK = 'list-forge'

/** Arguments of a `list-forge` task. */
export interface ListForgeArgs {
  readonly type: string
  readonly url: string
  /** The Add Forge Now request it serves, if any. */
  readonly requestId?: number
}

/** Statuses from which an acceptance starts the listing (SWH's "former statuses"). */
const BEFORE_ACCEPTED: readonly ForgeRequestStatus[] = [
  'PENDING',
  'WAITING_FOR_FEEDBACK',
  'FEEDBACK_TO_HANDLE',
  'UNSUCCESSFUL',
]

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Settings of {@link AddForgeNow}. */
export interface AddForgeNowInit {
  readonly db: SqlDatabase
  readonly queue: TaskQueue
  /** The lister types a request may name. */
  readonly listerTypes: readonly string[]
  /** The network safety check of a URL: null when allowed, else why not. */
  readonly checkUrl?: (url: string) => Promise<string | null>
  readonly clock?: () => number
}

/** The canonical form of a forge URL: http(s), lower-case host, no query, no trailing slash. */
export function canonicalForgeUrl(url: string): string {
  validateOriginUrl(url)
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new InvalidInputError(`The provided forge URL '${url}' is not valid!`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidInputError(`The forge URL '${url}' must be an http or https URL`)
  if (u.search !== '' || u.hash !== '')
    throw new InvalidInputError(`The forge URL '${url}' must have no query and no fragment`)
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
}

/** A request with its history. */
export interface ForgeRequestWithHistory {
  readonly request: ForgeRequest
  readonly history: readonly ForgeRequestHistory[]
}

/** The Add Forge Now service. */
export class AddForgeNow {
  readonly store: ForgeRequestStore
  readonly listerTypes: readonly string[]
  readonly #db: SqlDatabase
  readonly #queue: TaskQueue
  readonly #checkUrl: ((url: string) => Promise<string | null>) | undefined

  constructor(init: AddForgeNowInit) {
    this.#db = init.db
    this.#queue = init.queue
    this.#checkUrl = init.checkUrl
    this.listerTypes = [...init.listerTypes].sort()
    this.store = new ForgeRequestStore(init.db, init.clock)
  }

  /** Creates the tables if needed (the scheduler's migrations). */
  async open(): Promise<void> {
    await new SqlVisitScheduler(this.#db).open()
  }

  /**
   * Records a new PENDING request (the API requires the contact fields; the operator's CLI
   * need not give them): 400 for a bad field, 403 for a URL the safety check
   * refuses, 409 when the forge was already requested.
   */
  async create(init: ForgeRequestInit): Promise<ForgeRequest> {
    if (!this.listerTypes.includes(init.forgeType))
      throw new InvalidInputError(
        `forge_type: "${init.forgeType}" is not a known forge type (${this.listerTypes.join(', ')})`,
      )
    const forgeUrl = canonicalForgeUrl(init.forgeUrl)
    if (init.forgeContactEmail !== '' && !EMAIL.test(init.forgeContactEmail))
      throw new InvalidInputError(
        `forge_contact_email: "${init.forgeContactEmail}" is not an email address`,
      )
    if (init.submitterName === '') throw new InvalidInputError('The submitter is unknown')
    const submitterEmail = (init.submitterEmail ?? '').trim()
    if (submitterEmail !== '' && !EMAIL.test(submitterEmail))
      throw new InvalidInputError(`submitter_email: "${submitterEmail}" is not an email address`)
    const refusal = this.#checkUrl ? await this.#checkUrl(forgeUrl) : null
    if (refusal !== null)
      throw new ForbiddenError(`The forge URL '${forgeUrl}' may not be listed: ${refusal}`)
    const existing = await this.store.byUrl(forgeUrl)
    if (existing) throw new ConflictError(`Request for forge already exists (id ${existing.id})`)
    try {
      return await this.store.add({ ...init, forgeUrl, submitterEmail })
    } catch (e) {
      // two submissions racing: the unique index keeps one
      const raced = await this.store.byUrl(forgeUrl)
      if (raced) throw new ConflictError(`Request for forge already exists (id ${raced.id})`)
      throw e
    }
  }

  /** A request and its history; 404 when there is none. */
  async get(id: number): Promise<ForgeRequestWithHistory> {
    const request = await this.store.get(id)
    if (!request) throw new InvalidInputError('Request id does not exist')
    return { request, history: await this.store.history(id) }
  }

  /**
   * A moderator's comment and/or status change. Accepting starts the first listing (lister
   * instance registered, `list-forge` task enqueued, SCHEDULED).
   */
  async update(
    id: number,
    change: {
      readonly text: string
      readonly newStatus: string | null
      readonly moderator: string
    },
  ): Promise<ForgeRequestWithHistory> {
    if (change.newStatus !== null) checkForgeStatus(change.newStatus)
    if (change.newStatus === null && change.text.trim() === '')
      throw new InvalidInputError('An update needs a text, a new_status, or both')
    const newStatus = change.newStatus
    const before = await this.store.change(id, {
      text: change.text,
      actor: change.moderator,
      actorRole: 'MODERATOR',
      newStatus,
    })
    if (newStatus === 'ACCEPTED' && BEFORE_ACCEPTED.includes(before.status))
      await this.#schedule(before, change.moderator)
    return this.get(id)
  }

  /** Accepts a request (`update` to ACCEPTED). */
  accept(id: number, moderator: string, text = ''): Promise<ForgeRequestWithHistory> {
    return this.update(id, { text, newStatus: 'ACCEPTED', moderator })
  }

  /** Rejects a request with a reason. */
  reject(id: number, moderator: string, reason: string): Promise<ForgeRequestWithHistory> {
    if (reason.trim() === '') throw new InvalidInputError('A rejection needs a reason')
    return this.update(id, { text: reason, newStatus: 'REJECTED', moderator })
  }

  async #schedule(request: ForgeRequest, moderator: string): Promise<void> {
    const listers = new ListerStore(this.#db)
    const type = request.forgeType
    const url = request.forgeUrl
    if ((await listers.get(type, url)) === null)
      await listers.save({
        type,
        url,
        state: {},
        completeState: null,
        status: 'registered',
        lastRun: null,
        lastError: null,
        originsFound: 0,
      })
    const args: ListForgeArgs = { type, url, requestId: request.id }
    const [taskId] = await this.#queue.enqueue([
      { kind: LIST_FORGE_TASK, origin: url, args, priority: PRIORITY.saveRequest },
    ])
    await this.store.change(request.id, {
      text: `First listing enqueued (task ${taskId})`,
      actor: moderator,
      actorRole: 'MODERATOR',
      newStatus: 'SCHEDULED',
      taskId: taskId!,
    })
  }
}
