/**
 * The Mercurial loader as a producer on the loader core. `fetch` clones the remote into
 * scratch space with `hg clone` and lists its changesets; those whose `hg-nodeid` ExtID names
 * an archived revision (from any origin) are known and not loaded again. `objects` runs Arca's
 * reader (`libexec/hg-read.py`), which streams the other changesets in revision order, each as
 * the changes of its manifest from the previously streamed one (the first from its archived
 * parent on a re-visit, or from nothing), with the bytes of files not sent before. One
 * {@link MutableTree} follows the stream: only changed directories are flushed and stored.
 * Then the revision, its ExtID, and at the end the releases of the tags; `branches` names the
 * snapshot's branches by Software Heritage's rules (`convert.ts`).
 *
 * Memory holds the tree of one changeset, 21 bytes per changeset of the repository (its
 * revision id), and the reader's cache of file node → content id (bounded).
 *
 * @module
 */

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { CorruptError, IoError } from '../../errors.js'
import { fromHex, type SnapshotBranch, toHex } from '../../model/index.js'
import { sshPinOptions } from '../../net/index.js'
import { type Child, startChild } from '../core/child.js'
import { contentObject } from '../core/content.js'
import { MutableTree, type TreeLeaf } from '../core/tree.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { type RemoteUrl, scrubRemote } from '../origin-url.js'
import {
  type Bookmark,
  type BranchingState,
  changesetRevision,
  EXTID_TYPE,
  EXTID_VERSION,
  type Head,
  hgBranches,
  nodeExtId,
  parseChangeset,
  type Tag,
  tagRelease,
} from './convert.js'
import { ascii, type Frame, int, readFrames } from './frames.js'
import {
  HG_READER,
  hgClone,
  hgEnv,
  hgPython,
  type HgSource,
  prepareSource,
  treeBytes,
} from './hg-command.js'

/** Nodes looked up per ExtID request. */
const LOOKUP_BATCH = 1000

const PERMS: Readonly<Record<string, number>> = { '': 0o100644, x: 0o100755, l: 0o120000 }

/** What the Mercurial producer is told besides the remote. */
export interface HgProducerOptions {
  readonly maxContentSize: number
  /** An HTTP(S) server that sends nothing for this long is given up. */
  readonly stallTimeoutMs: number
}

/** A change of the tree, applied when its changeset's frames are all read. */
interface Op {
  readonly path: Buffer
  /** What the path holds now; null: removed. */
  readonly leaf: TreeLeaf | null
}

/** One visit of a Mercurial repository, as a {@link Producer}. */
export class HgProducer implements Producer {
  readonly visitType = 'hg'
  readonly origin: string
  readonly #remote: RemoteUrl
  readonly #opts: HgProducerOptions
  #src: HgSource | null = null
  #repo: string | null = null
  #known: string | null = null
  /** Revision id of each revision number (20 bytes each), valid where {@link #have} is 1. */
  #revIds = new Uint8Array(0)
  #have = new Uint8Array(0)
  #state: BranchingState = { heads: [], bookmarks: [], tags: [] }
  readonly #releases = new Map<string, string>()
  readonly #children = new Set<Child>()

  constructor(remote: RemoteUrl, opts: HgProducerOptions) {
    this.#remote = remote
    this.origin = remote.originUrl
    this.#opts = opts
  }

