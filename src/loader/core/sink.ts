/**
 * The shared sink: stores a producer's bottom-up stream of model objects, checking that every
 * object it names is stored (in this load, or earlier in the archive). An object that names a
 * lost object — one missing or corrupt at the source, or one of those itself — is not stored
 * and is itself broken, so breakage propagates upward, once, for every kind: a directory above
 * a lost file, the revision above that directory, the release of that revision, and the
 * revisions after it. The storage invariants (nothing is stored before what it names) hold
 * whatever the source holds.
 *
 * @module
 */

import {
  CORE_TYPE_OF,
  type Directory,
  type ExtId,
  KIND_OF_SWHID_TYPE,
  type RawExtrinsicMetadata,
  type ReleaseTargetType,
} from '../../model/index.js'
import { missingIds, type Storage } from '../../storage/index.js'
import { IdSet } from './id-set.js'
import type { ProgressTracker } from './progress.js'
import type { ContentWithData, LoadPhase, LoadStats, ModelObject } from './types.js'

/** Contents are sent to the storage in batches of this many, */
const CONTENT_BATCH = 256
/** or of this many bytes (producers that read whole files yield large contents). */
const CONTENT_BATCH_BYTES = 8 << 20

/** A reference from an object to another, with the kind it must have. */
interface Ref {
  readonly id: string
  readonly kind: ReleaseTargetType
}

const PHASE_OF: Readonly<Record<ModelObject['type'], LoadPhase>> = {
  content: 'contents',
  skipped_content: 'contents',
  directory: 'directories',
  revision: 'revisions',
  release: 'releases',
  extid: 'releases',
  raw_extrinsic_metadata: 'releases',
}

/** Stores a stream of model objects bottom-up; see the module comment. */
export class ObjectSink {
  readonly #storage: Storage
  readonly #stats: LoadStats
  readonly #progress: ProgressTracker
  /** Objects stored (or found stored) during this load. */
  readonly #done = new IdSet()
  /** Objects that could not be stored (lost, or naming a lost object). */
  readonly #broken = new IdSet()
  /** Lost objects, in the order found. */
  readonly missing: string[] = []
  /** Why some of the lost objects are lost. */
  readonly reasons: string[] = []
  /** Metadata authorities and fetchers registered during this load. */
  readonly #registered = new Set<string>()
  #contents: ContentWithData[] = []
  #contentBytes = 0

  constructor(storage: Storage, stats: LoadStats, progress: ProgressTracker) {
    this.#storage = storage
    this.#stats = stats
    this.#progress = progress
  }

  seen(id: string): boolean {
    return this.#done.has(id) || this.#broken.has(id)
  }

  broken(id: string): boolean {
    return this.#broken.has(id)
  }

