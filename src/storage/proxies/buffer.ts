/**
 * Buffering layer: holds adds back until a per-kind count or byte threshold is reached, then
 * flushes in reference order (contents, skipped contents, directories, revisions, releases,
 * snapshots, extids), so that writes stay bottom-up across batches. Anything about origins and
 * visits first flushes every buffer (a visit status names a snapshot that must be stored).
 * Callers must call `flush()` at the end (loaders do it in `finally`).
 *
 * What it holds is not missing: every `*Missing` leaves out the objects buffered, and those of
 * the flush in flight, without writing anything. Reads see every add made before them: a read
 * of a kind first flushes that kind and the kinds below it in reference order (a directory
 * listing names its contents' lengths, so contents go first), then asks the inner storage.
 *
 * @module
 */

import type {
  Content,
  CoreSwhid,
  Directory,
  ExtId,
  OriginVisitStatus,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../../model/index.js'
import type {
  AbortOptions,
  AddSummary,
  ContentHashName,
  ContentWithData,
  Counters,
  DirectoryEntryInfo,
  DirectoryLsOptions,
  RevisionLogOptions,
  SnapshotBranchesOptions,
  SnapshotBranchesPage,
} from '../interface.js'
import { type BufferThresholds, DEFAULT_BUFFER_THRESHOLDS } from './buffer-thresholds.js'
import { ForwardingStorage } from './forwarding.js'

export type { BufferThresholds } from './buffer-thresholds.js'

type Kind =
  'content' | 'skipped_content' | 'directory' | 'revision' | 'release' | 'snapshot' | 'extid'
const ORDER: readonly Kind[] = [
  'content',
  'skipped_content',
  'directory',
  'revision',
  'release',
  'snapshot',
  'extid',
]

/** The key a backend matches skipped contents on: their four hashes, any of them absent. */
function skippedKey(c: SkippedContent): string {
  return `${c.sha1 ?? ''}:${c.sha1Git ?? ''}:${c.sha256 ?? ''}:${c.blake2s256 ?? ''}`
}

function merge(into: Record<string, number>, s: AddSummary): void {
  for (const [k, v] of Object.entries(s)) into[k] = (into[k] ?? 0) + v
}

/**
 * Batches adds.
 *
 * @example
 * ```ts
 * const storage = new BufferingStorage(new FilteringStorage(backend))
 * await storage.contentAdd(contents) // may not be written yet
 * await storage.flush()              // now it is
 * ```
 */
export class BufferingStorage extends ForwardingStorage {
  readonly #t: BufferThresholds
  #contents = new Map<string, ContentWithData>()
  #contentBytes = 0
  #skipped = new Map<string, SkippedContent>()
  #directories = new Map<string, Directory>()
  #entries = 0
  #revisions = new Map<string, Revision>()
  #parents = 0
  #releases = new Map<string, Release>()
  #snapshots = new Map<string, Snapshot>()
  #branches = 0
  #extids = new Map<string, ExtId>()
  #flushed: Record<string, number> = {}
  #inFlight: Promise<void> | null = null
  /** Keys of the objects being written by a flush, per kind (not missing meanwhile). */
  readonly #writing = new Map<Kind, Set<string>>(ORDER.map((k) => [k, new Set<string>()]))

  constructor(
    inner: ConstructorParameters<typeof ForwardingStorage>[0],
    thresholds: Partial<BufferThresholds> = {},
  ) {
    super(inner)
    this.#t = { ...DEFAULT_BUFFER_THRESHOLDS, ...thresholds }
  }

  /**
   * Writes buffered kinds up to and including `upTo`, in reference order. A flush triggered by
   * a threshold runs in the background while the caller goes on filling the next batch; at most
   * one flush is in flight, and the next one starts only once it is done, so writes stay in
   * reference order. An error of a background flush surfaces at the next add or flush.
   */
  async #flushUpTo(upTo: Kind, options?: AbortOptions, background = false): Promise<void> {
    await this.#wait()
    const jobs: { kind: Kind; keys: string[]; write: () => Promise<AddSummary> }[] = []
    for (const kind of ORDER) {
      const job = this.#take(kind, options)
      if (job) {
        jobs.push({ kind, ...job })
        for (const k of job.keys) this.#writing.get(kind)!.add(k)
      }
      if (kind === upTo) break
    }
    if (jobs.length === 0) return
    const run = async (): Promise<void> => {
      try {
        for (const job of jobs) merge(this.#flushed, await job.write())
      } finally {
        for (const job of jobs) for (const k of job.keys) this.#writing.get(job.kind)!.delete(k)
      }
    }
    if (!background) return run()
    const p = run()
    p.catch(() => undefined)
    this.#inFlight = p
  }

  /** Waits for the background flush, if any (rethrowing its error once). */
  async #wait(): Promise<void> {
    const p = this.#inFlight
    this.#inFlight = null
    if (p) await p
  }

  /**
   * Takes the buffered batch of `kind` (leaving an empty buffer) as a job that writes it, with
   * the keys of its objects.
   */
  #take(
    kind: Kind,
    options?: AbortOptions,
  ): { keys: string[]; write: () => Promise<AddSummary> } | null {
    switch (kind) {
      case 'content': {
        if (this.#contents.size === 0) return null
        const keys = [...this.#contents.keys()]
        const batch = [...this.#contents.values()]
        this.#contents = new Map()
        this.#contentBytes = 0
        return { keys, write: () => this.inner.contentAdd(batch, options) }
      }
      case 'skipped_content': {
        if (this.#skipped.size === 0) return null
        const keys = [...this.#skipped.keys()]
        const batch = [...this.#skipped.values()]
        this.#skipped = new Map()
        return { keys, write: () => this.inner.skippedContentAdd(batch, options) }
      }
      case 'directory': {
        if (this.#directories.size === 0) return null
        const keys = [...this.#directories.keys()]
        const batch = [...this.#directories.values()]
        this.#directories = new Map()
        this.#entries = 0
        return { keys, write: () => this.inner.directoryAdd(batch, options) }
      }
      case 'revision': {
        if (this.#revisions.size === 0) return null
        const keys = [...this.#revisions.keys()]
        const batch = [...this.#revisions.values()]
        this.#revisions = new Map()
        this.#parents = 0
        return { keys, write: () => this.inner.revisionAdd(batch, options) }
      }
      case 'release': {
        if (this.#releases.size === 0) return null
        const keys = [...this.#releases.keys()]
        const batch = [...this.#releases.values()]
        this.#releases = new Map()
        return { keys, write: () => this.inner.releaseAdd(batch, options) }
      }
      case 'snapshot': {
        if (this.#snapshots.size === 0) return null
        const keys = [...this.#snapshots.keys()]
        const batch = [...this.#snapshots.values()]
        this.#snapshots = new Map()
        this.#branches = 0
        return { keys, write: () => this.inner.snapshotAdd(batch, options) }
      }
      case 'extid': {
        if (this.#extids.size === 0) return null
        const keys = [...this.#extids.keys()]
        const batch = [...this.#extids.values()]
        this.#extids = new Map()
        return { keys, write: () => this.inner.extidAdd(batch, options) }
      }
    }
  }

  /** Summary of what flushes stored since the last call to {@link flush}. */
  override async flush(options?: AbortOptions): Promise<AddSummary> {
    await this.#flushUpTo('extid', options)
    const inner = await this.inner.flush(options)
    const out = { ...this.#flushed }
    merge(out, inner)
    this.#flushed = {}
    return out
  }

  override async contentAdd(
    contents: readonly ContentWithData[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const c of contents) {
      if (this.#contents.has(c.sha1Git)) continue
      this.#contents.set(c.sha1Git, c)
      this.#contentBytes += c.length
    }
    if (this.#contents.size >= this.#t.content || this.#contentBytes >= this.#t.contentBytes) {
      await this.#flushUpTo('content', options, true)
    }
    return {}
  }

  override async contentAddMetadata(
    contents: readonly Content[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#flushUpTo('content', options)
    return super.contentAddMetadata(contents, options)
  }

  override async skippedContentAdd(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const c of contents) this.#skipped.set(skippedKey(c), c)
    if (this.#skipped.size >= this.#t.skippedContent)
      await this.#flushUpTo('skipped_content', options)
    return {}
  }

  override async directoryAdd(
    directories: readonly Directory[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const d of directories) {
      if (this.#directories.has(d.id)) continue
      this.#directories.set(d.id, d)
      this.#entries += d.entries.length
    }
    if (this.#directories.size >= this.#t.directory || this.#entries >= this.#t.directoryEntries) {
      await this.#flushUpTo('directory', options, true)
    }
    return {}
  }

  override async revisionAdd(
    revisions: readonly Revision[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const r of revisions) {
      if (this.#revisions.has(r.id)) continue
      this.#revisions.set(r.id, r)
      this.#parents += r.parents.length
    }
    if (this.#revisions.size >= this.#t.revision || this.#parents >= this.#t.revisionParents) {
      await this.#flushUpTo('revision', options, true)
    }
    return {}
  }

  override async releaseAdd(
    releases: readonly Release[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const r of releases) this.#releases.set(r.id, r)
    if (this.#releases.size >= this.#t.release) await this.#flushUpTo('release', options, true)
    return {}
  }

  override async snapshotAdd(
    snapshots: readonly Snapshot[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const s of snapshots) {
      if (this.#snapshots.has(s.id)) continue
      this.#snapshots.set(s.id, s)
      this.#branches += s.branches.length
    }
    if (this.#snapshots.size >= this.#t.snapshot || this.#branches >= this.#t.snapshotBranches) {
      await this.#flushUpTo('snapshot', options, true)
    }
    return {}
  }

  override async extidAdd(extids: readonly ExtId[], options?: AbortOptions): Promise<AddSummary> {
    for (const e of extids) this.#extids.set(e.id, e)
    if (this.#extids.size >= this.#t.extid) await this.#flushUpTo('extid', options, true)
    return {}
  }

  override async originVisitStatusAdd(
    statuses: readonly OriginVisitStatus[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    // A status may name a snapshot: everything buffered must be stored first.
    await this.#flushUpTo('extid', options)
    return super.originVisitStatusAdd(statuses, options)
  }

  // -- *Missing: what is buffered or being flushed is not missing ----------------------------

  /** `ids` less those buffered (in `held`) or being written as `kind`. */
  async #missing(
    kind: Kind,
    held: ReadonlyMap<string, unknown>,
    ids: readonly string[],
    inner: (ids: string[]) => Promise<string[]>,
  ): Promise<string[]> {
    const writing = this.#writing.get(kind)!
    const ask = ids.filter((id) => !held.has(id) && !writing.has(id))
    return ask.length === 0 ? [] : inner(ask)
  }

  override contentMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.#missing('content', this.#contents, ids, (x) => super.contentMissing(x, options))
  }

  override async skippedContentMissing(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<SkippedContent[]> {
    const writing = this.#writing.get('skipped_content')!
    const ask = contents.filter((c) => {
      const k = skippedKey(c)
      return !this.#skipped.has(k) && !writing.has(k)
    })
    return ask.length === 0 ? [] : super.skippedContentMissing(ask, options)
  }

  override directoryMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.#missing('directory', this.#directories, ids, (x) =>
      super.directoryMissing(x, options),
    )
  }

  override revisionMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.#missing('revision', this.#revisions, ids, (x) => super.revisionMissing(x, options))
  }

  override releaseMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.#missing('release', this.#releases, ids, (x) => super.releaseMissing(x, options))
  }

  override snapshotMissing(ids: readonly string[], options?: AbortOptions): Promise<string[]> {
    return this.#missing('snapshot', this.#snapshots, ids, (x) => super.snapshotMissing(x, options))
  }

  // -- reads: flush what they could see first --------------------------------------------------

  override async contentGet(
    ids: readonly string[],
    hash?: ContentHashName,
    options?: AbortOptions,
  ): Promise<(Content | null)[]> {
    await this.#flushUpTo('content', options)
    return super.contentGet(ids, hash, options)
  }

  override async contentLengthGet(ids: readonly string[], options?: AbortOptions) {
    await this.#flushUpTo('content', options)
    return super.contentLengthGet(ids, options)
  }

  override async skippedContentFind(
    sha1Git: string,
    options?: AbortOptions,
  ): Promise<SkippedContent[]> {
    await this.#flushUpTo('skipped_content', options)
    return super.skippedContentFind(sha1Git, options)
  }

  override async directoryManifestGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Uint8Array | null)[]> {
    await this.#flushUpTo('directory', options)
    return super.directoryManifestGet(ids, options)
  }

  override async directoryGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Directory | null)[]> {
    await this.#flushUpTo('directory', options)
    return super.directoryGet(ids, options)
  }

  override async directoryLs(
    id: string,
    options?: DirectoryLsOptions,
  ): Promise<DirectoryEntryInfo[] | null> {
    await this.#flushUpTo('directory', options)
    return super.directoryLs(id, options)
  }

  override async directoryEntryGetByPath(
    id: string,
    path: readonly Uint8Array[],
    options?: AbortOptions,
  ): Promise<DirectoryEntryInfo | null> {
    await this.#flushUpTo('directory', options)
    return super.directoryEntryGetByPath(id, path, options)
  }

  override async revisionGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Revision | null)[]> {
    await this.#flushUpTo('revision', options)
    return super.revisionGet(ids, options)
  }

  override async revisionManifestGet(ids: readonly string[], options?: AbortOptions) {
    await this.#flushUpTo('revision', options)
    return super.revisionManifestGet(ids, options)
  }

  override async *revisionLog(
    ids: readonly string[],
    options?: RevisionLogOptions,
  ): AsyncIterable<Revision> {
    await this.#flushUpTo('revision', options)
    yield* super.revisionLog(ids, options)
  }

  override async releaseGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Release | null)[]> {
    await this.#flushUpTo('release', options)
    return super.releaseGet(ids, options)
  }

  override async snapshotGet(
    ids: readonly string[],
    options?: AbortOptions,
  ): Promise<(Snapshot | null)[]> {
    await this.#flushUpTo('snapshot', options)
    return super.snapshotGet(ids, options)
  }

  override async snapshotGetBranches(
    id: string,
    options?: SnapshotBranchesOptions,
  ): Promise<SnapshotBranchesPage | null> {
    await this.#flushUpTo('snapshot', options)
    return super.snapshotGetBranches(id, options)
  }

  override async snapshotCountBranches(
    id: string,
    options?: AbortOptions,
  ): Promise<Readonly<Record<string, number>> | null> {
    await this.#flushUpTo('snapshot', options)
    return super.snapshotCountBranches(id, options)
  }

  override async extidGetFromTarget(
    target: CoreSwhid,
    options?: { readonly extidType?: string; readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]> {
    await this.#flushUpTo('extid', options)
    return super.extidGetFromTarget(target, options)
  }

  override async extidGetFromExtid(
    extidType: string,
    extids: readonly Uint8Array[],
    options?: { readonly version?: number } & AbortOptions,
  ): Promise<ExtId[]> {
    await this.#flushUpTo('extid', options)
    return super.extidGetFromExtid(extidType, extids, options)
  }

  override async statCounters(options?: AbortOptions): Promise<Counters> {
    await this.#flushUpTo('extid', options)
    return super.statCounters(options)
  }

  override async close(): Promise<void> {
    await this.flush()
    await super.close()
  }
}
