/**
 * The git loader: one visit of a git origin.
 *
 * Phases (after Software Heritage's loaders): list the remote's refs; decide what to fetch
 * (tips the archive already holds need nothing); fetch only new objects by telling the remote
 * which commits the archive has (the heads of this origin's previous snapshot and of related
 * origins); store the objects bottom-up through the storage layers (contents, directories,
 * revisions, releases), every id checked against git's; write the snapshot of every ref; end
 * the visit with its status. The fetched pack lives in a scratch repository that is always
 * removed; nothing is written to storage before the whole pack arrived and was indexed by git.
 *
 * Crash safety follows from the storage invariants: objects are added bottom-up (a directory
 * only after all its entries, a revision after its tree and parents), the snapshot after
 * everything it names, and the `full`/`partial` status last. A killed load leaves an `ongoing`
 * visit and objects that a rerun skips.
 *
 * @module
 */

import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { ArcaError, CorruptError, errorMessage } from '../../errors.js'
import { gitEnv, keptRefs, refsToBranches } from '../../fromdisk/index.js'
import {
  ContentHasher,
  CORE_TYPE_OF,
  type Directory,
  makeSnapshot,
  type MicroDate,
  type OriginVisit,
  type ReleaseTargetType,
  type SkippedContent,
  type Snapshot,
  type VisitStatusValue,
} from '../../model/index.js'
import { diskError } from '../../objstorage/index.js'
import { missingIds, type Storage, sweepScratch } from '../../storage/index.js'
import { type RemoteUrl, scrubRemote, splitRemoteUrl } from '../origin-url.js'
import { nowMicros } from '../visit-clock.js'
import { CatFile, type GitObjectType } from './cat-file.js'
import { startChild } from './child.js'
import {
  checkGitId,
  commitToRevision,
  parseTreeEntries,
  tagToRelease,
  treeToDirectory,
} from './convert.js'
import { fallbackFetch } from './fallback.js'
import { fatalFetchError, packError, removePartialPacks } from './fetch-errors.js'
import { fetchInHalves } from './fetch-plan.js'
import { IdSet } from './id-set.js'
import { PackIndex } from './pack-index.js'
import {
  ProtocolV0Error,
  type RemoteRef,
  type SessionOptions,
  UploadPackSession,
} from './protocol.js'
import { ScratchDb } from './scratch-db.js'
import { parseGitmodules } from './submodules.js'

/** Default size above which a content is archived as a skipped content (hashes only). */
export const DEFAULT_MAX_CONTENT_SIZE = 100 * 1024 * 1024

/**
 * Buffer thresholds for loads: smaller than the storage defaults so that a load (with one flush
 * in flight while the next batch fills) stays well within its memory bound.
 */
export const LOADER_BUFFER_THRESHOLDS = {
  content: 2000,
  contentBytes: 8 << 20,
  directory: 3000,
  directoryEntries: 30_000,
  revision: 5000,
  revisionParents: 10_000,
} as const

/** Typed progress events (for progress bars and logs). */
export interface GitLoadProgress {
  readonly phase:
    'refs' | 'fetch' | 'contents' | 'directories' | 'revisions' | 'releases' | 'snapshot' | 'done'
  /** Objects processed in this phase so far. */
  readonly objects: number
  /** Objects of this phase in all, when known. */
  readonly total?: number
  /** Bytes received (fetch) or content bytes stored (contents). */
  readonly bytes: number
}

/** Options of {@link loadGit}. */
export interface GitLoadOptions {
  /** The storage, with the writer layers (validate, buffer, filter, journal). */
  readonly storage: Storage
  /** Directory for scratch repositories (removed at the end). */
  readonly scratchDir: string
  /** Contents of this size or more are stored as skipped contents. */
  readonly maxContentSize?: number
  /** Origins this one is a fork of: their heads are offered to the remote as known. */
  readonly forkOf?: readonly string[]
  readonly onProgress?: (p: GitLoadProgress) => void
  readonly signal?: AbortSignal
  /** Visit date (default: now). */
  readonly date?: Date
  /** A remote that sends nothing for this long is given up (default 120 s). */
  readonly stallTimeoutMs?: number
}

