/**
 * The Bazaar loader as a producer on the loader core: `brz branch` copies the branch into
 * scratch space, then the reader (`reader-script.ts`, run with Breezy's Python) streams the
 * revisions this archive lacks, parents first, each as the changes from the revision before it;
 * one {@link MutableTree} turns them into directories, bottom-up, and each revision is followed
 * by its `bzr-nodeid` ExtID. A re-visit tells the reader the revisions the previous snapshot
 * reaches (found back through their ExtIDs), so only new ones are read, the first of them diffed
 * against its parent's archived directory. Conventions: docs/loader-bzr.md.
 *
 * @module
 */

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { CorruptError, UnavailableError } from '../../errors.js'
import { makeExtId, sha1Hex, type SnapshotBranch, utf8 } from '../../model/index.js'
import { sshPinOptions } from '../../net/index.js'
import { type Child, startChild } from '../core/child.js'
import { contentObject } from '../core/content.js'
import { MutableTree } from '../core/tree.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { type RemoteUrl, scrubRemote } from '../origin-url.js'
import { branchInto, brzHome, bzrPython, sshCommand } from './brz.js'
import { bzrRevision, type BzrRevisionMeta, bzrTagRelease } from './convert.js'
import { FrameReader } from './frames.js'
import { BZR_READER_PY } from './reader-script.js'

/** The ExtID type and version of a Bazaar revision id, as Software Heritage's. */
export const BZR_EXTID_TYPE = 'bzr-nodeid'
export const BZR_EXTID_VERSION = 1

/** Bazaar's null revision (the parent of a first revision), hex of `null:`. */
const NULL_REVISION_HEX = Buffer.from('null:').toString('hex')

/** What the reader's `H` frame says. */
interface Header {
  readonly head: string | null
  readonly tags: readonly { readonly name: string; readonly target: string; readonly ok: boolean }[]
  readonly count: number
}

/** What the bzr producer is told besides the remote. */
export interface BzrProducerOptions {
  readonly maxContentSize: number
  /** File texts whose sha1_git the reader remembers (bytes not sent again). */
  readonly textCache?: number
}

const hexBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
const printable = (h: string): string => Buffer.from(h, 'hex').toString('utf8')

/** One visit of a Bazaar branch, as a {@link Producer}. */
export class BzrProducer implements Producer {
  readonly visitType = 'bzr'
  readonly origin: string
  readonly #remote: RemoteUrl
  readonly #opts: BzrProducerOptions
  #scratch: string | null = null
  #known: string[] = []
  #env: NodeJS.ProcessEnv = {}
  /** What the reader opens: the copy in scratch space, or the source itself when corrupt. */
  #source = ''
  #child: Child | null = null
  /** sha1_git of Bazaar revisions (hex of their ids): built by this visit or found archived. */
  readonly #shaOf = new Map<string, string | null>()
  /** Revisions that could not be read or named one that could not. */
  readonly #lost = new Set<string>()
  #branches: SnapshotBranch[] = []

  constructor(remote: RemoteUrl, opts: BzrProducerOptions) {
    this.#remote = remote
    this.origin = remote.originUrl
    this.#opts = opts
  }

