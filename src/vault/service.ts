/**
 * The vault: cooking requests, their status, and the cooked bundles (Software Heritage's vault
 * semantics: `new` → `pending` → `done` | `failed`).
 *
 * - `request` (POST): an unknown, masked or uncookable object is refused at once. A bundle
 *   whose estimated size is at most `inlineMaxBytes` is cooked before answering (`done`);
 *   a bigger one is queued as a `vault-cook` task on the workers' queue when there is one
 *   (`new`), else cooked in the background of this process (`pending`).
 * - Concurrent requests of one bundle cook once: in a process, one promise per bundle; across
 *   processes, the state file says `new`/`pending` and the queue runs at most one task per
 *   bundle (its `origin` is `vault:<type>:<swhid>`).
 * - `openBundle` (download of a cooked bundle) checks the masking rules again (a takedown after
 *   the cook hides the bundle), where the bundle type has a walk to do it with.
 * - `streamNow` (immediate download): when nothing is cached and the estimate is at most
 *   `immediateMaxBytes`, the bundle is cooked straight into the response.
 *
 * @module
 */

import { hostname } from 'node:os'
import { PassThrough, type Readable } from 'node:stream'

import {
  ArcaError,
  errorMessage,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
} from '../errors.js'
import { type CoreSwhid, formatSwhid, KIND_OF_SWHID_TYPE } from '../model/index.js'
import type { ObjStorage } from '../objstorage/index.js'
import type { Storage } from '../storage/index.js'
import type { BundleType, CookContext, Cooker } from './cooker.js'
import { ListingCache } from './listings.js'
import { type BundleState, BundleStore } from './store.js'

/** Task kind of a queued cook. */
export const VAULT_TASK_KIND = 'vault-cook'

/** Arguments of a `vault-cook` task. */
export interface VaultTaskArgs {
  readonly bundleType: BundleType
  readonly swhid: string
}

/**
 * The size of a bundle before cooking it (an upper bound, roughly), reading the graph only;
 * throws as the cook would for a masked or missing object. Stops past `stopAbove`.
 */
export type BundleEstimator = (
  ctx: Pick<CookContext, 'storage' | 'signal' | 'listings'>,
  target: CoreSwhid,
  stopAbove?: number,
) => Promise<number>

/** The queue the vault hands big cooks to (the scheduler's task queue fits). */
export interface CookQueue {
  enqueue(
    tasks: readonly { kind: string; origin: string; args: VaultTaskArgs; priority: number }[],
  ): Promise<number[]>
  get(ids: readonly number[]): Promise<({ state: string; lastError: string | null } | null)[]>
}

/** Settings of {@link Vault}. */
export interface VaultInit {
  /** The graph and bytes through the masking layers. */
  readonly storage: Storage
  readonly objstorage: ObjStorage
  /** The bundle kinds this vault cooks (see `cookers.ts`). */
  readonly cookers: ReadonlyMap<BundleType, Cooker>
  /** Size estimates per kind (the flat one walks the tree); kinds without one are queued. */
  readonly estimators?: ReadonlyMap<BundleType, BundleEstimator>
  /** Folder of the cache (`<dataDir>/vault`). */
  readonly dir: string
  /** Total size the cached bundles may take (default 10 GiB). */
  readonly maxCacheBytes?: number
  /** Bundles estimated at most this big are cooked during the request (default 16 MiB). */
  readonly inlineMaxBytes?: number
  /** Immediate download up to this estimated size (default 256 MiB; 0 disables it). */
  readonly immediateMaxBytes?: number
  /** Where bigger cooks go; without it they run in this process's background. */
  readonly queue?: CookQueue | undefined
}

/** Defaults of {@link VaultInit}. */
export const VAULT_DEFAULTS = {
  maxCacheBytes: 10 * 2 ** 30,
  inlineMaxBytes: 16 * 2 ** 20,
  immediateMaxBytes: 256 * 2 ** 20,
} as const

const OWNER = `${hostname()}:${process.pid}`

function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(':')
  if (host !== hostname()) return true // another machine: trust the state
  if (Number(pid) === process.pid) return false // ours, but not in flight any more
  try {
    process.kill(Number(pid), 0)
    return true
  } catch {
    return false
  }
}

/** A stable numeric id for a bundle cooked outside the queue (SWH's `id` is a number). */
function localId(type: BundleType, swhid: string): number {
  let h = 0
  for (const ch of `${type}/${swhid}`) h = (h * 31 + ch.charCodeAt(0)) % 2 ** 31
  return h
}

/** The vault service. */
export class Vault {
  readonly store: BundleStore
  private readonly inflight = new Map<string, Promise<BundleState>>()
  private readonly requesting = new Map<string, Promise<unknown>>()
  private readonly limits: {
    inlineMaxBytes: number
    immediateMaxBytes: number
  }