  lost(id: string, reason?: string): void {
    if (reason !== undefined) this.reasons.push(reason)
    if (this.#broken.add(id)) this.missing.push(id)
  }

  /** Stores `obj` unless it names a lost object, or was already seen. */
  async add(obj: ModelObject): Promise<void> {
    this.#progress.begin(PHASE_OF[obj.type])
    switch (obj.type) {
      case 'content': {
        const c = obj.object
        if (this.seen(c.sha1Git)) return
        this.#contents.push(c)
        this.#contentBytes += c.length
        this.#done.add(c.sha1Git)
        this.#stats.contents++
        this.#stats.contentBytes += c.length
        this.#progress.advance('contents', 1, c.length)
        if (this.#contents.length >= CONTENT_BATCH || this.#contentBytes >= CONTENT_BATCH_BYTES)
          await this.flush()
        return
      }
      case 'skipped_content': {
        const c = obj.object
        if (c.sha1Git !== null && this.seen(c.sha1Git)) return
        await this.#storage.skippedContentAdd([c])
        if (c.sha1Git !== null) this.#done.add(c.sha1Git)
        this.#stats.skippedContents++
        this.#progress.advance('contents', 1)
        return
      }
      case 'directory': {
        const d = obj.object
        if (!(await this.#admitDirectory(d))) return
        await this.#storage.directoryAdd([d])
        this.#done.add(d.id)
        this.#stats.directories++
        this.#progress.advance('directories', 1)
        return
      }
      case 'revision': {
        const r = obj.object
        const refs: Ref[] = [
          { id: r.directory, kind: 'directory' },
          ...r.parents.map((p): Ref => ({ id: p, kind: 'revision' })),
        ]
        if (!(await this.#admit(r.id, refs))) return
        await this.#storage.revisionAdd([r])
        this.#done.add(r.id)
        this.#stats.revisions++
        this.#progress.advance('revisions', 1)
        return
      }
      case 'release': {
        const r = obj.object
        const refs: Ref[] = r.target === null ? [] : [{ id: r.target, kind: r.targetType }]
        if (!(await this.#admit(r.id, refs))) return
        await this.#storage.releaseAdd([r])
        this.#done.add(r.id)
        this.#stats.releases++
        this.#progress.advance('releases', 1)
        return
      }
      case 'extid':
        return this.#addExtId(obj.object)
      case 'raw_extrinsic_metadata':
        return this.#addMetadata(obj.object)
    }
  }

  /** Sends the contents still batched. */
  async flush(): Promise<void> {
    if (this.#contents.length > 0) {
      this.#contentBytes = 0
      await this.#storage.contentAdd(this.#contents.splice(0))
    }
  }

  /** An ExtID is stored when its target is; one of a broken object is dropped. */
  async #addExtId(e: ExtId): Promise<void> {
    const kind = KIND_OF_SWHID_TYPE[e.target.type]
    if (!(await this.#admit(null, [{ id: e.target.id, kind }]))) return
    await this.#storage.extidAdd([e])
    this.#stats.extids++
  }

  /** A metadata record is stored when its target is (an origin's always). */
  async #addMetadata(m: RawExtrinsicMetadata): Promise<void> {
    const kind = (KIND_OF_SWHID_TYPE as Readonly<Record<string, ReleaseTargetType | undefined>>)[
      m.target.type
    ]
    if (kind === undefined) await this.flush()
    else if (!(await this.#admit(null, [{ id: m.target.id, kind }]))) return
    const a = `a ${m.authority.type} ${m.authority.url}`
    if (!this.#registered.has(a)) {
      await this.#storage.metadataAuthorityAdd([m.authority])
      this.#registered.add(a)
    }
    const f = `f ${m.fetcher.name} ${m.fetcher.version}`
    if (!this.#registered.has(f)) {
      await this.#storage.metadataFetcherAdd([m.fetcher])
      this.#registered.add(f)
    }
    await this.#storage.rawExtrinsicMetadataAdd([m])
  }

  /**
   * {@link #admit} of a directory. Loaders that change trees send the same unchanged entries
   * revision after revision, all stored in this load: those are told without a ref made per
   * entry.
   */
  async #admitDirectory(d: Directory): Promise<boolean> {
    if (this.seen(d.id)) return false
    let known = true
    const anyBroken = this.#broken.size > 0
    for (const e of d.entries)
      if (
        e.type !== 'rev' &&
        (!this.#done.has(e.target) || (anyBroken && this.#broken.has(e.target)))
      ) {
        known = false
        break
      }
    if (known) {
      await this.flush()
      return true
    }
    const refs = d.entries.flatMap((e): Ref[] =>
      e.type === 'file'
        ? [{ id: e.target, kind: 'content' }]
        : e.type === 'dir'
          ? [{ id: e.target, kind: 'directory' }]
          : [],
    )
    return this.#admit(d.id, refs)
  }

  /**
   * Whether the object `id` (null: not an object of the graph), naming `refs`, can be stored:
   * every ref is stored (in this load or before). Refs neither seen nor archived are lost; when
   * one is lost or broken the object is broken (not lost itself) and `false` is returned.
   */
  async #admit(id: string | null, refs: readonly Ref[]): Promise<boolean> {
    if (id !== null && this.seen(id)) return false
    await this.flush()
    let ok = true
    const unknown = new Map<ReleaseTargetType, string[]>()
    for (const r of refs) {
      if (this.#broken.has(r.id)) ok = false
      else if (!this.#done.has(r.id)) {
        const l = unknown.get(r.kind)
        if (l) l.push(r.id)
        else unknown.set(r.kind, [r.id])
      }
    }
    for (const [kind, ids] of unknown) {
      const todo = [...new Set(ids)]
      const absent = await missingIds(this.#storage, CORE_TYPE_OF[kind], todo)
      for (const r of todo) {
        if (absent.has(r)) {
          this.lost(r)
          ok = false
        } else this.#done.add(r)
      }
    }
    if (!ok && id !== null) this.#broken.add(id)
    return ok
  }
}
