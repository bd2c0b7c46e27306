/**
 * Harvesting in a process: the load handlers (one per visit type of the loader registry, each
 * task loaded through its own writer layers over the archive's backend), the worker over the
 * archive's scheduler with the recurrent visits wired in, and its log lines. `arca worker` and
 * `arca serve` (its in-process worker) both start it.
 *
 * @module
 */

import { hostname } from 'node:os'

import { isArcaError } from '../errors.js'
import {
  forgeLoadedHook,
  forgeMetadataStorage,
  LIST_FORGE_TASK,
  ListerHttp,
  listForgeHandler,
  makeLister,
  relistJob,
} from '../lister/index.js'
import {
  LOADER_BUFFER_THRESHOLDS,
  loadOrigin,
  type LoadProgress,
  redactUserinfo,
  visitTypes,
} from '../loader/index.js'
import type { NetPolicy } from '../net/index.js'
import {
  type ClaimedTask,
  loadTaskKind,
  loadTaskRequested,
  type LoadTaskResult,
  loadTaskUrl,
  recordLoadEnd,
  scheduleDueJob,
  type Scheduler,
  type TaskContext,
  TaskFailure,
  type TaskHandler,
  Worker,
  type WorkerEvent,
} from '../scheduler/index.js'
import { type Archive, buildStack, WRITER_STACKS } from '../storage/index.js'
import { indexMetadata } from './metadata-index.js'
import { publicVault, vaultHandlers } from './vault-tasks.js'

/**
 * One handler per visit type: `load-<type>` tasks visit `args.url`. A visit ending `failed`
 * fails the task (retried), any other status completes it with the {@link LoadTaskResult}.
 */
export function loadHandlers(archive: Archive, net: HarvestNet = {}): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {}
  for (const visitType of visitTypes()) {
    handlers[loadTaskKind(visitType)] = async (task, ctx) => {
      try {
        return await loadTask(archive, visitType, task, ctx, net)
      } catch (e) {
        // bad input (args, URL) and refused addresses are not fixed by a retry
        if (isArcaError(e, 'invalid_input') || isArcaError(e, 'forbidden'))
          throw new TaskFailure(e.message, { retry: false })
        throw e
      }
    }
  }
  return handlers
}

/** The network rules of the loads a worker runs. */
export interface HarvestNet {
  /** The SSRF policy of loads made on someone's request (load task args `requested`). */
  readonly network?: NetPolicy
  /** Apply the policy to every load, the operator's own (listed origins) too. */
  readonly restrictAll?: boolean
  /** Limits of each visit. */
  readonly limits?: { readonly timeLimitMs?: number; readonly maxFetchBytes?: number }
}

async function loadTask(
  archive: Archive,
  visitType: string,
  task: ClaimedTask,
  ctx: TaskContext,
  net: HarvestNet,
): Promise<LoadTaskResult> {
  const url = loadTaskUrl(task)
  const restricted = net.network !== undefined && (net.restrictAll || loadTaskRequested(task))
  // each task its own layers (buffer, filter, journal), over the one shared backend
  const storage = buildStack(archive.backend, WRITER_STACKS.loader, {
    journal: archive.journal,
    objstorage: archive.objstorage,
    bufferThresholds: LOADER_BUFFER_THRESHOLDS,
  })
  const date = new Date()
  const r = await loadOrigin(visitType, url, {
    storage,
    scratchDir: archive.tmpDir,
    signal: ctx.signal,
    date,
    ...(restricted ? { network: net.network } : {}),
    ...net.limits,
    onProgress: (p: LoadProgress) => ctx.progress(p),
  }).finally(() => storage.flush())
  if (r.status === 'full' || r.status === 'partial') await indexMetadata(archive, r.origin)
  const result: LoadTaskResult = {
    visit: r.visit,
    status:
      r.status === 'full' || r.status === 'partial'
        ? r.status
        : r.status === 'not_found'
          ? 'not_found'
          : 'failed',
    snapshot: r.snapshot,
    date: date.toISOString(),
    eventful: r.eventful,
    message: r.message,
  }
  if (result.status === 'failed')
    throw new TaskFailure(result.message ?? `visit ${r.visit} of ${url} failed`, { result })
  return result
}

/** Settings of {@link startHarvestWorker}. */
export interface HarvestWorkerInit {
  readonly archive: Archive
  readonly scheduler: Scheduler
  readonly concurrency: number
  readonly leaseMs?: number
  readonly graceMs?: number
  /** Run the recurrent scheduling job too (default true). */
  readonly schedule?: boolean
  /** Period of the scheduling job (default 10 s). */
  readonly scheduleEveryMs?: number
  /** Time between two listings of one lister instance (default one day; see relist.ts). */
  readonly relistIntervalMs?: number
  /** Where log lines go (one line each, without its newline). */
  readonly log: (line: string) => void
  /** Readable lines instead of JSON. */
  readonly readable: boolean
  /** Network rules of the loads (SSRF policy, limits). */
  readonly net?: HarvestNet
}

/** The worker's name in the queue: host and process id. */
export function workerName(): string {
  return `${hostname()}:${process.pid}`
}

