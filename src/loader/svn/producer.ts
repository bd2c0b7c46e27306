/**
 * One visit of a Subversion origin, as a {@link Producer}, following Software Heritage's svn
 * loader: `svn info` of the origin; a local repository to read (the origin's own for
 * `file://`, else a mirror loaded from `svnrdump dump` of the repository root up to the head
 * revision); then the whole history replayed from a full-text `svnadmin dump`, and one
 * revision yielded per svn revision that changes the origin's path (`…/repo/trunk` is a
 * sub-path: its revisions are those touching it, their directory its subtree). A re-visit
 * replays from the start too (as SWH does, so that every file's properties are known) but
 * yields revisions only after the last one loaded, once the replay of that one gives the
 * archived revision again; when it does not (history rewritten, another repository UUID),
 * every revision is yielded again, the first with the archived head as parent, as SWH does.
 * The snapshot has one branch, `HEAD`, to the last revision.
 *
 * @module
 */

import { ArcaError, NotFoundError } from '../../errors.js'
import { bytesEqual, type SnapshotBranch, utf8 } from '../../model/index.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { type RemoteUrl, scrubRemote, splitRemoteUrl } from '../origin-url.js'
import { remoteChanges } from './changes.js'
import { type DumpNode, readDump, type SvnProps } from './dump.js'
import { EMPTY_DIR, SvnReplay } from './replay.js'
import {
  localRepository,
  pinnedSvnUrl,
  type PropsUnder,
  type SvnAccess,
  type SvnAuth,
  type SvnInfo,
  svnInfo,
} from './repo.js'
import { type Loaded, resumeState } from './resume.js'
import { svnRevision } from './revision.js'
import { startTool, stopTool } from './tools.js'

/** The snapshot's one branch. */
export const SVN_BRANCH = utf8('HEAD')

/** Raised inside the replay when the last loaded revision is not found again. */
class HistoryAltered extends Error {}

/** What the svn producer is told besides the remote. */
export interface SvnProducerOptions {
  readonly maxContentSize: number
}

/** One visit of a Subversion repository (or a path in one). */
export class SvnProducer implements Producer {
  readonly visitType = 'svn'
  readonly origin: string
  readonly #remote: RemoteUrl
  readonly #opts: SvnProducerOptions
  #info: SvnInfo | null = null
  #repo: string | null = null
  #loaded: Loaded | null = null
  #head: string | null = null
  #proxy: string | null = null
  /** The state at the last loaded revision, when the visit resumes after it. */
  #resume: PropsUnder | null = null
  /** The last loaded revision is not found again: everything is loaded again. */
  #altered = false
  /** There are revisions to replay. */
  #fresh = false
  #auth: SvnAuth | null = null
  /** svn's ssh tunnel for a pinned `svn+ssh://` URL. */
  #tunnel: string | null = null

  constructor(remote: RemoteUrl, opts: SvnProducerOptions) {
    this.#remote = remote
    this.origin = remote.originUrl
    this.#opts = opts
  }

