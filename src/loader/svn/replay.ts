/**
 * Replays a Subversion dump's node records onto one tree of the whole repository, as Software
 * Heritage's svn loader replays revisions: every file as `svn export --ignore-keywords` writes
 * it (see `text.ts`), empty directories kept, deletes removing whole subtrees, copies taken
 * from the copy source's revision. It yields each new content as it is made and, at the end of
 * each revision, the changed directories bottom-up; it remembers each revision's root id (20
 * bytes a revision) for copies from older revisions, which are read back from the archive.
 *
 * @module
 */

import { existsSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { CorruptError } from '../../errors.js'
import { type Directory, fromHex, makeDirectory, toHex } from '../../model/index.js'
import type { PinnedUrl } from '../../net/index.js'
import type { Storage } from '../../storage/index.js'
import { contentObject } from '../core/content.js'
import { diskTree } from '../core/disk-tree.js'
import { MutableTree, type TreeItem, type TreeLeaf } from '../core/tree.js'
import type { LoadContext, ModelObject } from '../core/types.js'
import type { DumpNode } from './dump.js'
import { SvnExternals } from './external-tree.js'
import {
  catFile,
  encodePath,
  exportRevision,
  filePropsUnder,
  type PropsUnder,
  propsUnder,
  repoUrl,
  type SvnAccess,
  svnCat,
} from './repo.js'
import { archivedFile, type FileProps, filePropsOf, PLAIN, samePropsEffect } from './text.js'

const key = (p: Uint8Array): string => Buffer.from(p).toString('latin1')

/** The id of the empty directory. */
export const EMPTY_DIR: Directory = makeDirectory({ entries: [] })

/** What the replay is told. */
export interface ReplayOptions {
  readonly storage: Storage
  /** The local repository (for texts and properties the dump does not repeat), or null. */
  readonly repo: string | null
  /** The repository's URL (`file://` of the local one, or the remote root), not encoded. */
  readonly repoUrl: string
  /** How the tools reach it. */
  readonly access: SvnAccess
  readonly maxContentSize: number
  readonly origin: string
  /** The repository root URL the origin names (for relative `svn:externals` URLs). */
  readonly rootUrl: string
  /** Scratch space for the exports of `svn:externals`. */
  readonly scratch: string
  /** The load's egress proxy (for externals over HTTP), if any. */
  readonly proxy?: string | null
  /** Holds an external's `svn://` URL to its checked address (`LoadContext.pinUrl`). */
  readonly pinUrl?: (url: string) => Promise<PinnedUrl>
  readonly signal?: AbortSignal
}

/** The tree of a repository being replayed, revision after revision. */
export class SvnReplay {
  readonly #opts: ReplayOptions
  #tree: MutableTree
  /** Properties that matter, of the files that have some, by path. */
  readonly #props = new Map<string, FileProps>()
  #copies = 0
  /** Root directory id of each revision replayed (20 bytes each). */
  #roots = Buffer.alloc(20 * 1024)
  #lastRev = -1
  /** The first revision whose root is known (after {@link resume}, the one resumed from). */
  #firstRev = 0
  #externals: SvnExternals

  constructor(opts: ReplayOptions) {
    this.#opts = opts
    this.#tree = MutableTree.empty(opts.storage)
    this.#externals = this.#newExternals()
  }

  #newExternals(): SvnExternals {
    const opts = this.#opts
    return new SvnExternals(this.#tree, {
      storage: opts.storage,
      originUrl: opts.origin,
      repoUrl: opts.repoUrl,
      repoAccess: opts.access,
      scratch: opts.scratch,
      maxContentSize: opts.maxContentSize,
      signal: opts.signal,
      proxy: opts.proxy ?? null,
      ...(opts.pinUrl ? { pinUrl: opts.pinUrl } : {}),
    })
  }

  /** Repositories named by `svn:externals` properties (absolute URLs). */
  get externals(): ReadonlySet<string> {
    return this.#externals.urls
  }

  /**
   * Resumes after revision `rev`, whose tree (the archived directory `dir` of the origin's path
   * `subpath`: the whole repository when empty, else only that path is known), file properties
   * and `svn:externals` are given, instead of replaying revisions 0 to `rev`. Yields the
   * directories above `subpath`.
   */
  async *resume(
    rev: number,
    dir: string,
    subpath: Uint8Array,
    props: PropsUnder,
  ): AsyncGenerator<ModelObject> {
    if (subpath.length === 0) this.#tree = MutableTree.fromDirectory(this.#opts.storage, dir)
    else {
      this.#tree = MutableTree.empty(this.#opts.storage)
      await this.#tree.putDirectory(subpath, dir)
      for await (const d of this.#tree.flush()) yield { type: 'directory', object: d }
    }
    this.#externals = this.#newExternals()
    for (const [p, fp] of props.files) this.#props.set(p, fp)
    await this.#externals.prime(props.externals)
    this.#firstRev = rev
    this.#grow(rev)
    fromHexInto(this.#tree.rootId(), this.#roots, rev)
    this.#lastRev = rev
  }

  /** The root id of revision `rev` (replayed already). */
  rootAt(rev: number): string {
    if (rev < this.#firstRev || rev > this.#lastRev)
      throw new CorruptError(`a copy from revision ${rev}, not replayed yet`)
    return toHex(this.#roots.subarray(rev * 20, rev * 20 + 20))
  }

  /** Applies one node record of revision `rev`; yields the contents it makes. */
  async *apply(node: DumpNode, rev: number, ctx: LoadContext): AsyncGenerator<ModelObject> {
    const path = node.path
    const upath = Buffer.from(path).toString('utf8')
    this.#externals.touch(upath)
    if (node.action === 'delete' || node.action === 'replace') {
      await this.#remove(path)
      this.#externals.removed(upath)
    }
    if (node.action === 'delete') return
    const copied =
      node.copyfromPath !== null &&
      node.copyfromRev !== null &&
      (node.action === 'add' || node.action === 'replace')
    if (copied) yield* this.#copy(node.copyfromPath, node.copyfromRev, path, rev, ctx)
    if (node.nodeKind === 'dir') {
      if (!copied && node.action !== 'change') await this.#tree.mkdir(path)
      if (node.props !== null) this.#externals.set(upath, node.props.get('svn:externals') ?? null)
      return
    }
    if (node.nodeKind !== 'file') {
      const item = await this.#tree.get(path)
      if (item?.kind !== 'leaf') return
    }
    const before = this.#props.get(key(path)) ?? PLAIN
    const props = node.props === null ? before : filePropsOf(node.props)
    let text = node.text
    if (text === null) {
      const existing = await this.#tree.get(path)
      if (existing?.kind === 'leaf' && samePropsEffect(before, props)) {
        this.#setProps(path, props)
        return
      }
      text =
        this.#opts.repo !== null
          ? await catFile(this.#opts.repo, rev, path, this.#opts.signal)
          : await svnCat(this.#url(path), rev, this.#opts.access)
    }
    this.#setProps(path, props)
    const file = archivedFile(text, props)
    const obj = contentObject(file.data, {
      maxContentSize: this.#opts.maxContentSize,
      origin: this.#opts.origin,
    })
    const id = obj.object.sha1Git!
    if (!ctx.seen(id)) yield obj
    await this.#tree.putLeaf(path, { type: 'file', perms: file.perms, target: id })
  }

  /** Ends revision `rev`: yields its externals and the directories it changed; the root id. */
  async *end(rev: number, ctx: LoadContext): AsyncGenerator<ModelObject, string> {
    yield* this.#externals.close(rev, ctx)
    for await (const d of this.#tree.flush()) yield { type: 'directory', object: d }
    const root = this.#tree.rootId()
    this.#grow(rev)
    for (let r = this.#lastRev + 1; r < rev; r++) fromHexInto(this.rootOrEmpty(r), this.#roots, r)
    fromHexInto(root, this.#roots, rev)
    this.#lastRev = rev
    return root
  }

  #grow(rev: number): void {
    if (this.#roots.length < (rev + 1) * 20) {
      const grown = Buffer.alloc(Math.max(this.#roots.length * 2, (rev + 1) * 20))
      this.#roots.copy(grown)
      this.#roots = grown
    }
  }

  private rootOrEmpty(r: number): string {
    return r <= this.#lastRev
      ? this.rootAt(r)
      : this.#lastRev >= 0
        ? this.rootAt(this.#lastRev)
        : EMPTY_DIR.id
  }

  /** The directory id at `path` (after {@link end}), or null when no directory is there. */
  async dirAt(path: Uint8Array): Promise<string | null> {
    const item = await this.#tree.get(path)
    return item?.kind === 'dir' ? item.id : null
  }

  #setProps(path: Uint8Array, props: FileProps): void {
    if (samePropsEffect(props, PLAIN)) this.#props.delete(key(path))
    else this.#props.set(key(path), props)
  }

  async #remove(path: Uint8Array): Promise<void> {
    await this.#tree.remove(path)
    const k = key(path)
    this.#props.delete(k)
    const prefix = k + '/'
    for (const p of [...this.#props.keys()]) if (p.startsWith(prefix)) this.#props.delete(p)
  }

  async *#copy(
    from: Uint8Array,
    fromRev: number,
    to: Uint8Array,
    rev: number,
    ctx: LoadContext,
  ): AsyncGenerator<ModelObject> {
    const fk = key(from)
    const tk = key(to)
    const ufrom = Buffer.from(from).toString('utf8')
    const uto = Buffer.from(to).toString('utf8')
    const here = fromRev === this.#lastRev ? await this.#tree.get(from) : null
    if (here !== null) {
      const item = here
      if (item.kind === 'dir' && item.id !== null) {
        // An unchanged directory (a branch or tag of trunk): put as the archived directory, so
        // that copies share nothing in memory and are read back only where changed.
        await this.#opts.storage.flush()
        await this.#tree.putDirectory(to, item.id)
      } else if (!(await this.#tree.copy(from, to)))
        throw new CorruptError(`revision ${rev} copies ${fk}@${fromRev}, which is not there`)
      const copies: [string, FileProps][] = []
      for (const [p, fp] of this.#props)
        if (p === fk) copies.push([tk, fp])
        else if (p.startsWith(fk + '/')) copies.push([tk + p.slice(fk.length), fp])
      for (const [p, fp] of copies) this.#props.set(p, fp)
      if (item.kind === 'dir') this.#externals.copied(ufrom, uto, this.#externals.under(ufrom))
      return
    }
    // An older revision: its tree is in the archive (flushed to be readable); before the one
    // a re-visit resumed from, exported from the repository.
    await this.#opts.storage.flush()
    // (A path outside the part of the tree a re-visit resumed with is exported too.)
    const archived =
      fromRev < this.#firstRev || fromRev === this.#lastRev
        ? null
        : await MutableTree.fromDirectory(this.#opts.storage, this.rootAt(fromRev)).get(from)
    const item = archived ?? (yield* this.#exported(from, fromRev, ctx))
    if (item === null)
      throw new CorruptError(`revision ${rev} copies ${fk}@${fromRev}, which is not there`)
    if (item.kind === 'leaf') await this.#tree.putLeaf(to, item)
    else await this.#tree.putDirectory(to, item.id!)
    const { files: props, externals } =
      this.#opts.repo !== null
        ? await filePropsUnder(this.#opts.repo, fromRev, from, this.#opts.signal)
        : await propsUnder(this.#opts.repoUrl, fromRev, from, this.#opts.access)
    if (item.kind === 'dir') this.#externals.copied(ufrom, uto, externals)
    for (const [p, fp] of props)
      if (p === fk) this.#props.set(tk, fp)
      else if (p.startsWith(fk + '/')) this.#props.set(tk + p.slice(fk.length), fp)
  }

  /** What `svn export --ignore-externals` of `path` at `rev` gives, its objects yielded. */
  async *#exported(
    path: Uint8Array,
    rev: number,
    ctx: LoadContext,
  ): AsyncGenerator<ModelObject, TreeItem | null> {
    const dest = join(this.#opts.scratch, `copy-${rev}-${this.#copies++}`)
    try {
      await exportRevision(this.#url(path), rev, dest, true, this.#opts.access)
      if (!existsSync(dest)) return null
      if (!lstatSync(dest).isDirectory()) {
        // one file: the tree of a folder holding it
        mkdirSync(`${dest}.d`)
        renameSync(dest, join(`${dest}.d`, 'x'))
        let entry: TreeLeaf | null = null
        for await (const o of diskTree(`${dest}.d`, this.#diskOpts())) {
          if (o.type === 'directory') {
            const e = o.object.entries[0]!
            entry = { type: 'file', perms: e.perms, target: e.target }
          } else if (!ctx.seen(idOf(o))) yield o
        }
        return entry === null ? null : { kind: 'leaf', ...entry }
      }
      let id = ''
      for await (const o of diskTree(dest, this.#diskOpts())) {
        if (o.type === 'directory') id = o.object.id
        if (!ctx.seen(idOf(o))) yield o
      }
      await this.#opts.storage.flush()
      return { kind: 'dir', id }
    } finally {
      rmSync(dest, { recursive: true, force: true })
      rmSync(`${dest}.d`, { recursive: true, force: true })
    }
  }

  /** The URL of `path` in the repository, for the tools. */
  #url(path: Uint8Array): string {
    const base =
      this.#opts.repo !== null ? repoUrl(this.#opts.repo) : this.#opts.repoUrl.replace(/\/+$/, '')
    return path.length === 0 ? base : `${base}/${encodePath(path)}`
  }

  #diskOpts(): { maxContentSize: number; origin: string; signal: AbortSignal | undefined } {
    return {
      maxContentSize: this.#opts.maxContentSize,
      origin: this.#opts.origin,
      signal: this.#opts.signal,
    }
  }
}

function idOf(o: ModelObject): string {
  if (o.type === 'directory') return o.object.id
  if (o.type === 'content' || o.type === 'skipped_content') return o.object.sha1Git!
  return ''
}

function fromHexInto(hex: string, buf: Buffer, rev: number): void {
  buf.set(fromHex(hex), rev * 20)
}