/** Counts of what a load stored. */
export interface GitLoadStats {
  contents: number
  contentBytes: number
  skippedContents: number
  directories: number
  revisions: number
  releases: number
  /** Objects received from the remote. */
  fetchedObjects: number
  fetchedBytes: number
  /** Fetch requests made to the remote. */
  fetches: number
}

/** Outcome of a visit. */
export interface GitLoadResult {
  readonly origin: string
  readonly visit: number
  readonly status: VisitStatusValue
  readonly snapshot: string | null
  /** Whether the snapshot differs from the previous visit's. */
  readonly eventful: boolean
  readonly message: string | null
  readonly stats: GitLoadStats
  /** Objects the source lacks or holds corrupt. */
  readonly missing: readonly string[]
  /** Submodule repositories found in the branches' heads, recorded as origins. */
  readonly submodules: readonly string[]
}

const TARGET_OF_GIT: Readonly<Record<GitObjectType, ReleaseTargetType>> = {
  blob: 'content',
  tree: 'directory',
  commit: 'revision',
  tag: 'release',
}

/** Haves offered to the remote at most (the most recent heads first). */
const MAX_HAVES = 1024

/**
 * Loads (visits) the git repository at `url` into the archive. The origin recorded is `url`
 * normalised and without credentials (see `../origin-url.ts`); credentials in `url` are used
 * for the fetch only, and scrubbed from every message.
 *
 * @example
 * ```ts
 * const archive = await openArchive({ dataDir: 'arca-data', layers: WRITER_LAYERS })
 * const r = await loadGit('https://example.org/repo.git', { storage: archive.storage, scratchDir: archive.tmpDir })
 * console.log(r.status, r.snapshot)
 * ```
 */
export async function loadGit(input: string, options: GitLoadOptions): Promise<GitLoadResult> {
  const remote = splitRemoteUrl(input)
  const url = remote.originUrl
  options = {
    ...options,
    ...(options.forkOf ? { forkOf: options.forkOf.map((f) => splitRemoteUrl(f).originUrl) } : {}),
  }
  const storage = options.storage
  const date = options.date ? { date: options.date } : microFields(nowMicros())
  await storage.originAdd([{ url }])
  const [visit] = await storage.originVisitAdd([{ origin: url, ...date, type: 'git' }])
  const v = visit!
  const status = async (
    s: VisitStatusValue,
    snapshot: string | null,
    metadata: Record<string, unknown> | null,
  ): Promise<void> => {
    // Every status is kept, even two in one microsecond (the storage orders them as added).
    const at = microFields(nowMicros())
    await storage.originVisitStatusAdd([
      { origin: url, visit: v.visit, ...at, type: 'git', status: s, snapshot, metadata },
    ])
  }
  await status('created', null, null)
  const previous = await storage.originVisitGetLatest(url, {
    type: 'git',
    requireSnapshot: true,
    allowedStatuses: ['full', 'partial'],
  })
  await status('ongoing', null, null)
  const loader = new GitVisit(remote, v, options)
  try {
    const ran = await loader.run(previous?.status.snapshot ?? null)
    const result = { ...ran, message: ran.message && scrubRemote(ran.message, remote) }
    await storage.flush()
    await status(result.status, result.snapshot, {
      eventful: result.eventful,
      ...(result.message ? { message: result.message } : {}),
      ...(result.missing.length > 0 ? { missing: result.missing.slice(0, 100) } : {}),
      ...(result.submodules.length > 0 ? { submodules: result.submodules } : {}),
    })
    return result
  } catch (e) {
    const notFound = e instanceof ArcaError && e.code === 'not_found'
    // Once interrupted, whatever failed next failed because of it.
    const message = scrubRemote(
      errorMessage(
        options.signal?.aborted
          ? (options.signal.reason ?? e)
          : diskError(e, `the visit of ${url}`),
      ),
      remote,
    )
    // Whatever was stored stays (it is complete and consistent); the visit is not full.
    await storage.flush().catch(() => undefined)
    await status(notFound ? 'not_found' : 'failed', null, { message })
    return {
      origin: url,
      visit: v.visit,
      status: notFound ? 'not_found' : 'failed',
      snapshot: null,
      eventful: false,
      message,
      stats: loader.stats,
      missing: [],
      submodules: [],
    }
  } finally {
    loader.cleanup()
  }
}

