/**
 * The git loader as a producer on the loader core: list the remote's refs with Arca's own
 * protocol v2 client (or let the git binary fetch everything from a v0-only server), fetch only
 * what the archive lacks (`fetch.ts`), yield the pack's objects bottom-up (`ingest.ts`), and
 * name the snapshot's branches by git's ref rules (`fromdisk/git-refs.ts`). Nothing is yielded
 * before the whole pack arrived and was indexed by git.
 *
 * @module
 */

import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { keptRefs, refsToBranches } from '../../fromdisk/index.js'
import type { ReleaseTargetType, SnapshotBranch } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { type RemoteUrl, scrubRemote } from '../origin-url.js'
import type { GitObjectType } from './cat-file.js'
import { fallbackFetch } from './fallback.js'
import { fetchNew, type FetchTarget } from './fetch.js'
import { packObjects } from './ingest.js'
import { PackIndex } from './pack-index.js'
import { ProtocolV0Error, type RemoteRef, UploadPackSession } from './protocol.js'

/** Bytes of the packs in the repository `scratch` (what the git binary fetched). */
function packBytes(scratch: string): number {
  const dir = join(scratch, 'objects', 'pack')
  if (!existsSync(dir)) return 0
  return readdirSync(dir)
    .filter((n) => n.endsWith('.pack'))
    .reduce((sum, n) => sum + statSync(join(dir, n)).size, 0)
}

const TARGET_OF_GIT: Readonly<Record<GitObjectType, ReleaseTargetType>> = {
  blob: 'content',
  tree: 'directory',
  commit: 'revision',
  tag: 'release',
}

/** What the git producer is told besides the remote. */
export interface GitProducerOptions {
  readonly maxContentSize: number
  /** Origin URLs (normalised) this one is a fork of. */
  readonly forkOf: readonly string[]
  readonly stallTimeoutMs?: number
  /** Every connection checked under this policy (fetches made on someone's request). */
  readonly network?: NetPolicy
}

/** One visit of a git remote, as a {@link Producer}. */
export class GitProducer implements Producer {
  readonly visitType = 'git'
  readonly origin: string
  readonly #remote: RemoteUrl
  readonly #opts: GitProducerOptions
  #refs: RemoteRef[] = []
  #tips: Set<string> | null = null
  #archived: ReadonlyMap<string, ReleaseTargetType> = new Map()
  #scratch: string | null = null
  #pack: PackIndex | null = null

  constructor(remote: RemoteUrl, opts: GitProducerOptions) {
    this.#remote = remote
    this.origin = remote.originUrl
    this.#opts = opts
  }

  scrub(message: string): string {
    return scrubRemote(message, this.#remote)
  }

  get #target(): FetchTarget {
    return {
      url: this.origin,
      fetchUrl: this.#remote.fetchUrl,
      session: {
        ...(this.#opts.stallTimeoutMs === undefined
          ? {}
          : { stallTimeoutMs: this.#opts.stallTimeoutMs }),
        ...(this.#opts.network ? { network: this.#opts.network } : {}),
      },
      forkOf: this.#opts.forkOf,
    }
  }

  async fetch(ctx: LoadContext): Promise<void> {
    const target = this.#target
    let session: UploadPackSession | null = null
    try {
      session = await UploadPackSession.open(target.fetchUrl, ctx.signal, target.session)
      this.#refs = keptRefs(await session.lsRefs(ctx.signal))
    } catch (e) {
      await session?.close()
      session = null
      if (!(e instanceof ProtocolV0Error)) throw e
    }
    try {
      if (session === null) {
        // Protocol v0 only: let the git binary fetch everything, then store what is new.
        this.#scratch = ctx.scratch('git')
        this.#refs = keptRefs(
          await fallbackFetch(target.fetchUrl, this.#scratch, ctx.signal, this.#opts.network),
        )
        ctx.report('list', { objects: this.#refs.length })
        // What git received, for the statistics and the visit's size limit.
        ctx.stats.fetches++
        ctx.stats.fetchedBytes += packBytes(this.#scratch)
      } else {
        ctx.report('list', { objects: this.#refs.length })
        const fetched = await fetchNew(ctx, target, session, this.#refs)
        this.#archived = fetched.archived
        this.#scratch = fetched.scratch
      }
    } finally {
      await session?.close()
    }
    if (this.#scratch) {
      this.#pack = await PackIndex.build(this.#scratch)
      ctx.stats.fetchedObjects = this.#pack.size
      ctx.report('fetch', { objects: this.#pack.size, bytes: ctx.stats.fetchedBytes })
    }
  }

  objects(ctx: LoadContext): AsyncIterable<ModelObject> {
    if (!this.#scratch || !this.#pack) return (async function* () {})()
    return packObjects(ctx, {
      url: this.origin,
      scratch: this.#scratch,
      pack: this.#pack,
      maxContentSize: this.#opts.maxContentSize,
      isTip: (oid) => {
        this.#tips ??= new Set(this.#refs.flatMap((r) => (r.oid ? [r.oid] : [])))
        return this.#tips.has(oid)
      },
    })
  }

  /** The branches of the kept refs; a ref whose object is not archived is dangling. */
  async branches(ctx: LoadContext): Promise<SnapshotBranch[]> {
    const refs = this.#refs
    const oids = [...new Set(refs.flatMap((r) => (r.oid && !r.symref ? [r.oid] : [])))]
    const typeOf = new Map<string, ReleaseTargetType>()
    const unknown: string[] = []
    for (const o of oids) {
      const packType = this.#pack?.type(o)
      if (packType && !ctx.broken(o)) typeOf.set(o, TARGET_OF_GIT[packType])
      else if (this.#archived.has(o)) typeOf.set(o, this.#archived.get(o)!)
      else if (!ctx.broken(o)) unknown.push(o)
    }
    for (const [o, k] of await ctx.classify(unknown)) typeOf.set(o, k)
    return refsToBranches(refs, (oid) => {
      const t = typeOf.get(oid)
      return t ? { targetType: t, target: oid } : null
    })
  }
}
