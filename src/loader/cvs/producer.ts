/**
 * The CVS producer: list the module's file revisions and group them into changesets (local
 * `,v` files in `local.ts`, copied first by rsync in `rsync.ts`, or over pserver in
 * `remote.ts`), then per changeset check out the files it changed, apply them to one tree and
 * yield the contents, the changed directories and a revision whose parent is the previous
 * changeset's. Revision texts live in scratch files, removed once used, so memory holds the
 * changesets' metadata and one file at a time, not the history's texts. As in Software Heritage,
 * every visit replays the whole history (CVS has no changeset ids); changesets whose revision
 * is already archived are not sent again.
 *
 * @module
 */

import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { makeRevision, type Revision, type SnapshotBranch } from '../../model/index.js'
import { contentObject } from '../core/content.js'
import { MutableTree } from '../core/tree.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { listLocal } from './local.js'
import type { CvsSource } from './origin.js'
import { listPserver } from './remote.js'
import { rsyncModule } from './rsync.js'
import type { CvsListing } from './source.js'

/** Options of the producer. */
export interface CvsProducerOptions {
  readonly maxContentSize: number
  /** A server that sends nothing for this long is given up. */
  readonly stallTimeoutMs: number
}

/** Every CVS revision's time zone: RCS dates are UTC. */
const UTC = Buffer.from('+0000')

export class CvsProducer implements Producer {
  readonly visitType = 'cvs'
  readonly origin: string
  readonly #source: CvsSource
  readonly #options: CvsProducerOptions
  #listing: CvsListing | null = null
  #head: string | null = null

  constructor(source: CvsSource, options: CvsProducerOptions) {
    this.#source = source
    this.origin = source.origin
    this.#options = options
  }

  scrub(message: string): string {
    let out = message
    for (const s of this.#source.secrets) out = out.split(s).join('***')
    return out
  }

  async fetch(ctx: LoadContext): Promise<void> {
    let src = this.#source
    // rsync and the pserver client connect by themselves: held to the checked address.
    if (src.scheme !== 'file') {
      const pinned = await ctx.pinUrl(src.origin)
      if (pinned.address !== null) src = { ...src, host: pinned.address }
    }
    const scratch = ctx.scratch('cvs')
    if (src.scheme === 'file') this.#listing = listLocal(src, src.localRoot!, scratch, ctx)
    else if (src.scheme === 'rsync') {
      const root = join(scratch, 'root')
      await rsyncModule(src, root, ctx, this.#options.stallTimeoutMs)
      this.#listing = listLocal(src, root, scratch, ctx)
    } else this.#listing = await listPserver(src, scratch, ctx, this.#options.stallTimeoutMs)
    ctx.stats.fetchedObjects = this.#listing.files.length
    ctx.report('fetch', { objects: this.#listing.files.length })
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject, void, undefined> {
    const { files, changesets, texts } = this.#listing!
    const tree = MutableTree.empty()
    let parent: string | null = null
    // Changesets whose revision is already archived (a re-visit, or the same repository
    // archived from another origin) are not sent again, up to the first one that is not.
    let catchingUp = true
    ctx.expect('revisions', changesets.length)
    const content = (path: string): ModelObject & { type: 'content' | 'skipped_content' } =>
      contentObject(readFileSync(path), {
        maxContentSize: this.#options.maxContentSize,
        origin: this.origin,
      })
    for (const cs of changesets) {
      ctx.signal?.throwIfAborted()
      const used: string[] = []
      for (const f of cs.revs) {
        if (f.dead) {
          await tree.remove(files[f.file]!)
          continue
        }
        const path = await texts.text(f.file, f.rev)
        used.push(path)
        const c = content(path)
        await tree.putLeaf(files[f.file]!, {
          type: 'file',
          perms: 0o100644,
          target: c.object.sha1Git!,
        })
      }
      const dirs: ModelObject[] = []
      for await (const d of tree.flush()) dirs.push({ type: 'directory', object: d })
      const date = { timestamp: { seconds: cs.maxTime, microseconds: 0 }, offsetBytes: UTC }
      const person = { fullname: cs.author }
      const revision: Revision = makeRevision({
        directory: tree.rootId(),
        parents: parent === null ? [] : [parent],
        author: person,
        committer: person,
        date,
        committerDate: date,
        message: cs.log,
        type: 'cvs',
        synthetic: true,
        extraHeaders: [],
      })
      parent = revision.id
      this.#head = revision.id
      if (catchingUp && (await ctx.storage.revisionMissing([revision.id])).length === 0) {
        for (const p of used) rmSync(p, { force: true })
        continue
      }
      catchingUp = false
      for (const p of used) {
        yield content(p)
        rmSync(p, { force: true })
      }
      yield* dirs
      yield { type: 'revision', object: revision }
    }
  }

  branches(ctx: LoadContext): Promise<SnapshotBranch[]> {
    if (this.#head === null) return Promise.resolve([])
    const target = ctx.broken(this.#head)
      ? null
      : { targetType: 'revision' as const, target: this.#head }
    return Promise.resolve([{ name: Buffer.from('HEAD'), target }])
  }

  cleanup(): void {
    this.#listing?.texts.close()
  }
}