  scrub(message: string): string {
    return scrubRemote(message, this.#remote)
  }

  /** The URL for the tools (no userinfo) and the credentials apart. */
  #target(): { url: string; auth: SvnAuth | null } {
    const u = this.#remote.fetchUrl
    // A local path is given to the tools as its file:// URL (the origin).
    if (!/^[a-z+]+:\/\//i.test(u)) return { url: this.#remote.originUrl, auth: null }
    const parsed = new URL(u)
    if (parsed.username === '' && parsed.password === '') return { url: u, auth: null }
    const auth = {
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
    }
    parsed.username = ''
    parsed.password = ''
    return { url: parsed.toString(), auth }
  }

  async fetch(ctx: LoadContext): Promise<void> {
    const { url: given, auth } = this.#target()
    this.#auth = auth
    const proxy = await ctx.egressProxy()
    this.#proxy = proxy
    // svn:// and svn+ssh:// are opened by the tools themselves: held to the checked address.
    const { url, access } = await pinnedSvnUrl(given, { auth, proxy, signal: ctx.signal }, (u) =>
      ctx.pinUrl(u),
    )
    this.#tunnel = access.tunnel ?? null
    const info = await svnInfo(url, access)
    this.#info = info
    ctx.report('list', { objects: info.head })
    const loaded = (this.#loaded = await this.#previous(ctx))
    // SWH's check of the last loaded revision, then where to resume.
    if (loaded !== null && loaded.rev <= info.head) {
      this.#resume = await resumeState(loaded, info, {
        origin: this.origin,
        maxContentSize: this.#opts.maxContentSize,
        scratch: ctx.scratch('svncheck'),
        access,
        // under a network policy, what the export's externals reach is checked first
        reach:
          proxy === null
            ? undefined
            : {
                pin: (u) => ctx.pinUrl(u, { optional: true }),
                allowDisk: /^file:/i.test(given),
              },
      })
      this.#altered = this.#resume === null
      // Nothing new and nothing rewritten: no dump at all.
      if (this.#resume !== null && loaded.rev === info.head) return
      // New revisions of a remote repository: read from it, no mirror.
      if (this.#resume !== null && !info.root.startsWith('file://')) {
        this.#fresh = true
        ctx.report('fetch', { objects: info.head - loaded.rev })
        return
      }
    }
    this.#fresh = true
    this.#repo = await localRepository(info, ctx.scratch('svn'), access)
    const local = info.root.startsWith('file://')
    if (!local) ctx.stats.fetchedObjects = info.head + 1 // the mirror's revisions
    ctx.stats.fetches++
    const resumed = this.#resume !== null && loaded !== null && local
    ctx.report('fetch', { objects: resumed ? info.head - loaded.rev : info.head + 1 })
  }

  /** The head revision of the previous snapshot, with its `svn_revision`. */
  async #previous(ctx: LoadContext): Promise<Loaded | null> {
    if (ctx.previousSnapshot === null) return null
    const [snp] = await ctx.storage.snapshotGet([ctx.previousSnapshot])
    const head = snp?.branches.find((b) => bytesEqual(b.name, SVN_BRANCH))
    if (!head?.target || head.target.targetType !== 'revision') return null
    const [rev] = await ctx.storage.revisionGet([head.target.target])
    const header = rev?.extraHeaders.find(([k]) => bytesEqual(k, utf8('svn_revision')))
    if (!rev || !header) return null
    const n = Number(Buffer.from(header[1]).toString('latin1'))
    if (!Number.isSafeInteger(n) || n < 0) return null
    return { id: rev.id, rev: n, parents: rev.parents, directory: rev.directory }
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject> {
    const loaded = this.#loaded
    if (loaded !== null && this.#resume !== null) {
      this.#head = loaded.id
      if (this.#fresh) yield* this.#replay(ctx, null, loaded.id, loaded)
      return
    }
    // SWH reloads every revision, the first one still with the archived head as parent.
    if (loaded !== null && this.#altered) {
      yield* this.#replay(ctx, null, loaded.id)
      return
    }
    try {
      yield* this.#replay(ctx, this.#loaded)
    } catch (e) {
      if (!(e instanceof HistoryAltered)) throw e
      // SWH reloads every revision, the first one still with the archived head as parent.
      yield* this.#replay(ctx, null, this.#loaded!.id)
    }
  }

  /**
   * Replays the dump: of every revision, or (`from`) of those after the one resumed from; with
   * `loaded`, the revisions up to it are archived already and checked, not yielded.
   */
  async *#replay(
    ctx: LoadContext,
    loaded: Loaded | null,
    firstParent?: string,
    from?: Loaded,
  ): AsyncGenerator<ModelObject> {
    const info = this.#info!
    const repo = this.#repo
    const access: SvnAccess = {
      auth: this.#auth,
      proxy: this.#proxy,
      tunnel: this.#tunnel,
      signal: ctx.signal,
    }
    const replay = new SvnReplay({
      storage: ctx.storage,
      repo,
      repoUrl: repo !== null ? `file://${repo}` : info.root,
      access,
      maxContentSize: this.#opts.maxContentSize,
      origin: this.origin,
      rootUrl: info.root,
      scratch: ctx.scratch('svnext'),
      proxy: this.#proxy,
      pinUrl: (u) => ctx.pinUrl(u, { optional: true }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })
    if (from) yield* replay.resume(from.rev, from.directory, info.subpath, this.#resume!)
    const range = from
      ? ['--incremental', '-r', `${from.rev + 1}:${info.head}`]
      : ['-r', `0:${info.head}`]
    // The dump of the local repository; without one (a remote re-visit), its new revisions.
    const dump =
      repo === null
        ? null
        : startTool(
            'svnadmin',
            ['dump', '-q', ...range, repo],
            ctx.signal ? { signal: ctx.signal } : {},
          )
    const records =
      dump !== null
        ? readDump(dump.stdout)
        : remoteChanges(info.root, from!.rev + 1, info.head, access)
    let parents: string[] = loaded ? [loaded.id] : firstParent ? [firstParent] : []
    this.#head = loaded ? loaded.id : from ? from.id : null
    let checked = loaded === null
    let uuid = info.uuid
    let current: { rev: number; props: SvnProps; changes: boolean } | null = null
    const subpath = info.subpath
    // SWH's test on the changed paths of `svn log` (`/trunk/a`): one starts with the origin's
    // path (`/trunk`, or nothing for the root), or is a copy to an ancestor of it.
    const originDir = subpath.length === 0 ? subpath : slashed(subpath)
    const touches = (n: DumpNode): boolean =>
      startsWith(slashed(n.path), originDir) ||
      (n.copyfromRev !== null && startsWith(originDir, slashed(n.path)))

    // Up to the last loaded revision, everything is archived (the previous visit stored its
    // objects before its snapshot): replayed for the tree, not yielded again.
    const archived = (rev: number): boolean => loaded !== null && rev <= loaded.rev
    const finish = async function* (this: SvnProducer): AsyncGenerator<ModelObject> {
      const c = current!
      const root = yield* quietly(replay.end(c.rev, ctx), archived(c.rev))
      const wanted = c.changes || info.head === 0
      const isLast = loaded !== null && c.rev === loaded.rev
      if (!isLast && (!wanted || (loaded !== null && c.rev < loaded.rev))) return
      let dir = subpath.length === 0 ? root : await replay.dirAt(subpath)
      if (dir === null) {
        if (!ctx.seen(EMPTY_DIR.id)) yield { type: 'directory', object: EMPTY_DIR }
        dir = EMPTY_DIR.id
      }
      if (isLast) {
        const again = svnRevision({
          rev: c.rev,
          props: c.props,
          uuid,
          directory: dir,
          parents: loaded.parents,
        })
        if (again.id !== loaded.id) throw new HistoryAltered()
        checked = true
        return
      }
      const revision = svnRevision({ rev: c.rev, props: c.props, uuid, directory: dir, parents })
      yield { type: 'revision', object: revision }
      parents = [revision.id]
      this.#head = revision.id
    }.bind(this)

    try {
      for await (const rec of records) {
        ctx.signal?.throwIfAborted()
        if (rec.kind === 'uuid') uuid = rec.uuid
        else if (rec.kind === 'revision') {
          // the revisions read from the repository (a remote's mirror is counted in fetch)
          if (dump === null || info.root.startsWith('file://')) ctx.stats.fetchedObjects++
          if (current) yield* finish()
          current = { rev: rec.rev, props: rec.props, changes: false }
        } else {
          if (!current) throw new ArcaError('corrupt', 'the dump has a node before any revision')
          if (touches(rec)) current.changes = true
          yield* quietly(replay.apply(rec, current.rev, ctx), archived(current.rev))
        }
      }
      if (current) yield* finish()
      await dump?.done
    } finally {
      if (dump) await stopTool(dump)
    }
    await ctx.referOrigins(origins(replay.externals))
    if (!checked) throw new HistoryAltered()
  }

  branches(): Promise<readonly SnapshotBranch[]> {
    if (this.#head === null)
      return Promise.reject(
        new NotFoundError(`no revision of the repository changes ${this.origin}`),
      )
    return Promise.resolve([
      { name: SVN_BRANCH, target: { targetType: 'revision', target: this.#head } },
    ])
  }
}

/**
 * The objects of `gen` unless `quiet` (then only run), and its return value; `gen` itself when
 * not quiet (one generator less for every object to pass through).
 */
function quietly<R>(
  gen: AsyncGenerator<ModelObject, R>,
  quiet: boolean,
): AsyncGenerator<ModelObject, R> {
  return quiet ? silenced(gen) : gen
}

/** Runs `gen`, dropping its objects (a generator of none, for `yield*`). */
// eslint-disable-next-line require-yield
async function* silenced<R>(gen: AsyncGenerator<ModelObject, R>): AsyncGenerator<never, R> {
  for (;;) {
    const next = await gen.next()
    if (next.done) return next.value
  }
}

/** Origin URLs (normalised, without credentials) of external URLs; unreadable ones skipped. */
function origins(urls: Iterable<string>): string[] {
  const out = new Set<string>()
  for (const u of urls)
    try {
      out.add(splitRemoteUrl(u).originUrl)
    } catch {
      // not a URL the archive can record
    }
  return [...out]
}

/** `/` + path: the form of Subversion's changed paths. */
function slashed(path: Uint8Array): Uint8Array {
  const out = new Uint8Array(path.length + 1)
  out[0] = 0x2f
  out.set(path, 1)
  return out
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > a.length) return false
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false
  return true
}