const safeOrigin = (o: string | null): string | null => (o === null ? null : redactUserinfo(o))

/** A worker event as a JSON log line, or a readable one (null: nothing to say). */
export function formatWorkerEvent(
  e: WorkerEvent,
  worker: string,
  readable: boolean,
): string | null {
  const time = new Date().toISOString()
  if (e.event === 'claimed') {
    const t = e.task
    if (readable) return null
    return JSON.stringify({
      time,
      event: 'task_claimed',
      worker,
      task: t.id,
      kind: t.kind,
      origin: safeOrigin(t.origin),
      attempt: t.lease.attempt,
      max_attempts: t.lease.maxAttempts,
    })
  }
  if (e.event === 'ended') {
    const t = e.task
    const end = e.end
    const visit =
      (end.state === 'done' || end.state === 'failed') && typeof end.result === 'object'
        ? (end.result as Partial<LoadTaskResult> | null)
        : null
    const fields = {
      time,
      event: 'task_ended',
      worker,
      task: t.id,
      kind: t.kind,
      origin: safeOrigin(t.origin),
      attempt: t.lease.attempt,
      state: end.state,
      ...(end.state === 'failed' ? { outcome: end.outcome, error: end.error } : {}),
      status: visit?.status ?? null,
      visit: visit?.visit ?? null,
      snapshot: visit?.snapshot ?? null,
      duration_ms: Math.round(e.durationMs),
    }
    if (!readable) return JSON.stringify(fields)
    const what =
      end.state === 'failed'
        ? `failed (${end.outcome === 'retry' ? 'will retry' : end.outcome}): ${end.error.replace(/\s+/g, ' ')}`
        : end.state === 'done'
          ? (visit?.status ?? 'done') +
            (visit?.snapshot
              ? ` swh:1:snp:${visit.snapshot}${visit.eventful ? '' : ' (unchanged)'}`
              : '')
          : end.state === 'released'
            ? 'handed back (stopping)'
            : 'lease lost (taken by another worker)'
    return `task ${t.id} ${t.kind} ${safeOrigin(t.origin) ?? '-'}: ${what} in ${(e.durationMs / 1000).toFixed(1)} s`
  }
  if (e.event === 'stopping') {
    return readable
      ? `stopping: ${e.running} task(s) running, claiming no more`
      : JSON.stringify({ time, event: 'worker_stopping', worker, running: e.running })
  }
  return readable
    ? `error: ${e.error}`
    : JSON.stringify({ time, event: 'worker_error', worker, error: e.error })
}

/** Starts a worker on the archive's scheduler; `stop()` it on a signal. */
export function startHarvestWorker(init: HarvestWorkerInit): Worker {
  const name = workerName()
  const { visits, queue } = init.scheduler
  const forgeLoaded = forgeLoadedHook(init.scheduler.db)
  const worker = new Worker({
    queue,
    name,
    handlers: {
      ...loadHandlers(init.archive, init.net),
      ...vaultHandlers(publicVault(init.archive)),
      // first listings of Add Forge Now: the forge was named by someone, so the network
      // policy always applies (the strict default without one)
      [LIST_FORGE_TASK]: listForgeHandler({
        db: init.scheduler.db,
        storage: forgeMetadataStorage(init.archive),
        makeLister,
        http: () => new ListerHttp(init.net?.network ? { policy: init.net.network } : {}),
      }),
    },
    concurrency: init.concurrency,
    ...(init.leaseMs ? { leaseMs: init.leaseMs } : {}),
    ...(init.graceMs !== undefined ? { graceMs: init.graceMs } : {}),
    onEnded: async (task, end) => {
      await recordLoadEnd(visits)(task, end)
      await forgeLoaded(task, end)
    },
    onEvent: (e) => {
      const line = formatWorkerEvent(e, name, init.readable)
      if (line !== null) init.log(line)
    },
    periodic:
      init.schedule === false
        ? []
        : [
            scheduleDueJob(visits, {
              holder: name,
              ...(init.scheduleEveryMs ? { everyMs: init.scheduleEveryMs } : {}),
              visitTypes: visitTypes(),
              onScheduled: (first, recurrent) =>
                init.log(
                  init.readable
                    ? `scheduled ${first} first visit(s), ${recurrent} recurrent visit(s)`
                    : JSON.stringify({
                        time: new Date().toISOString(),
                        event: 'visits_scheduled',
                        worker: name,
                        first_visits: first,
                        recurrent,
                      }),
                ),
            }),
            relistJob({
              db: init.scheduler.db,
              queue,
              holder: name,
              ...(init.relistIntervalMs ? { intervalMs: init.relistIntervalMs } : {}),
              onEnqueued: (instances) =>
                init.log(
                  init.readable
                    ? `re-listing ${instances.map((i) => `${i.type} ${i.url}`).join(', ')}`
                    : JSON.stringify({
                        time: new Date().toISOString(),
                        event: 'relist_enqueued',
                        worker: name,
                        instances,
                      }),
                ),
            }),
          ],
  })
  worker.start()
  return worker
}
