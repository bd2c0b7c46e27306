/**
 * Save Code Now: requests to archive an origin, decided by the operator's URL prefix lists (and
 * the network safety check), moderated when no list decides, and loaded by an ordinary load
 * task. Software Heritage's rules (swh-web `save_code_now/origin_save.py`):
 *
 * - a URL under an unauthorized prefix is rejected (the request is kept, the caller gets a
 *   403); under an authorized prefix it is accepted and its load task enqueued; otherwise it
 *   waits, pending, for a moderator;
 * - a new request for an origin whose latest request is pending joins it (one more requester);
 *   an accepted request whose task has not run yet is reused; one whose task is running or
 *   finished gets a new request and a new task;
 * - the loading status (`not created`, `not yet scheduled`, `scheduled`, `running`,
 *   `succeeded`, `failed`) is derived from the task at read time; the visit's outcome is copied
 *   back onto the request once the task has finished.
 *
 * @module
 */

import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js'
import { PRIORITY, type Task, type TaskQueue } from './interface.js'
import type {
  PrefixList,
  SaveRequest,
  SaveRequestListOptions,
  SaveRequestStore,
} from './save-requests.js'
import { matchesPrefix, validateOriginUrl } from './save-url.js'

/** The loading status of a request (SWH's `save_task_status`). */
export type SaveTaskStatus =
  'not created' | 'not yet scheduled' | 'scheduled' | 'running' | 'succeeded' | 'failed'

/** A request with what its task says now. */
export interface SaveRequestInfo {
  readonly request: SaveRequest
  readonly taskStatus: SaveTaskStatus
  readonly visitDate: string | null
  readonly visitStatus: string | null
  /** The visit's snapshot id (hex). */
  readonly snapshot: string | null
  /** While running: the load's latest progress (`{phase, objects, total?, bytes, elapsedMs}`). */
  readonly progress: unknown
  /** The error of the task's latest failed attempt. */
  readonly lastError: string | null
}

/** Who makes a request. */
export interface SubmitInit {
  readonly visitType: string
  readonly originUrl: string
  /** `token:ID`, `anonymous`, `cli`, `webhook:FORGE`. */
  readonly requester?: string
  /** The forge whose webhook asks. */
  readonly webhookOrigin?: string
}

/** Settings of {@link SaveCodeNow}. */
export interface SaveCodeNowInit {
  readonly store: SaveRequestStore
  readonly queue: TaskQueue
  /** The visit types the archive can load (the loader registry's). */
  readonly visitTypes: readonly string[]
  /**
   * The network safety check of a URL: null when it may be fetched, else why not (stored as
   * the rejected request's note).
   */
  readonly checkUrl?: (url: string) => Promise<string | null>
}

/** The answer of SWH for a rejected request. */
const REJECTED =
  'The "save code now" request has been rejected because the provided origin url is not allowed to be archived.'
const UNAUTHORIZED_NOTE = 'The origin URL is under a prefix not allowed to be archived.'

/** What the worker stores as a load task's result. */
interface LoadResult {
  readonly status?: unknown
  readonly date?: unknown
  readonly snapshot?: unknown
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** The loading status of `request` given its task (null: no task, or purged). */
export function taskStatusOf(request: SaveRequest, task: Task | null): SaveTaskStatus {
  if (request.status !== 'accepted') return 'not created'
  if (request.taskId === null) return 'not yet scheduled'
  if (task === null) {
    // only finished tasks are purged; what was copied back says how it ended
    return request.visitStatus === null || ['full', 'partial'].includes(request.visitStatus)
      ? 'succeeded'
      : 'failed'
  }
  switch (task.state) {
    case 'queued':
      return 'scheduled'
    case 'running':
      return 'running'
    case 'dead':
      return 'failed'
    case 'done': {
      const status = str((task.result as LoadResult | null)?.status)
      return status === 'full' || status === 'partial' ? 'succeeded' : 'failed'
    }
  }
}

/**
 * The Save Code Now service: submissions, reads with derived statuses, moderation.
 *
 * @example
 * ```ts
 * const scn = new SaveCodeNow({ store, queue, visitTypes: ['git'] })
 * const info = await scn.submit({ visitType: 'git', originUrl: 'https://github.com/a/b' })
 * info.request.status // 'accepted' | 'pending'
 * ```
 */
export class SaveCodeNow {
  readonly #store: SaveRequestStore
  readonly #queue: TaskQueue
  readonly #checkUrl: ((url: string) => Promise<string | null>) | undefined
  /** The latest submission of each origin in progress (see `#serialized`). */
  readonly #inFlight = new Map<string, Promise<void>>()
  /** The visit types requests may name, sorted. */
  readonly visitTypes: readonly string[]

  constructor(init: SaveCodeNowInit) {
    this.#store = init.store
    this.#queue = init.queue
    this.#checkUrl = init.checkUrl
    this.visitTypes = [...init.visitTypes].sort()
  }