  constructor(private readonly init: VaultInit) {
    this.store = new BundleStore(init.dir, init.maxCacheBytes ?? VAULT_DEFAULTS.maxCacheBytes)
    this.limits = {
      inlineMaxBytes: init.inlineMaxBytes ?? VAULT_DEFAULTS.inlineMaxBytes,
      immediateMaxBytes: init.immediateMaxBytes ?? VAULT_DEFAULTS.immediateMaxBytes,
    }
  }

  /** Removes temporary files of killed cooks (safe while cooks run). */
  async sweep(): Promise<void> {
    await this.store.sweep([...this.init.cookers.keys()])
  }

  /** Whether this vault cooks `type` bundles. */
  has(type: BundleType): boolean {
    return this.init.cookers.has(type)
  }

  private cooker(type: BundleType): Cooker {
    const c = this.init.cookers.get(type)
    if (!c) throw new UnavailableError(`The ${type} bundle type is not available on this archive`)
    return c
  }

  private ctx(extra: Partial<CookContext> = {}): CookContext {
    return { storage: this.init.storage, objstorage: this.init.objstorage, ...extra }
  }

  /** Refuses unknown and masked objects (the masking storage throws on a masked read). */
  async check(target: CoreSwhid): Promise<void> {
    const s = this.init.storage
    const kind = KIND_OF_SWHID_TYPE[target.type]
    const got =
      kind === 'content'
        ? await s.contentGet([target.id], 'sha1_git')
        : kind === 'directory'
          ? await s.directoryGet([target.id])
          : kind === 'revision'
            ? await s.revisionGet([target.id])
            : kind === 'release'
              ? await s.releaseGet([target.id])
              : await s.snapshotGet([target.id])
    if (!got[0]) throw new NotFoundError(`${formatSwhid(target)} not found.`)
  }

  private async estimate(
    type: BundleType,
    target: CoreSwhid,
    stopAbove: number,
    ctx = this.ctx(),
  ): Promise<number> {
    const est = this.init.estimators?.get(type)
    if (!est) {
      await this.check(target)
      return Infinity
    }
    return est(ctx, target, stopAbove)
  }

  /**
   * The state of a bundle, with dead cooks seen as failed: a background cook whose process is
   * gone, or a queued task that died.
   */
  async progress(type: BundleType, target: CoreSwhid): Promise<BundleState | null> {
    const swhid = formatSwhid(target)
    const state = await this.store.getState(type, swhid)
    if (!state || state.status === 'done' || state.status === 'failed') return state
    if (this.inflight.has(`${type}/${swhid}`)) return state
    if (state.owner !== null && !ownerAlive(state.owner))
      return this.fail(state, 'The cook was interrupted; request it again')
    if (state.taskId !== null && this.init.queue) {
      const [task] = await this.init.queue.get([state.taskId])
      if (!task) return this.fail(state, 'The cooking task is gone; request it again')
      if (task.state === 'dead') return this.fail(state, task.lastError ?? 'The cooking failed')
    }
    return state
  }

  private async fail(state: BundleState, message: string): Promise<BundleState> {
    const failed: BundleState = { ...state, status: 'failed', progress: message, owner: null }
    await this.store.putState(failed)
    return failed
  }

  /**
   * A cooking request (POST): see the module notes. Requests of one bundle are taken one
   * after the other in this process, so concurrent ones enqueue or cook it once.
   */
  async request(type: BundleType, target: CoreSwhid): Promise<BundleState> {
    this.cooker(type)
    const key = `${type}/${formatSwhid(target)}`
    const before = this.requesting.get(key) ?? Promise.resolve()
    const p = before.catch(() => undefined).then(() => this.requestOnce(type, target))
    const tail = p.catch(() => undefined)
    this.requesting.set(key, tail)
    void tail.then(() => {
      if (this.requesting.get(key) === tail) this.requesting.delete(key)
    })
    return p
  }

  private async requestOnce(type: BundleType, target: CoreSwhid): Promise<BundleState> {
    const swhid = formatSwhid(target)
    const current = await this.progress(type, target)
    // Refuse a masked or vanished object even when its bundle is cached.
    const size = await this.estimate(type, target, this.limits.inlineMaxBytes)
    if (current && current.status !== 'failed') {
      if (current.status !== 'done' || (await this.store.has(type, swhid))) return current
    }
    const inflight = this.inflight.get(`${type}/${swhid}`)
    if (inflight) return inflight
    const base: BundleState = {
      type,
      swhid,
      id: localId(type, swhid),
      status: 'pending',
      progress: null,
      size: null,
      createdAt: new Date().toISOString(),
      doneAt: null,
      owner: OWNER,
      taskId: null,
    }
    if (size <= this.limits.inlineMaxBytes) return this.cookNow(type, target)
    if (this.init.queue) {
      const [taskId] = await this.init.queue.enqueue([
        {
          kind: VAULT_TASK_KIND,
          origin: `vault:${type}:${swhid}`,
          args: { bundleType: type, swhid },
          priority: 0,
        },
      ])
      const queued: BundleState = {
        ...base,
        id: taskId!,
        taskId: taskId!,
        owner: null,
        status: 'new',
      }
      await this.store.putState(queued)
      return queued
    }
    await this.store.putState(base)
    void this.cookNow(type, target).catch(() => undefined)
    return base
  }