function microFields(t: MicroDate): { date: Date; dateExtraMicros?: number } {
  return t.extraMicros === 0 ? { date: t.date } : { date: t.date, dateExtraMicros: t.extraMicros }
}

/** Where an object of the visit stands. */
interface Known {
  readonly type: ReleaseTargetType
}

class GitVisit {
  readonly stats: GitLoadStats = {
    contents: 0,
    contentBytes: 0,
    skippedContents: 0,
    directories: 0,
    revisions: 0,
    releases: 0,
    fetchedObjects: 0,
    fetchedBytes: 0,
    fetches: 0,
  }
  /** The origin URL (shown, stored). */
  readonly #url: string
  /** The URL fetched from (credentials included: never shown). */
  readonly #fetchUrl: string
  readonly #visit: OriginVisit
  readonly #opts: GitLoadOptions
  readonly #storage: Storage
  readonly #maxContent: number
  #scratch: string | null = null
  /** Objects of the pack, by type. */
  #pack: PackIndex | null = null
  /** Objects stored (or found stored) during this visit. */
  readonly #done = new IdSet()
  /** Objects that could not be stored (missing or corrupt themselves, or referencing such). */
  readonly #broken = new IdSet()
  readonly #missing: string[] = []
  readonly #submodules = new Set<string>()

  constructor(remote: RemoteUrl, visit: OriginVisit, opts: GitLoadOptions) {
    this.#url = remote.originUrl
    this.#fetchUrl = remote.fetchUrl
    this.#visit = visit
    this.#opts = opts
    this.#storage = opts.storage
    this.#maxContent = opts.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE
  }

  get #sessionOptions(): SessionOptions {
    return this.#opts.stallTimeoutMs === undefined
      ? {}
      : { stallTimeoutMs: this.#opts.stallTimeoutMs }
  }

