/**
 * The loader core's vocabulary: the model objects a producer yields, the context it works in,
 * the producer interface itself, and the options, progress events, statistics and result of a
 * load. Nothing here is about one kind of source: git, Mercurial, Subversion, Bazaar, CVS,
 * tarballs and packages are all producers of the same stream.
 *
 * @module
 */

import type {
  Directory,
  ExtId,
  RawExtrinsicMetadata,
  Release,
  ReleaseTargetType,
  Revision,
  SkippedContent,
  SnapshotBranch,
  VisitStatusValue,
} from '../../model/index.js'
import type { NetPolicy, PinnedUrl } from '../../net/index.js'
import type { Storage } from '../../storage/index.js'

/** A content with its bytes, as the storage takes it. */
export type ContentWithData = Parameters<Storage['contentAdd']>[0][number]

/**
 * One object of the stream a producer yields, bottom-up: a directory after every entry it
 * names, a revision after its directory and parents, a release after its target, an ExtID after
 * the object it maps to. Objects named but not yielded must already be in the archive.
 */
export type ModelObject =
  | { readonly type: 'content'; readonly object: ContentWithData }
  | { readonly type: 'skipped_content'; readonly object: SkippedContent }
  | { readonly type: 'directory'; readonly object: Directory }
  | { readonly type: 'revision'; readonly object: Revision }
  | { readonly type: 'release'; readonly object: Release }
  | { readonly type: 'extid'; readonly object: ExtId }
  /** Stored when its target is (authority and fetcher registered first). */
  | { readonly type: 'raw_extrinsic_metadata'; readonly object: RawExtrinsicMetadata }

/** Phases of a load, in order; progress events name the phase they count. */
export type LoadPhase =
  'list' | 'fetch' | 'contents' | 'directories' | 'revisions' | 'releases' | 'snapshot' | 'done'

/** Typed progress events (for progress bars and logs). Each phase counts only its own work. */
export interface LoadProgress {
  readonly phase: LoadPhase
  /**
   * Objects of this phase so far: listed refs/branches (list), objects received once known
   * (fetch), objects stored (contents … releases), branches (snapshot); for `done`, every
   * object the load stored.
   */
  readonly objects: number
  /** Objects of this phase in all, when known. */
  readonly total?: number
  /** Bytes of this phase: received (fetch), content bytes stored (contents, done); else 0. */
  readonly bytes: number
  /** Time since the phase began (for `done`: since the load began), for rates. */
  readonly elapsedMs: number
}

/** Counts of what a load stored and received. */
export interface LoadStats {
  contents: number
  contentBytes: number
  skippedContents: number
  directories: number
  revisions: number
  releases: number
  extids: number
  /** Objects received from the source. */
  fetchedObjects: number
  fetchedBytes: number
  /** Fetch requests made to the source. */
  fetches: number
}

/** Options every load takes (a loader adds its own). */
export interface LoadOptions {
  /** The storage, with the writer layers (validate, buffer, filter, journal). */
  readonly storage: Storage
  /** Directory for scratch space (removed at the end). */
  readonly scratchDir: string
  readonly onProgress?: (p: LoadProgress) => void
  readonly signal?: AbortSignal
  /** Visit date (default: now, to the microsecond). */
  readonly date?: Date
  /**
   * For a fetch made on someone's request: what the source may be (`checkUrl` before the
   * visit) and every connection reach (see docs/security.md). Unset: unrestricted (the
   * operator's own `arca save`).
   */
  readonly network?: NetPolicy
  /** The visit is aborted after this long, and fails ("time limit of N s exceeded"). */
  readonly timeLimitMs?: number
  /**
   * A visit receiving more than this many bytes from the source is stopped, and fails naming
   * the limit (counted as the producer reports its `fetch` bytes).
   */
  readonly maxFetchBytes?: number
}

/** Outcome of a visit. */
export interface LoadResult {
  readonly origin: string
  readonly visit: number
  readonly status: VisitStatusValue
  readonly snapshot: string | null
  /** Whether the snapshot differs from the previous visit's. */
  readonly eventful: boolean
  readonly message: string | null
  readonly stats: LoadStats
  /** Objects the source lacks or holds corrupt. */
  readonly missing: readonly string[]
  /**
   * Other repositories the loaded one refers to (git submodules, Mercurial subrepositories,
   * Subversion externals), recorded as origins for a later visit.
   */
  readonly submodules: readonly string[]
}