  /**
   * Cooks a bundle into the cache now (inline requests, background cooks, the queue's
   * worker), once per process at a time; resolves with the final state (`done` or `failed`).
   * `final` false (a task that will be retried) leaves the state pending on failure.
   */
  async cookNow(
    type: BundleType,
    target: CoreSwhid,
    opts: {
      signal?: AbortSignal
      progress?: (m: string) => void
      taskId?: number
      final?: boolean
    } = {},
  ): Promise<BundleState> {
    const swhid = formatSwhid(target)
    const key = `${type}/${swhid}`
    const running = this.inflight.get(key)
    if (running) return running
    const p = this.cookOnce(type, target, swhid, opts).finally(() => this.inflight.delete(key))
    this.inflight.set(key, p)
    return p
  }

  private async cookOnce(
    type: BundleType,
    target: CoreSwhid,
    swhid: string,
    opts: {
      signal?: AbortSignal
      progress?: (m: string) => void
      taskId?: number
      final?: boolean
    },
  ): Promise<BundleState> {
    const cooker = this.cooker(type)
    const prior = await this.store.getState(type, swhid)
    if (prior?.status === 'done' && (await this.store.has(type, swhid))) return prior
    let state: BundleState = {
      type,
      swhid,
      id: opts.taskId ?? prior?.id ?? localId(type, swhid),
      status: 'pending',
      progress: 'Processing...',
      size: null,
      createdAt: prior?.createdAt ?? new Date().toISOString(),
      doneAt: null,
      owner: opts.taskId === undefined ? OWNER : null,
      taskId: opts.taskId ?? prior?.taskId ?? null,
    }
    await this.store.putState(state)
    let lastWrite = 0
    const progress = (m: string): void => {
      opts.progress?.(m)
      const now = Date.now()
      if (now - lastWrite < 1000) return
      lastWrite = now
      state = { ...state, progress: m }
      void this.store.putState(state).catch(() => undefined)
    }
    const tmp = this.store.tempBundle(type, swhid)
    try {
      await cooker(
        this.ctx({ progress, ...(opts.signal ? { signal: opts.signal } : {}) }),
        target,
        tmp.out,
      )
      const size = await tmp.publish()
      state = {
        ...state,
        status: 'done',
        progress: null,
        size,
        doneAt: new Date().toISOString(),
        owner: null,
      }
      await this.store.putState(state)
      await this.store.evict({ type, swhid })
      return state
    } catch (e) {
      await tmp.discard()
      const message = errorMessage(e)
      state = {
        ...state,
        status: opts.final === false ? 'pending' : 'failed',
        progress: opts.final === false ? `Retrying after: ${message}` : message,
        owner: null,
      }
      await this.store.putState(state)
      throw e
    }
  }

  /**
   * A cooked bundle, checked against the masking rules again; null when not cooked (or
   * evicted). Throws MaskedError when something in it was taken down since.
   */
  async openBundle(
    type: BundleType,
    target: CoreSwhid,
  ): Promise<{ stream: Readable; size: number } | null> {
    const swhid = formatSwhid(target)
    const state = await this.store.getState(type, swhid)
    if (state?.status !== 'done') return null
    await this.estimate(type, target, Infinity)
    return this.store.read(type, swhid)
  }

  /**
   * Immediate download: the bundle cooked straight into a stream, when its estimate is at
   * most `immediateMaxBytes` (null otherwise, or when this kind has no estimator). Errors
   * before the first byte (unknown, masked) throw here; later ones end the stream in error.
   * The estimate and the cook share one bounded cache of directory listings (the cook reads
   * again only what did not fit).
   */
  async streamNow(type: BundleType, target: CoreSwhid): Promise<Readable | null> {
    const cooker = this.cooker(type)
    if (this.limits.immediateMaxBytes <= 0 || !this.init.estimators?.has(type)) return null
    const ctx = this.ctx({ listings: new ListingCache() })
    const size = await this.estimate(type, target, this.limits.immediateMaxBytes, ctx)
    if (size > this.limits.immediateMaxBytes) return null
    const out = new PassThrough()
    cooker(ctx, target, out).catch((e: unknown) =>
      out.destroy(e instanceof Error ? e : new Error(String(e))),
    )
    return out
  }
}

/** Parses the arguments of a `vault-cook` task. */
export function vaultTaskArgs(args: unknown): VaultTaskArgs {
  const a = args as Partial<VaultTaskArgs> | null
  if (!a || typeof a.bundleType !== 'string' || typeof a.swhid !== 'string')
    throw new InvalidInputError('A vault-cook task needs bundleType and swhid arguments')
  return { bundleType: a.bundleType, swhid: a.swhid }
}

/** Whether an error is one a retry cannot fix (bad input, masked, missing). */
export function permanentCookError(e: unknown): boolean {
  return (
    e instanceof ArcaError &&
    (e.code === 'invalid_input' ||
      e.code === 'masked' ||
      e.code === 'not_found' ||
      e.code === 'unavailable')
  )
}