  /** The store (prefix lists, raw requests). */
  get store(): SaveRequestStore {
    return this.#store
  }

  /** Throws a 400-class error unless `visitType` is loadable. */
  checkVisitType(visitType: string): void {
    if (!this.visitTypes.includes(visitType))
      throw new InvalidInputError(
        `Visit of type ${visitType} cannot be saved! Allowed types are the following: ${this.visitTypes.join(', ')}`,
      )
  }

  /** Checks the visit type and URL (400 on either). */
  checkRequest(visitType: string, originUrl: string): void {
    this.checkVisitType(visitType)
    validateOriginUrl(originUrl)
  }

  /**
   * Why a request for `url` would be rejected (the reason `submit` gives, 403), or null: for a
   * caller that must know before it has a visit type (a list whose lines name none), nothing
   * recorded.
   */
  async refusal(url: string): Promise<string | null> {
    const refusal = await this.#refusal(url)
    if (refusal === null) return null
    return refusal === UNAUTHORIZED_NOTE ? REJECTED : `${REJECTED} ${refusal}`
  }

  /** Why `url` is refused (a prefix list or the safety check), or null if it is not. */
  async #refusal(url: string): Promise<string | null> {
    if (matchesPrefix(url, await this.#store.prefixes('unauthorized'))) return UNAUTHORIZED_NOTE
    return this.#checkUrl ? this.#checkUrl(url) : null
  }

  async #enqueue(request: SaveRequest): Promise<number> {
    const [taskId] = await this.#queue.enqueue([
      {
        kind: `load-${request.visitType}`,
        origin: request.originUrl,
        args: { url: request.originUrl, requested: true },
        priority: PRIORITY.saveRequest,
      },
    ])
    await this.#store.update(request.id, { taskId: taskId! })
    return taskId!
  }

  /**
   * Makes a request: 400 for an unknown visit type or an invalid URL, 403 (after recording it)
   * for a refused URL; otherwise the accepted (task enqueued) or pending request.
   */
  async submit(init: SubmitInit): Promise<SaveRequestInfo> {
    this.checkRequest(init.visitType, init.originUrl)
    return this.#serialized(`${init.visitType} ${init.originUrl}`, () => this.#submit(init))
  }

  /**
   * Runs `fn` after every earlier submission of the same key in this process has finished, so
   * that concurrent requests for one origin see each other (one request, one task). Processes
   * sharing a database may still race: then two requests are recorded and two tasks queued,
   * and the queue runs them one after the other (one running task per origin).
   */
  async #serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#inFlight.get(key) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.#inFlight.set(key, tail)
    try {
      return await run
    } finally {
      if (this.#inFlight.get(key) === tail) this.#inFlight.delete(key)
    }
  }

  async #submit(init: SubmitInit): Promise<SaveRequestInfo> {
    const { visitType, originUrl } = init
    const requester = init.requester ?? 'anonymous'
    const base = { visitType, originUrl, requester, webhookOrigin: init.webhookOrigin ?? '' }
    const refusal = await this.#refusal(originUrl)
    if (refusal !== null) {
      await this.#store.add({ ...base, status: 'rejected', note: refusal })
      throw new ForbiddenError(refusal === UNAUTHORIZED_NOTE ? REJECTED : `${REJECTED} ${refusal}`)
    }
    const accepted = matchesPrefix(originUrl, await this.#store.prefixes('authorized'))
    const existing = await this.#store.byOrigin(visitType, originUrl)
    if (!accepted) {
      const pending = existing.find((r) => r.status === 'pending')
      if (pending) {
        await this.#store.addRequester(pending.id, requester)
        return this.#info((await this.#store.get(pending.id))!)
      }
      return this.#info(await this.#store.add({ ...base, status: 'pending' }))
    }
    const latest = existing[0]
    if (latest?.status === 'pending') {
      await this.#accept(latest)
      await this.#store.addRequester(latest.id, requester)
      return this.#info((await this.#store.get(latest.id))!)
    }
    if (latest?.status === 'accepted') {
      const info = await this.#info(latest)
      if (info.taskStatus === 'scheduled' || info.taskStatus === 'not yet scheduled') {
        if (latest.taskId === null) await this.#enqueue(latest)
        await this.#store.addRequester(latest.id, requester)
        return this.#info((await this.#store.get(latest.id))!)
      }
    }
    // enqueued after the request is stored: a crash between leaves it "not yet scheduled",
    // and the next request for the origin enqueues its task
    const request = await this.#store.add({ ...base, status: 'accepted' })
    await this.#enqueue(request)
    return this.#info((await this.#store.get(request.id))!)
  }

  async #accept(request: SaveRequest, note?: string): Promise<void> {
    const changed = await this.#store.update(
      request.id,
      { status: 'accepted', ...(note !== undefined ? { note } : {}) },
      'pending',
    )
    if (changed) await this.#enqueue(request)
  }

  /** One request, with its status now; 404 if there is none. */
  async get(id: number): Promise<SaveRequestInfo> {
    const request = await this.#store.get(id)
    if (!request) throw new NotFoundError(`No save request found for id ${id}.`)
    return this.#info(request)
  }

  /** The requests of one origin, newest first; 404 if there are none. */
  async byOrigin(visitType: string, originUrl: string): Promise<SaveRequestInfo[]> {
    this.checkRequest(visitType, originUrl)
    const requests = await this.#store.byOrigin(visitType, originUrl)
    if (requests.length === 0)
      throw new NotFoundError(
        `No save requests found for visit of type ${visitType} on origin with url ${originUrl}.`,
      )
    return this.#infos(requests)
  }

  /** Requests newest first (moderation lists, the browse page). */
  async list(options: SaveRequestListOptions = {}): Promise<SaveRequestInfo[]> {
    return this.#infos(await this.#store.list(options))
  }

  /**
   * Accepts a pending request (a moderator's decision): its URL becomes an authorized prefix
   * (as in Software Heritage) and its task is enqueued. A URL the safety check refuses is
   * rejected instead, with the reason.
   */
  async accept(id: number, note?: string): Promise<SaveRequestInfo> {
    const request = await this.#pending(id)
    const refusal = await this.#refusal(request.originUrl)
    if (refusal !== null) return this.reject(id, refusal)
    await this.#store.addPrefix('authorized', request.originUrl)
    await this.#accept(request, note)
    return this.get(id)
  }

  /** Rejects a pending request with a reason (kept as its note). */
  async reject(id: number, reason: string): Promise<SaveRequestInfo> {
    await this.#pending(id)
    await this.#store.update(id, { status: 'rejected', note: reason }, 'pending')
    return this.get(id)
  }

  async #pending(id: number): Promise<SaveRequest> {
    const request = await this.#store.get(id)
    if (!request) throw new NotFoundError(`No save request found for id ${id}.`)
    if (request.status !== 'pending')
      throw new InvalidInputError(`Save request ${id} is ${request.status}, not pending`)
    return request
  }

  /**
   * Adds a URL prefix to a list, then decides the pending requests it covers (accepted, or
   * rejected); returns their ids.
   */
  async addPrefix(list: PrefixList, prefix: string): Promise<number[]> {
    await this.#store.addPrefix(list, prefix)
    const decided: number[] = []
    for (let beforeId: number | undefined; ;) {
      const page = await this.#store.list({ status: 'pending', beforeId, limit: 500 })
      if (page.length === 0) break
      for (const r of page) {
        if (!r.originUrl.startsWith(prefix)) continue
        if (list === 'unauthorized') await this.reject(r.id, UNAUTHORIZED_NOTE)
        else await this.accept(r.id)
        decided.push(r.id)
      }
      beforeId = page[page.length - 1]!.id
    }
    return decided.sort((a, b) => a - b)
  }

  /** Removes a URL prefix from a list; false if it was not there. */
  removePrefix(list: PrefixList, prefix: string): Promise<boolean> {
    return this.#store.removePrefix(list, prefix)
  }

  async #infos(requests: readonly SaveRequest[]): Promise<SaveRequestInfo[]> {
    const ids = requests.flatMap((r) => (r.taskId === null ? [] : [r.taskId]))
    const tasks = new Map<number, Task>()
    for (const t of ids.length > 0 ? await this.#queue.get(ids) : [])
      if (t !== null) tasks.set(t.id, t)
    return Promise.all(
      requests.map((r) =>
        this.#derive(r, r.taskId === null ? null : (tasks.get(r.taskId) ?? null)),
      ),
    )
  }

  async #info(request: SaveRequest): Promise<SaveRequestInfo> {
    return (await this.#infos([request]))[0]!
  }

  /** The request's status from its task; a finished task's visit is copied back. */
  async #derive(request: SaveRequest, task: Task | null): Promise<SaveRequestInfo> {
    let r = request
    if (task && (task.state === 'done' || task.state === 'dead') && r.visitStatus === null) {
      const result = (task.result ?? {}) as LoadResult
      const copied =
        task.state === 'done'
          ? {
              visitDate: str(result.date),
              visitStatus: str(result.status),
              snapshot: str(result.snapshot),
            }
          : { visitDate: null, visitStatus: 'failed', snapshot: null }
      await this.#store.update(r.id, copied)
      r = { ...r, ...copied }
    }
    return {
      request: r,
      taskStatus: taskStatusOf(r, task),
      visitDate: r.visitDate,
      visitStatus: r.visitStatus,
      snapshot: r.snapshot,
      progress:
        task?.state === 'running'
          ? ((task as Task & { progress?: unknown }).progress ?? null)
          : null,
      lastError: task?.lastError ?? null,
    }
  }
}
