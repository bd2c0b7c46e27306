/**
 * The `list-forge` task a worker runs: a lister's full listing (see `run.ts`), for an accepted
 * Add Forge Now request or any operator. Its origins are written to the listed origins, due at
 * once for their first visits (the scheduling job enqueues them at `PRIORITY.firstVisit`).
 * The request moves to FIRST_LISTING_DONE; a listing that fails its last attempt moves it to
 * UNSUCCESSFUL (a moderator may accept it again); the first archived origin moves it to
 * FIRST_ORIGIN_LOADED ({@link forgeLoadedHook}).
 *
 * @module
 */

import { isArcaError } from '../errors.js'
import {
  type ClaimedTask,
  isLoadTaskResult,
  SqlVisitScheduler,
  type TaskEnd,
  TaskFailure,
  type TaskHandler,
  visitTypeOfKind,
} from '../scheduler/index.js'
import type { SqlDatabase } from '../storage/index.js'
import type { ListForgeArgs } from './add-forge.js'
import { ForgeMetadataRecorder } from './forge-metadata.js'
import { ForgeRequestStore } from './forge-requests.js'
import type { ListerHttp } from './http.js'
import type { Lister } from './interface.js'
import { runLister } from './run.js'
import { ListerStore } from './state.js'

/** What the handler needs. */
export interface ListForgeDeps {
  readonly db: SqlDatabase
  /** The lister of a type and URL (the lister area's `makeLister`). */
  readonly makeLister: (type: string, url: string) => Lister
  /** A polite client for one listing (closed after it). */
  readonly http: () => ListerHttp
  /** Where the forge JSON of listed origins is recorded as extrinsic metadata (optional). */
  readonly storage?: ForgeMetadataRecorder['storage']
}

/** The actor of history entries the listing writes. */
const ACTOR = 'arca-lister'

function argsOf(task: ClaimedTask): ListForgeArgs {
  const a = task.args as Partial<ListForgeArgs> | null
  if (!a || typeof a.type !== 'string' || typeof a.url !== 'string')
    throw new TaskFailure('list-forge task without a type and url', { retry: false })
  return {
    type: a.type,
    url: a.url,
    ...(typeof a.requestId === 'number' ? { requestId: a.requestId } : {}),
  }
}

/** The handler of `list-forge` tasks. */
export function listForgeHandler(deps: ListForgeDeps): TaskHandler {
  return async (task) => {
    const args = argsOf(task)
    const requests = new ForgeRequestStore(deps.db)
    const note = async (text: string, status: 'FIRST_LISTING_DONE' | 'UNSUCCESSFUL') => {
      if (args.requestId === undefined) return
      const r = await requests.get(args.requestId)
      if (r?.status !== 'SCHEDULED') return
      await requests.change(args.requestId, {
        text,
        actor: ACTOR,
        actorRole: 'MODERATOR',
        newStatus: status,
      })
    }
    let lister: Lister
    try {
      lister = deps.makeLister(args.type, args.url)
    } catch (e) {
      await note(`Cannot list: ${(e as Error).message}`, 'UNSUCCESSFUL')
      throw new TaskFailure((e as Error).message, { retry: false })
    }
    const visits = new SqlVisitScheduler(deps.db)
    const http = deps.http()
    try {
      const r = await runLister(lister, {
        http,
        store: new ListerStore(deps.db),
        visits,
        ...(deps.storage ? { metadata: new ForgeMetadataRecorder(deps.storage, lister) } : {}),
      })
      await note(
        `First listing done: ${r.origins} origin(s) in ${r.pages} page(s), ${r.added} new`,
        'FIRST_LISTING_DONE',
      )
      return r
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      const last = task.lease.attempt >= task.lease.maxAttempts || isArcaError(e, 'invalid_input')
      if (last) await note(`First listing failed: ${message}`, 'UNSUCCESSFUL')
      throw new TaskFailure(message, { retry: !isArcaError(e, 'invalid_input') })
    } finally {
      http.close()
    }
  }
}

/**
 * After a load task ended: when it archived an origin (`full` or `partial`) that an Add Forge
 * Now request's lister listed, and the request is SCHEDULED or FIRST_LISTING_DONE, the request
 * moves to FIRST_ORIGIN_LOADED. One indexed lookup per load. For the worker's `onEnded`.
 */
export function forgeLoadedHook(
  db: SqlDatabase,
): (task: ClaimedTask, end: TaskEnd) => Promise<void> {
  return async (task, end) => {
    const visitType = visitTypeOfKind(task.kind)
    if (visitType === null || task.origin === null || end.state !== 'done') return
    if (!isLoadTaskResult(end.result)) return
    if (end.result.status !== 'full' && end.result.status !== 'partial') return
    const rows = await db.all<{ id: number }>(
      `SELECT r.id FROM listed_origin o JOIN add_forge_request r
         ON o.lister = r.forge_type || ':' || r.forge_url
       WHERE o.url = ? AND o.visit_type = ? AND r.status IN ('SCHEDULED', 'FIRST_LISTING_DONE')`,
      [task.origin, visitType],
    )
    const requests = new ForgeRequestStore(db)
    for (const r of rows)
      await requests
        .change(Number(r.id), {
          text: `First origin loaded: ${task.origin}`,
          actor: ACTOR,
          actorRole: 'MODERATOR',
          newStatus: 'FIRST_ORIGIN_LOADED',
        })
        // another worker moved it first
        .catch((e: unknown) => {
          if (!isArcaError(e, 'invalid_input')) throw e
        })
  }
}