  #progress(p: GitLoadProgress): void {
    this.#opts.onProgress?.(p)
  }

  cleanup(): void {
    this.#db?.close()
    this.#db = null
    if (this.#scratch) rmSync(this.#scratch, { recursive: true, force: true })
    this.#scratch = null
  }

  async run(previousSnapshot: string | null): Promise<GitLoadResult> {
    const signal = this.#opts.signal
    this.#progress({ phase: 'refs', objects: 0, bytes: 0 })
    let refs: RemoteRef[]
    let session: UploadPackSession | null = null
    try {
      session = await UploadPackSession.open(this.#fetchUrl, signal, this.#sessionOptions)
      refs = keptRefs(await session.lsRefs(signal))
    } catch (e) {
      await session?.close()
      session = null
      if (!(e instanceof ProtocolV0Error)) throw e
      refs = []
    }
    this.#refsForTips = refs
    try {
      if (session === null) {
        // Protocol v0 only: let the git binary fetch everything, then store what is new.
        this.#scratch = makeScratch(this.#opts.scratchDir)
        refs = keptRefs(await fallbackFetch(this.#fetchUrl, this.#scratch, signal))
        this.#refsForTips = refs
      } else {
        await this.#fetchNew(session, refs, previousSnapshot)
      }
    } finally {
      await session?.close()
    }
    if (this.#scratch) await this.#ingest()
    const snapshot = await this.#snapshot(refs)
    await this.#storage.snapshotAdd([snapshot])
    this.#progress({
      phase: 'done',
      objects: snapshot.branches.length,
      bytes: this.stats.fetchedBytes,
    })
    const partial = this.#missing.length > 0
    const reasons = [
      ...this.#failedTips.slice(0, 20).map((t) => `could not fetch ${t}`),
      ...(this.#failedTips.length > 20
        ? [`and ${this.#failedTips.length - 20} more refs could not be fetched`]
        : []),
      ...(this.#missing.length > this.#failedTips.length
        ? [
            `missing or corrupt objects: ${this.#missing.slice(0, 20).join(', ')}${this.#missing.length > 20 ? ', …' : ''}`,
          ]
        : []),
    ]
    return {
      origin: this.#url,
      visit: this.#visit.visit,
      status: partial ? 'partial' : 'full',
      snapshot: snapshot.id,
      eventful: snapshot.id !== previousSnapshot,
      message: partial ? reasons.join('; ') : null,
      stats: this.stats,
      missing: [...this.#missing],
      submodules: [...this.#submodules].sort(),
    }
  }

  /** What the archive already has of `ids`, by kind. */
  async #classify(ids: readonly string[]): Promise<Map<string, Known>> {
    const out = new Map<string, Known>()
    if (ids.length === 0) return out
    const s = this.#storage
    const checks: ReleaseTargetType[] = ['revision', 'release', 'directory', 'content']
    let todo = [...new Set(ids)]
    for (const type of checks) {
      if (todo.length === 0) break
      const absent = await missingIds(s, CORE_TYPE_OF[type], todo)
      for (const id of todo) if (!absent.has(id)) out.set(id, { type })
      todo = todo.filter((id) => absent.has(id))
    }
    return out
  }

  #archived = new Map<string, Known>()

  async #fetchNew(
    session: UploadPackSession,
    refs: readonly RemoteRef[],
    previousSnapshot: string | null,
  ): Promise<void> {
    const tips = [...new Set(refs.flatMap((r) => (r.oid ? [r.oid] : [])))]
    this.#archived = await this.#classify(tips)
    const wants = tips.filter((t) => !this.#archived.has(t))
    if (wants.length === 0) return
    const haves = await this.#haves(previousSnapshot)
    this.#scratch = makeScratch(this.#opts.scratchDir)
    await runGit(this.#scratch, ['init', '--bare', '-q', this.#scratch])
    this.stats.fetches++
    try {
      await this.#fetchPack(session, wants, haves)
    } catch (e) {
      if (fatalFetchError(e, this.#opts.signal)) throw e
      // The remote could not send everything at once (often a corrupt or missing object on its
      // side): fetch the wanted tips in halves, so that everything it can send is archived in
      // few fetches, and name the refs it cannot serve.
      await session.abort()
      const plan = await fetchInHalves(
        wants,
        e,
        async (some, someHaves) => {
          const one = await UploadPackSession.open(
            this.#fetchUrl,
            this.#opts.signal,
            this.#sessionOptions,
          )
          try {
            await this.#fetchPack(one, some, someHaves)
          } catch (err) {
            await one.abort()
            throw err
          } finally {
            await one.close()
          }
        },
        {
          haves,
          maxHaves: MAX_HAVES,
          fatal: (err) => fatalFetchError(err, this.#opts.signal),
        },
      )
      this.stats.fetches += plan.fetches
      for (const { want, error } of plan.failed) {
        const names = refs.filter((r) => r.oid === want).map((r) => r.name.toString('latin1'))
        this.#failedTips.push(`${names.join(', ') || want} (${want}): ${errorMessage(error)}`)
        this.#lostObject(want)
      }
      // Nothing new came and the archive holds none of the refs: there is no snapshot to make.
      if (plan.fetched.length === 0 && this.#archived.size === 0) throw plan.failed[0]?.error ?? e
    }
  }

  /**
   * Fetches a pack for `wants` into the scratch repository (indexed, ids checked by git). On any
   * failure the session is aborted, `index-pack` killed and its partial files removed.
   */
  async #fetchPack(
    session: UploadPackSession,
    wants: readonly string[],
    haves: readonly string[],
  ): Promise<void> {
    const scratch = this.#scratch!
    const index = startChild('git', ['-C', scratch, 'index-pack', '--stdin', '--keep'], {
      env: gitEnv(scratch),
      stdin: 'pipe',
      signal: this.#opts.signal,
    })
    const stdin = index.proc.stdin!
    // Rejects if index-pack ends before it was given the whole pack.
    const indexGone = index.exited.then((x) => {
      throw packError(
        this.#url,
        scratch,
        index.stderr() || `index-pack ended (${x.code ?? x.signal})`,
      )
    })
    indexGone.catch(() => undefined)
    let lastReport = 0
    try {
      await session.fetch(
        wants,
        haves,
        async (chunk) => {
          this.stats.fetchedBytes += chunk.length
          if (this.stats.fetchedBytes - lastReport > 1 << 20) {
            lastReport = this.stats.fetchedBytes
            this.#progress({ phase: 'fetch', objects: 0, bytes: this.stats.fetchedBytes })
          }
          if (index.done) await indexGone
          // A write error (EPIPE) means index-pack is gone: its exit tells why.
          if (!stdin.write(chunk))
            await Promise.race([once(stdin, 'drain').catch(() => indexGone), indexGone])
        },
        this.#opts.signal,
      )
      stdin.end()
      const { code } = await index.exited
      if (code !== 0) throw packError(this.#url, scratch, index.stderr())
    } catch (e) {
      await Promise.all([index.kill(), session.abort()])
      removePartialPacks(scratch)
      throw e
    }
    this.#progress({ phase: 'fetch', objects: 0, bytes: this.stats.fetchedBytes })
  }

  /** Refs the remote could not serve, with why. */
  readonly #failedTips: string[] = []

  /** Commits the archive has that the remote probably has too. */
  async #haves(previousSnapshot: string | null): Promise<string[]> {
    const snapshots: string[] = []
    if (previousSnapshot) snapshots.push(previousSnapshot)
    for (const other of this.#opts.forkOf ?? []) {
      const latest = await this.#storage.originVisitGetLatest(other, { requireSnapshot: true })
      if (latest?.status.snapshot) snapshots.push(latest.status.snapshot)
    }
    const haves: string[] = [...this.#archived]
      .filter(([, k]) => k.type === 'revision')
      .map(([id]) => id)
    for (const snp of snapshots) {
      let from: Uint8Array | undefined
      for (;;) {
        const page = await this.#storage.snapshotGetBranches(snp, {
          targetTypes: ['revision'],
          branchesCount: 1000,
          ...(from ? { branchesFrom: from } : {}),
        })
        if (!page) break
        for (const b of page.branches)
          if (b.target && b.target.targetType === 'revision') haves.push(b.target.target)
        if (!page.nextBranch || haves.length >= MAX_HAVES * 4) break
        from = page.nextBranch
      }
    }
    return [...new Set(haves)].slice(0, MAX_HAVES)
  }

  async #listPack(): Promise<void> {
    this.#pack = await PackIndex.build(this.#scratch!)
    this.stats.fetchedObjects = this.#pack.size
  }

  /** Every id of `type` in the pack, read back from the scratch listing. */
  async *#each(type: GitObjectType): AsyncIterable<string> {
    for await (const chunk of this.#pack!.chunks(type, 4096)) yield* chunk
  }

  /** Type of `oid` in the fetched pack, if it came with it. */
  #packType(oid: string): GitObjectType | undefined {
    return this.#pack?.type(oid)
  }

  #db: ScratchDb | null = null

  /**
   * Reads every tree or commit of the pack once, in pack order and with pipelined requests
   * (cheap for git, whose deltas chain in that order), checks each one's id, and keeps its body in
   * the scratch store for the bottom-up walk that follows.
   */
  async #stage(cat: CatFile, kind: 'tree' | 'commit'): Promise<void> {
    this.#db ??= new ScratchDb(join(this.#scratch!, 'objects.sqlite'))
    for await (const slice of this.#pack!.chunks(kind, 1024)) {
      this.#opts.signal?.throwIfAborted()
      const reads = slice.map((oid) => cat.read(oid))
      for (let k = 0; k < slice.length; k++) {
        const oid = slice[k]!
        const obj = await reads[k]!
        if (!obj || obj.type !== kind || obj.data === null) {
          this.#lostObject(oid)
          continue
        }
        try {
          checkGitId(kind, oid, obj.data)
        } catch {
          this.#lostObject(oid)
          continue
        }
        this.#db.put(kind, oid, obj.data)
      }
    }
    this.#db.flush()
  }

  #lostObject(oid: string): void {
    if (this.#broken.add(oid)) this.#missing.push(oid)
  }

  async #ingest(): Promise<void> {
    await this.#listPack()
    const cat = new CatFile(this.#scratch!)
    try {
      await this.#ingestContents(cat)
      await this.#stage(cat, 'tree')
      await this.#ingestTrees()
      await this.#stage(cat, 'commit')
      await this.#ingestCommits(cat)
      await this.#ingestTags(cat)
    } finally {
      await cat.close()
    }
  }

  async #ingestContents(cat: CatFile): Promise<void> {
    const total = this.#pack!.count('blob')
    const batch: Parameters<Storage['contentAdd']>[0][number][] = []
    let done = 0
    // Reads are pipelined in windows; a blob of the size limit or more is never held in memory:
    // its bytes stream through a hasher and it is stored as a skipped content.
    for await (const slice of this.#pack!.chunks('blob', 512)) {
      this.#opts.signal?.throwIfAborted()
      const large = new Map<string, ContentHasher>()
      const reads = slice.map((oid) =>
        cat.read(oid, {
          maxInMemory: this.#maxContent - 1,
          onChunk: (chunk, size) => {
            let h = large.get(oid)
            if (!h) {
              h = new ContentHasher(size)
              large.set(oid, h)
            }
            h.update(chunk)
          },
        }),
      )
      for (let k = 0; k < slice.length; k++) {
        const oid = slice[k]!
        const obj = await reads[k]!
        if (!obj) {
          this.#lostObject(oid)
          continue
        }
        const h =
          obj.data === null
            ? large.get(oid)!.digest()
            : new ContentHasher(obj.size).update(obj.data).digest()
        if (h.sha1Git !== oid) {
          this.#lostObject(oid)
          continue
        }
        if (obj.data === null) {
          const skipped: SkippedContent = {
            ...h,
            length: obj.size,
            status: 'absent',
            reason: 'Content too large',
            origin: this.#url,
            ctime: null,
          }
          await this.#storage.skippedContentAdd([skipped])
          this.stats.skippedContents++
        } else {
          batch.push({ ...h, length: obj.size, status: 'visible', ctime: null, data: obj.data })
          this.stats.contents++
          this.stats.contentBytes += obj.size
        }
        this.#done.add(oid)
        done++
      }
      if (batch.length >= 256) await this.#storage.contentAdd(batch.splice(0))
      this.#progress({
        phase: 'contents',
        objects: done,
        total,
        bytes: this.stats.contentBytes,
      })
    }
    if (batch.length > 0) await this.#storage.contentAdd(batch.splice(0))
  }

  /** Whether `oid` (not from this pack) is in the archive; `kind` tells which table. */
  async #archivedAs(oids: readonly string[], kind: ReleaseTargetType): Promise<Set<string>> {
    const todo = oids.filter((o) => !this.#done.has(o) && !this.#broken.has(o))
    if (todo.length === 0) return new Set()
    const missing = await missingIds(this.#storage, CORE_TYPE_OF[kind], todo)
    const found = new Set(todo.filter((o) => !missing.has(o)))
    for (const o of found) this.#done.add(o)
    return found
  }

  async #ingestTrees(): Promise<void> {
    const db = this.#db!
    const total = this.#pack!.count('tree')
    let stored = 0
    // Depth-first, children before parents; the stack holds only the current path.
    for await (const root of this.#each('tree')) {
      if (this.#done.has(root) || this.#broken.has(root)) continue
      const stack: { oid: string; dir: Directory | null; pending: string[] | null }[] = [
        { oid: root, dir: null, pending: null },
      ]
      while (stack.length > 0) {
        this.#opts.signal?.throwIfAborted()
        const top = stack[stack.length - 1]!
        if (top.pending === null) {
          const body = db.get('tree', top.oid)
          if (body === null) {
            this.#lostObject(top.oid)
            stack.pop()
            continue
          }
          let dir: Directory
          try {
            dir = treeToDirectory(top.oid, body)
          } catch {
            this.#lostObject(top.oid)
            stack.pop()
            continue
          }
          top.dir = dir
          // Sub-trees of this pack still to store first; entries outside the pack must be
          // in the archive, else this tree cannot be stored.
          const subtrees = dir.entries.filter((e) => e.type === 'dir').map((e) => e.target)
          const files = dir.entries.filter((e) => e.type === 'file').map((e) => e.target)
          top.pending = subtrees.filter(
            (t) => this.#pack?.is(t, 'tree') === true && !this.#done.has(t) && !this.#broken.has(t),
          )
          const outsideDirs = subtrees.filter((t) => this.#pack?.is(t, 'tree') !== true)
          const outsideFiles = files.filter((f) => this.#pack?.is(f, 'blob') !== true)
          const foundDirs = await this.#archivedAs(outsideDirs, 'directory')
          const foundFiles = await this.#archivedAs(outsideFiles, 'content')
          for (const t of outsideDirs)
            if (!this.#done.has(t) && !foundDirs.has(t)) this.#lostObject(t)
          for (const f of outsideFiles)
            if (!this.#done.has(f) && !foundFiles.has(f)) this.#lostObject(f)
          continue
        }
        const next = top.pending.pop()
        if (next !== undefined) {
          if (!this.#done.has(next) && !this.#broken.has(next))
            stack.push({ oid: next, dir: null, pending: null })
          continue
        }
        stack.pop()
        const dir = top.dir!
        const incomplete = dir.entries.some(
          (e) => (e.type === 'dir' || e.type === 'file') && this.#broken.has(e.target),
        )
        if (incomplete) {
          this.#broken.add(top.oid)
          continue
        }
        await this.#storage.directoryAdd([dir])
        this.#done.add(top.oid)
        this.stats.directories++
        if (++stored % 500 === 0)
          this.#progress({ phase: 'directories', objects: stored, total, bytes: 0 })
      }
    }
    this.#progress({ phase: 'directories', objects: stored, total, bytes: 0 })
  }

  async #ingestCommits(cat: CatFile): Promise<void> {
    const total = this.#pack!.count('commit')
    let stored = 0
    for await (const root of this.#each('commit')) {
      if (this.#done.has(root) || this.#broken.has(root)) continue
      const stack: {
        oid: string
        rev: ReturnType<typeof commitToRevision> | null
        pending: string[] | null
      }[] = [{ oid: root, rev: null, pending: null }]
      while (stack.length > 0) {
        this.#opts.signal?.throwIfAborted()
        const top = stack[stack.length - 1]!
        if (top.pending === null) {
          const body = this.#db!.get('commit', top.oid)
          if (body === null) {
            this.#lostObject(top.oid)
            stack.pop()
            continue
          }
          try {
            top.rev = commitToRevision(top.oid, body)
          } catch {
            this.#lostObject(top.oid)
            stack.pop()
            continue
          }
          const rev = top.rev
          top.pending = rev.parents.filter(
            (p) =>
              this.#pack?.is(p, 'commit') === true && !this.#done.has(p) && !this.#broken.has(p),
          )
          const outside = rev.parents.filter((p) => this.#pack?.is(p, 'commit') !== true)
          const found = await this.#archivedAs(outside, 'revision')
          for (const p of outside) if (!this.#done.has(p) && !found.has(p)) this.#lostObject(p)
          if (this.#pack?.is(rev.directory, 'tree') !== true) {
            const f = await this.#archivedAs([rev.directory], 'directory')
            if (!this.#done.has(rev.directory) && !f.has(rev.directory))
              this.#lostObject(rev.directory)
          }
          if (this.#isTip(top.oid)) await this.#findSubmodules(cat, rev.directory)
          continue
        }
        const next = top.pending.pop()
        if (next !== undefined) {
          if (!this.#done.has(next) && !this.#broken.has(next))
            stack.push({ oid: next, rev: null, pending: null })
          continue
        }
        stack.pop()
        const rev = top.rev!
        if (this.#broken.has(rev.directory) || rev.parents.some((p) => this.#broken.has(p))) {
          this.#broken.add(top.oid)
          continue
        }
        await this.#storage.revisionAdd([rev])
        this.#done.add(top.oid)
        this.stats.revisions++
        if (++stored % 500 === 0)
          this.#progress({ phase: 'revisions', objects: stored, total, bytes: 0 })
      }
    }
    this.#progress({ phase: 'revisions', objects: stored, total, bytes: 0 })
  }

  #tips: Set<string> | null = null
  #refsForTips: readonly RemoteRef[] = []

  #isTip(oid: string): boolean {
    this.#tips ??= new Set(this.#refsForTips.flatMap((r) => (r.oid ? [r.oid] : [])))
    return this.#tips.has(oid)
  }

  /** Records the submodule repositories named by `.gitmodules` at the root of a head's tree. */
  async #findSubmodules(cat: CatFile, tree: string): Promise<void> {
    if (this.#pack?.is(tree, 'tree') !== true) return
    const obj = await cat.read(tree)
    if (!obj?.data) return
    const entry = parseTreeEntries(tree, obj.data).find(
      (e) => Buffer.from(e.name).toString('latin1') === '.gitmodules',
    )
    if (!entry) return
    const blob = await cat.read(entry.oid, { maxInMemory: 1 << 20 })
    if (!blob?.data) return
    const urls = parseGitmodules(blob.data, this.#url)
    const fresh = urls.filter((u) => !this.#submodules.has(u))
    for (const u of fresh) this.#submodules.add(u)
    if (fresh.length > 0) await this.#storage.originAdd(fresh.map((u) => ({ url: u })))
  }

  async #ingestTags(cat: CatFile): Promise<void> {
    const total = this.#pack!.count('tag')
    let stored = 0
    for await (const root of this.#each('tag')) {
      if (this.#done.has(root) || this.#broken.has(root)) continue
      // Tags of tags: store the inner tag first.
      const chain: ReturnType<typeof tagToRelease>[] = []
      let oid: string | null = root
      while (oid !== null && !this.#done.has(oid) && !this.#broken.has(oid)) {
        const obj = await cat.read(oid)
        if (!obj || obj.type !== 'tag' || obj.data === null) {
          this.#lostObject(oid)
          break
        }
        let rel
        try {
          checkGitId('tag', oid, obj.data)
          rel = tagToRelease(oid, obj.data)
        } catch {
          this.#lostObject(oid)
          break
        }
        chain.push(rel)
        const target: string = rel.target!
        if (rel.targetType === 'release' && this.#pack?.is(target, 'tag') === true) oid = target
        else {
          if (this.#packType(target) === undefined) {
            const f = await this.#archivedAs([target], rel.targetType)
            if (!this.#done.has(target) && !f.has(target)) this.#lostObject(target)
          }
          oid = null
        }
      }
      for (const rel of chain.reverse()) {
        if (this.#broken.has(rel.target!)) {
          this.#broken.add(rel.id)
          continue
        }
        await this.#storage.releaseAdd([rel])
        this.#done.add(rel.id)
        this.stats.releases++
        stored++
      }
    }
    this.#progress({ phase: 'releases', objects: stored, total, bytes: 0 })
  }

  /** The snapshot of the kept refs (`git-refs.ts`); refs whose object is not archived are dangling. */
  async #snapshot(refs: readonly RemoteRef[]): Promise<Snapshot> {
    this.#progress({ phase: 'snapshot', objects: 0, bytes: 0 })
    const oids = [...new Set(refs.flatMap((r) => (r.oid && !r.symref ? [r.oid] : [])))]
    const typeOf = new Map<string, ReleaseTargetType>()
    const unknown: string[] = []
    for (const o of oids) {
      const packType = this.#packType(o)
      if (packType && !this.#broken.has(o)) typeOf.set(o, TARGET_OF_GIT[packType])
      else if (this.#archived.has(o)) typeOf.set(o, this.#archived.get(o)!.type)
      else if (!this.#broken.has(o)) unknown.push(o)
    }
    for (const [o, k] of await this.#classify(unknown)) typeOf.set(o, k.type)
    const branches = refsToBranches(refs, (oid) => {
      const t = typeOf.get(oid)
      return t ? { targetType: t, target: oid } : null
    })
    return makeSnapshot(branches)
  }
}

/**
 * A fresh scratch directory named after this process, after removing those left by loaders
 * that were killed (their process is gone): scratch space never accumulates.
 */
function makeScratch(dir: string): string {
  sweepScratch(dir)
  return mkdtempSync(join(dir, `git-${process.pid}-`))
}

/** Runs git in `repo`; resolves with stdout. */
export async function runGit(repo: string, args: string[]): Promise<Buffer> {
  const child = startChild(
    'git',
    ['-c', 'core.fsmonitor=false', ...(args[0] === 'init' ? [] : ['-C', repo]), ...args],
    { env: gitEnv(repo), stdout: 'pipe' },
  )
  const out: Buffer[] = []
  child.proc.stdout!.on('data', (d: Buffer) => out.push(d))
  const { code, error } = await child.exited
  if (code !== 0)
    throw new CorruptError(`git ${args[0]} failed: ${error?.message ?? child.stderr()}`)
  return Buffer.concat(out)
}