/** What the core lends a producer during a load. */
export interface LoadContext {
  readonly storage: Storage
  /** The date of the visit (extrinsic metadata found during it is discovered then). */
  readonly visitDate: Date
  readonly signal: AbortSignal | undefined
  /** The snapshot of this origin's latest full or partial visit, if any. */
  readonly previousSnapshot: string | null
  /** Statistics; a producer counts what it receives (`fetched*`, `fetches`), the core the rest. */
  readonly stats: LoadStats
  /** Reports progress of a phase the producer runs (`list`, `fetch`): absolute values. */
  report(
    phase: LoadPhase,
    p: { readonly objects?: number; readonly bytes?: number; readonly total?: number },
  ): void
  /** Announces how many objects a storing phase will see (for progress totals). */
  expect(phase: LoadPhase, total: number): void
  /** A fresh scratch directory (`<kind>-<pid>-…` under the scratch dir), removed at the end. */
  scratch(kind: string): string
  /** Whether `id` was stored, found archived, or could not be stored during this load. */
  seen(id: string): boolean
  /** Whether `id` could not be stored (lost itself, or naming a lost object). */
  broken(id: string): boolean
  /** `id` is missing or corrupt at the source: it, and whatever names it, is not stored. */
  lost(id: string): void
  /** Like {@link lost}, with why (shown in the visit's message, e.g. a ref that could not be fetched). */
  unavailable(id: string, reason: string): void
  /** The kinds of those `ids` that the archive holds. */
  classify(ids: readonly string[]): Promise<Map<string, ReleaseTargetType>>
  /** Records other repositories the source refers to as origins (see {@link LoadResult.submodules}). */
  referOrigins(urls: readonly string[]): Promise<void>
  /**
   * Under the load's network policy, the address (`http://127.0.0.1:PORT`) of a forward proxy
   * that connects only where the policy allows, to the address it checked, every redirect and
   * tunnel included: the HTTP(S) proxy to give the tools a producer runs (`hg`, `svn`, `brz`).
   * Null when the load has no policy. Started on first use, stopped when the load ends; a
   * load that failed after a refusal says so in its message.
   */
  egressProxy(): Promise<string | null>
  /**
   * Under the load's network policy, `url` checked and held to the checked address (its host
   * replaced by it, see `pinUrl`): what a producer gives a tool that connects by itself outside
   * HTTP(S) (`svn://`, `bzr://`, `rsync://`, ssh, a CVS pserver), so that the tool never
   * resolves the name again. Without a policy, `url` unchanged (`address` null). Refused: a
   * ForbiddenError naming why, also kept as the reason of a load that then fails, unless
   * `optional` (a part the load leaves out when refused, such as an svn external).
   */
  pinUrl(url: string, options?: { readonly optional?: boolean }): Promise<PinnedUrl>
}

/**
 * A source of model objects: one loader. The core ({@link runLoad}) opens the visit, calls
 * `fetch`, stores what `objects` yields through the shared sink, makes the snapshot of
 * `branches`, ends the visit with its status and always calls `cleanup`.
 */
export interface Producer {
  /** The visit type recorded (`git`, `hg`, `svn`, `bzr`, `cvs`, `tar`, …). */
  readonly visitType: string
  /** The origin URL as recorded (normalised, without credentials). */
  readonly origin: string
  /** Makes a message safe to store and show (e.g. removes credentials). */
  scrub?(message: string): string
  /**
   * Lists the source and brings what the archive lacks into scratch space. Throws an
   * `ArcaError` with code `not_found` when there is no such source (visit `not_found`).
   */
  fetch(ctx: LoadContext): Promise<void>
  /** What was fetched, as model objects, bottom-up (see {@link ModelObject}). */
  objects(ctx: LoadContext): AsyncIterable<ModelObject>
  /**
   * The snapshot's branches, typed; a branch whose object could not be archived has a null
   * target. Called after every object was stored.
   */
  branches(ctx: LoadContext): Promise<readonly SnapshotBranch[]>
  /**
   * Objects stored once the snapshot is (its extrinsic metadata, the origin's), before the
   * visit ends.
   */
  afterSnapshot?(ctx: LoadContext, snapshot: string): readonly ModelObject[]
  /** Releases what the producer holds (processes, files); called once, whatever happened. */
  cleanup?(): Promise<void> | void
}