  scrub(message: string): string {
    return scrubRemote(message, this.#remote)
  }

  async fetch(ctx: LoadContext): Promise<void> {
    this.#scratch = ctx.scratch('bzr')
    ctx.stats.fetches++
    // bzr:// and bzr+ssh:// are opened by brz itself: held to the checked address.
    let fetchUrl = this.#remote.fetchUrl
    let ssh: NodeJS.ProcessEnv = {}
    if (/^bzr(\+ssh)?:\/\//i.test(fetchUrl)) {
      const pinned = await ctx.pinUrl(fetchUrl)
      fetchUrl = pinned.url
      if (pinned.address !== null && /^bzr\+ssh:/i.test(fetchUrl))
        ssh = { BRZ_SSH: sshCommand(this.#scratch, sshPinOptions(pinned)) }
    }
    const { url, env } = brzHome(fetchUrl, this.#scratch, await ctx.egressProxy())
    this.#env = { ...env, ...ssh }
    this.#source = join(this.#scratch, 'branch')
    try {
      await branchInto(url, this.#source, env, ctx.signal)
    } catch (e) {
      // brz branch stops at the first corrupt object; read the source in place instead, so
      // that every revision that can be read is archived and the others are named.
      if (!isCorruption(e)) throw e
      this.#source = url
    }
    ctx.report('fetch', { objects: 1 })
    this.#known = await this.#previousRevisions(ctx)
  }

  /** Bazaar ids of the revisions the previous snapshot names (trunk, tags), through ExtIDs. */
  async #previousRevisions(ctx: LoadContext): Promise<string[]> {
    if (ctx.previousSnapshot === null) return []
    const revs: string[] = []
    const rels: string[] = []
    let from: Uint8Array | undefined
    for (;;) {
      const page = await ctx.storage.snapshotGetBranches(ctx.previousSnapshot, {
        ...(from ? { branchesFrom: from } : {}),
        branchesCount: 1000,
      })
      if (!page) break
      for (const b of page.branches) {
        if (b.target?.targetType === 'revision') revs.push(b.target.target)
        if (b.target?.targetType === 'release') rels.push(b.target.target)
      }
      if (page.nextBranch === null) break
      from = page.nextBranch
    }
    for (const r of await ctx.storage.releaseGet(rels))
      if (r?.target && r.targetType === 'revision') revs.push(r.target)
    const missing = new Set(await ctx.storage.revisionMissing(revs))
    const known = new Set<string>()
    for (const rev of new Set(revs)) {
      if (missing.has(rev)) continue
      const extids = await ctx.storage.extidGetFromTarget(
        { type: 'rev', id: rev },
        { extidType: BZR_EXTID_TYPE, version: BZR_EXTID_VERSION },
      )
      for (const e of extids) {
        const h = Buffer.from(e.extid).toString('hex')
        known.add(h)
        this.#shaOf.set(h, rev)
      }
    }
    return [...known]
  }

  /** The archived revision of Bazaar revision `h` (hex), through its ExtID; null if none. */
  async #resolve(ctx: LoadContext, h: string): Promise<string | null> {
    const cached = this.#shaOf.get(h)
    if (cached !== undefined) return cached
    const extids = await ctx.storage.extidGetFromExtid(BZR_EXTID_TYPE, [hexBytes(h)], {
      version: BZR_EXTID_VERSION,
    })
    const targets = extids.filter((e) => e.target.type === 'rev').map((e) => e.target.id)
    const missing = new Set(await ctx.storage.revisionMissing(targets))
    const found = targets.find((t) => !missing.has(t)) ?? null
    this.#shaOf.set(h, found)
    return found
  }

  #lose(ctx: LoadContext, h: string, reason: string): void {
    this.#lost.add(h)
    this.#shaOf.set(h, null)
    // The core counts lost objects by a 40-hex id: the sha1 of the Bazaar revision id stands in.
    ctx.unavailable(sha1Hex(hexBytes(h)), `Bazaar revision ${printable(h)} ${reason}`)
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject, void, undefined> {
    const scratch = this.#scratch!
    const script = join(scratch, 'bzr_reader.py')
    writeFileSync(script, BZR_READER_PY)
    const child = startChild(bzrPython(), [script, this.#source], {
      env: this.#env,
      stdin: 'pipe',
      stdout: 'pipe',
      signal: ctx.signal,
      maxStderr: 16384,
    })
    this.#child = child
    const stdin = child.proc.stdin!
    stdin.write(
      JSON.stringify({ known: this.#known, cache: this.#opts.textCache ?? 100_000 }) + '\n',
    )
    const reader = new FrameReader(child.proc.stdout!)
    const storage = ctx.storage
    let header: Header | null = null
    let tree = MutableTree.empty()
    let meta: BzrRevisionMeta | null = null
    let pending: { path: Uint8Array; perms: number } | null = null
    let done = 0
    let ended = false
    for (let f = await reader.next(); f !== null; f = await reader.next()) {
      const json = (): unknown => JSON.parse(f.payload.toString('utf8'))
      switch (f.type) {
        case 'H':
          header = json() as Header
          ctx.report('list', { objects: header.count, total: header.count })
          ctx.expect('revisions', header.count)
          break
        case 'Q': {
          const { base } = json() as { base: string }
          const rev = await this.#resolve(ctx, base)
          const [archived] = rev ? await storage.revisionGet([rev]) : [null]
          const ok =
            archived !== null &&
            archived !== undefined &&
            (await storage.directoryMissing([archived.directory])).length === 0
          if (ok) tree = MutableTree.fromDirectory(storage, archived.directory)
          stdin.write(ok ? '1\n' : '0\n')
          break
        }
        case 'R':
          meta = json() as BzrRevisionMeta
          break
        case 'D':
          await tree.remove(new Uint8Array(f.payload))
          break
        case 'M':
          await tree.mkdir(new Uint8Array(f.payload))
          break
        case 'F': {
          const file = json() as { path: string; perms: number; sha1: string | null }
          if (file.sha1 !== null)
            await tree.putLeaf(hexBytes(file.path), {
              type: 'file',
              perms: file.perms,
              target: file.sha1,
            })
          else pending = { path: hexBytes(file.path), perms: file.perms }
          break
        }
        case 'B': {
          if (!pending) throw new CorruptError('the Bazaar reader sent bytes for no file')
          const obj = contentObject(new Uint8Array(f.payload), {
            maxContentSize: this.#opts.maxContentSize,
            origin: this.origin,
          })
          ctx.stats.fetchedObjects++
          ctx.stats.fetchedBytes += f.payload.length
          const sha1Git = obj.object.sha1Git!
          if (!ctx.seen(sha1Git)) yield obj
          await tree.putLeaf(pending.path, { type: 'file', perms: pending.perms, target: sha1Git })
          pending = null
          break
        }
        case 'E': {
          if (!meta) throw new CorruptError('the Bazaar reader ended a revision it did not begin')
          for await (const dir of tree.flush()) yield { type: 'directory', object: dir }
          yield* this.#revision(ctx, meta, tree.rootId())
          meta = null
          ctx.report('fetch', { objects: ++done, total: header?.count ?? done })
          break
        }
        case 'X': {
          const { id, error } = json() as { id: string; error: string }
          this.#lose(ctx, id, `could not be read: ${error}`)
          tree = MutableTree.empty()
          meta = null
          pending = null
          break
        }
        case 'Z':
          ended = true
          break
        default:
          throw new CorruptError(`the Bazaar reader sent an unknown "${f.type}" frame`)
      }
    }
    stdin.end()
    const exit = await child.exited
    ctx.signal?.throwIfAborted()
    if (!ended || exit.code !== 0 || !header)
      throw new UnavailableError(
        `reading the Bazaar branch failed: ${exit.error?.message ?? lastLine(child.stderr())}`,
      )
    yield* this.#tags(ctx, header)
  }

  /** The revision of `meta` on `directory`, then its ExtID (or why it cannot be archived). */
  async *#revision(
    ctx: LoadContext,
    meta: BzrRevisionMeta,
    directory: string,
  ): AsyncGenerator<ModelObject, void, undefined> {
    const parents: string[] = []
    for (const p of meta.parents) {
      if (p === NULL_REVISION_HEX) continue
      if (this.#lost.has(p)) {
        this.#lose(ctx, meta.id, `names ${printable(p)}, which could not be archived`)
        return
      }
      // A parent neither built here nor archived (a ghost) is left out, as SWH's loader does.
      const sha = await this.#resolve(ctx, p)
      if (sha !== null) parents.push(sha)
    }
    const revision = bzrRevision(meta, directory, parents)
    this.#shaOf.set(meta.id, revision.id)
    yield { type: 'revision', object: revision }
    yield {
      type: 'extid',
      object: makeExtId({
        extidType: BZR_EXTID_TYPE,
        extidVersion: BZR_EXTID_VERSION,
        extid: hexBytes(meta.id),
        target: { type: 'rev', id: revision.id },
        payloadType: null,
        payload: null,
      }),
    }
  }

  /** Releases of the tags, and the branches: `tags/<name>`, `trunk`, `HEAD` → `trunk`. */
  async *#tags(ctx: LoadContext, header: Header): AsyncGenerator<ModelObject, void, undefined> {
    const branches: SnapshotBranch[] = []
    for (const tag of header.tags) {
      const name = Buffer.concat([Buffer.from('tags/'), Buffer.from(tag.name, 'hex')])
      const target = tag.ok ? await this.#resolve(ctx, tag.target) : null
      if (target === null) {
        branches.push({ name, target: null })
        continue
      }
      const release = bzrTagRelease(hexBytes(tag.name), target)
      yield { type: 'release', object: release }
      branches.push({ name, target: { targetType: 'release', target: release.id } })
    }
    if (header.head !== null) {
      const head = await this.#resolve(ctx, header.head)
      branches.push({
        name: utf8('trunk'),
        target: head === null ? null : { targetType: 'revision', target: head },
      })
      branches.push({ name: utf8('HEAD'), target: { targetType: 'alias', target: utf8('trunk') } })
    }
    this.#branches = branches
  }

  branches(ctx: LoadContext): Promise<SnapshotBranch[]> {
    return Promise.resolve(
      this.#branches.map((b) =>
        b.target !== null && b.target.targetType !== 'alias' && ctx.broken(b.target.target)
          ? { name: b.name, target: null }
          : b,
      ),
    )
  }

  async cleanup(): Promise<void> {
    await this.#child?.kill()
  }
}

/** Whether `e` is brz's failure on a corrupt or incomplete repository. */
function isCorruption(e: unknown): boolean {
  return (
    e instanceof UnavailableError &&
    /corrupt|decompress|NoSuchRevision|RevisionNotPresent|not present|missing/i.test(e.message)
  )
}

function lastLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '')
  return lines[lines.length - 1] ?? 'no message'
}