  scrub(message: string): string {
    return scrubRemote(message, this.#remote)
  }

  async fetch(ctx: LoadContext): Promise<void> {
    const scratch = ctx.scratch('hg')
    // ssh:// is opened by ssh itself: held to the checked address, the host key checked by name.
    let remote = this.#remote
    let sshOptions: string[] = []
    if (/^ssh:\/\//i.test(remote.fetchUrl)) {
      const pinned = await ctx.pinUrl(remote.fetchUrl)
      if (pinned.address !== null) {
        remote = { ...remote, fetchUrl: pinned.url }
        sshOptions = sshPinOptions(pinned)
      }
    }
    this.#src = prepareSource(
      remote,
      scratch,
      Math.ceil(this.#opts.stallTimeoutMs / 1000),
      await ctx.egressProxy(),
      sshOptions,
    )
    this.#repo = join(scratch, 'repo')
    await hgClone(this.#src, this.#repo, ctx.signal)
    ctx.stats.fetches++
    ctx.stats.fetchedBytes = treeBytes(join(this.#repo, '.hg'))
    let listed = 0
    let batch: { rev: number; node: Buffer }[] = []
    for await (const f of this.#read(ctx, ['list', this.#repo])) {
      if (f.kind === 'n') {
        const n = int(f.fields[0])
        this.#revIds = new Uint8Array(20 * n)
        this.#have = new Uint8Array(n)
      } else if (f.kind === 'N') {
        batch.push({ rev: int(f.fields[0]), node: f.fields[1]! })
        listed++
        if (batch.length >= LOOKUP_BATCH) {
          await this.#lookUp(ctx, batch)
          batch = []
          ctx.report('list', { objects: listed })
        }
      }
    }
    await this.#lookUp(ctx, batch)
    ctx.report('list', { objects: listed })
    ctx.stats.fetchedObjects = listed
    ctx.report('fetch', { objects: listed, bytes: ctx.stats.fetchedBytes })
    const bitmap = new Uint8Array(Math.ceil(this.#have.length / 8))
    this.#have.forEach((h, rev) => {
      if (h) bitmap[rev >> 3]! |= 1 << (rev & 7)
    })
    this.#known = join(scratch, 'known')
    writeFileSync(this.#known, bitmap)
  }

  /** Marks the changesets of `batch` whose ExtID names an archived revision as known. */
  async #lookUp(ctx: LoadContext, batch: readonly { rev: number; node: Buffer }[]): Promise<void> {
    if (batch.length === 0) return
    const extids = await ctx.storage.extidGetFromExtid(
      EXTID_TYPE,
      batch.map((b) => new Uint8Array(b.node)),
      { version: EXTID_VERSION },
    )
    const byNode = new Map<string, string>()
    for (const e of extids) if (e.target.type === 'rev') byNode.set(toHex(e.extid), e.target.id)
    if (byNode.size === 0) return
    const absent = new Set(await ctx.storage.revisionMissing([...new Set(byNode.values())]))
    for (const b of batch) {
      const id = byNode.get(b.node.toString('hex'))
      if (id !== undefined && !absent.has(id)) this.#setRevision(b.rev, id)
    }
  }

  #setRevision(rev: number, id: string): void {
    this.#revIds.set(fromHex(id), 20 * rev)
    this.#have[rev] = 1
  }

  /** The revision id of revision number `rev`, or null when it is neither archived nor loaded. */
  #revision(rev: number): string | null {
    if (!this.#have[rev]) return null
    return toHex(this.#revIds.subarray(20 * rev, 20 * rev + 20))
  }

  /** The frames of a reader run; its failure is an error naming what it said. */
  async *#read(ctx: LoadContext, args: readonly string[]): AsyncGenerator<Frame> {
    const [cmd, ...pre] = hgPython()
    const child = startChild(cmd!, [...pre, HG_READER, ...args], {
      env: hgEnv(this.#src!.hgrc),
      stdout: 'pipe',
      signal: ctx.signal,
      maxStderr: 4096,
    })
    this.#children.add(child)
    let ended = false
    try {
      for await (const f of readFrames(child.proc.stdout as AsyncIterable<Buffer>)) {
        if (f.kind === 'Z') ended = true
        else yield f
      }
      const exit = await child.exited
      ctx.signal?.throwIfAborted()
      if (exit.error) throw new IoError(`could not run the hg reader: ${exit.error.message}`)
      if (exit.code !== 0 || !ended)
        throw new IoError(
          `reading the Mercurial repository failed: ${child.stderr() || `exit ${exit.code ?? exit.signal}`}`,
        )
    } finally {
      await child.kill()
      this.#children.delete(child)
    }
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject> {
    const heads: Head[] = []
    const bookmarks: Bookmark[] = []
    const tags: Tag[] = []
    let tree: MutableTree | null = null
    let ops: Op[] = []
    const args = ['stream', this.#repo!, this.#known!, String(this.#opts.maxContentSize)]
    const leaf = (flags: Buffer | undefined, target: string): TreeLeaf => {
      const perms = PERMS[ascii(flags)]
      if (perms === undefined) throw new CorruptError(`hg reader: unknown flags "${ascii(flags)}"`)
      return { type: 'file', perms, target }
    }
    for await (const { kind, fields } of this.#read(ctx, args)) {
      switch (kind) {
        case 'n':
          ctx.expect('revisions', int(fields[0]))
          break
        case 'B': {
          const id = this.#revision(int(fields[0]))
          const [rev] = id === null ? [null] : await ctx.storage.revisionGet([id])
          if (!rev)
            throw new CorruptError(
              `the archived revision of changeset ${ascii(fields[0])} is missing`,
            )
          tree = MutableTree.fromDirectory(ctx.storage, rev.directory)
          break
        }
        case 'R':
          ops.push({ path: fields[0]!, leaf: null })
          break
        case 'F':
          ops.push({ path: fields[0]!, leaf: leaf(fields[1], ascii(fields[2])) })
          break
        case 'D': {
          const obj = contentObject(fields[3]!, {
            maxContentSize: this.#opts.maxContentSize,
            origin: this.origin,
          })
          const id = obj.object.sha1Git!
          if (id !== ascii(fields[2]))
            throw new CorruptError(`hg reader: content hashes to ${id}, not ${ascii(fields[2])}`)
          yield obj
          ops.push({ path: fields[0]!, leaf: leaf(fields[1], id) })
          break
        }
        case 'S': {
          const [path, flags, sha1, sha1Git, sha256, blake2s256, length] = fields
          yield {
            type: 'skipped_content',
            object: {
              sha1: ascii(sha1),
              sha1Git: ascii(sha1Git),
              sha256: ascii(sha256),
              blake2s256: ascii(blake2s256),
              length: int(length),
              status: 'absent',
              reason: 'Content too large',
              origin: this.origin,
              ctime: null,
            },
          }
          ops.push({ path: path!, leaf: leaf(flags, ascii(sha1Git)) })
          break
        }
        case 'C': {
          tree ??= MutableTree.empty()
          const cs = parseChangeset(fields)
          for (const op of ops) if (op.leaf === null) await tree.remove(op.path, { prune: true })
          for (const op of ops) if (op.leaf !== null) await tree.putLeaf(op.path, op.leaf)
          ops = []
          for await (const dir of tree.flush()) yield { type: 'directory', object: dir }
          const parents = cs.parentRevs.map((p) => {
            const id = this.#revision(p)
            if (id === null)
              throw new CorruptError(`changeset ${cs.rev} has a parent ${p} that was not loaded`)
            return id
          })
          const revision = changesetRevision(cs, tree.rootId(), parents)
          yield { type: 'revision', object: revision }
          yield { type: 'extid', object: nodeExtId(cs.node, revision.id) }
          this.#setRevision(cs.rev, revision.id)
          break
        }
        case 'X':
          ops = []
          ctx.unavailable(
            fields[1]!.toString('hex'),
            `hg changeset ${fields[1]!.toString('hex')} is corrupt (${fields[2]!.toString('utf8')}); it and its descendants were not loaded`,
          )
          break
        case 'Y':
          break
        case 'H':
          heads.push({ branch: fields[0]!, rev: int(fields[1]), closed: ascii(fields[2]) === '1' })
          break
        case 'K':
          bookmarks.push({ name: fields[0]!, rev: int(fields[1]), branch: fields[2]! })
          break
        case 'T':
          tags.push({ name: fields[0]!, rev: int(fields[1]) })
          break
        default:
          throw new CorruptError(`hg reader: unknown frame "${kind}"`)
      }
    }
    this.#state = { heads, bookmarks, tags }
    for (const tag of tags) {
      const target = this.#revision(tag.rev)
      if (target === null || ctx.broken(target)) continue
      const release = tagRelease(tag.name, target)
      this.#releases.set(tag.name.toString('latin1'), release.id)
      yield { type: 'release', object: release }
    }
  }

  async branches(ctx: LoadContext): Promise<SnapshotBranch[]> {
    const revision = (rev: number): string | null => {
      const id = this.#revision(rev)
      return id === null || ctx.broken(id) ? null : id
    }
    const release = (tag: Tag): string | null => {
      const id = this.#releases.get(tag.name.toString('latin1'))
      return id === undefined || ctx.broken(id) ? null : id
    }
    return Promise.resolve(hgBranches(this.#state, revision, release))
  }

  async cleanup(): Promise<void> {
    for (const c of this.#children) await c.kill()
    this.#children.clear()
  }
}
