/**
 * `svn:externals` in the replayed tree, as Software Heritage's svn loader puts them there
 * (`DirEditor.change_prop` / `close` / `process_external` / `remove_external_path` in
 * swh-loader-svn's `replay.py`): each definition is exported (`svn export --ignore-keywords`,
 * at its revision and peg revision, or at HEAD at the time of the load) once per load, and put
 * at its path under the directory holding the property, its missing parent directories made;
 * an external into the origin's own repository is exported from the local repository; one that
 * cannot be exported (gone, unreachable) leaves only those parent directories; one whose URL is
 * an ancestor of where it goes (recursive) is skipped, and while any is defined no external is
 * in the tree. A definition removed (property changed or deleted) takes its path out, with the
 * parent directories made for it that are not versioned, and puts back what is versioned
 * there. At the end of each revision the directories the revision opened (those on the path of
 * a change) get their externals back where a change removed them.
 *
 * @module
 */

import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs'
import { dirname, join } from 'node:path'

import { ForbiddenError } from '../../errors.js'
import { makeContent, Perms } from '../../model/index.js'
import type { PinnedUrl } from '../../net/index.js'
import type { Storage } from '../../storage/index.js'
import { diskTree } from '../core/disk-tree.js'
import type { MutableTree } from '../core/tree.js'
import type { LoadContext, ModelObject } from '../core/types.js'
import {
  defKey,
  type ExternalDef,
  isRecursiveExternal,
  parseExternals,
  quoteSvnUrl,
} from './externals.js'
import { exportPinned, svnExport } from './nested-externals.js'
import { pinnedSvnUrl, type SvnAccess, toolArgs, toolOpts } from './repo.js'
import { runTool } from './tools.js'

/** What the externals need from the replay. */
export interface ExternalsOptions {
  readonly storage: Storage
  /** The origin URL (definitions are read against it, as SWH does). */
  readonly originUrl: string
  /** URL of the repository (`file://` of the local one, or the remote root), not encoded. */
  readonly repoUrl: string
  /** How the tools reach it (credentials, proxy). */
  readonly repoAccess: SvnAccess
  /** Scratch space for the exports. */
  readonly scratch: string
  readonly maxContentSize: number
  readonly signal?: AbortSignal | undefined
  readonly proxy?: string | null
  /**
   * Holds an external's `svn://` or `svn+ssh://` URL to its checked address under the load's
   * policy (refused: the external is unreachable). HTTP(S) goes through `proxy` instead.
   */
  readonly pinUrl?: (url: string) => Promise<PinnedUrl>
}

interface DirState {
  readonly raw: Uint8Array
  readonly defs: Map<string, ExternalDef[]>
}

/** An export kept for the load: where it is on disk, and what it is in the archive. */
interface Exported {
  readonly disk: string
  readonly file: boolean
  readonly id: string
  readonly perms: number
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8')
const join2 = (a: string, b: string): string => (a === '' ? b : b === '' ? a : `${a}/${b}`)
const depth = (p: string): number => (p === '' ? 0 : p.split('/').length)

/** The externals of a repository being replayed. */
export class SvnExternals {
  readonly #o: ExternalsOptions
  readonly #tree: MutableTree
  /** Directory (UTF-8 path from the root) → its `svn:externals`. */
  readonly #states = new Map<string, DirState>()
  /** Property changes of the current revision (an empty map: unset or unreadable). */
  readonly #pending = new Map<string, DirState>()
  readonly #opened = new Set<string>()
  readonly #cache = new Map<string, Exported>()
  readonly #dead = new Set<string>()
  /** Full paths of the externals in the tree → whether their URL was relative and outside. */
  readonly #valid = new Map<string, boolean>()
  #exports = 0
  #hasRelative = false
  /** Every external URL met (for origins to refer). */
  readonly urls = new Set<string>()

  constructor(tree: MutableTree, opts: ExternalsOptions) {
    this.#tree = tree
    this.#o = opts
  }

  /**
   * The externals of a tree resumed from the archive (already in it): the directories'
   * values, those of their definitions found in the tree taken as exported.
   */
  async prime(values: Map<string, Uint8Array>): Promise<void> {
    for (const [dir, raw] of values) {
      const defs = parseExternals(raw, dir, this.#o.originUrl)
      if (defs.size === 0) continue
      this.#states.set(dir, { raw, defs })
      for (const list of defs.values())
        for (const d of list) {
          this.urls.add(d.url)
          const dest = join2(dir, d.path)
          if ((await this.#tree.get(enc(dest))) !== null) this.#valid.set(dest, d.relativeUrl)
        }
    }
    this.#hasRelative = [...this.#valid.values()].some((r) => r)
  }

  /** The `svn:externals` value of the directory at `dir`, if it has one. */
  value(dir: string): Uint8Array | undefined {
    return this.#states.get(dir)?.raw
  }

  /** Whether any directory has externals (or gets some in this revision). */
  get active(): boolean {
    return this.#states.size > 0 || this.#pending.size > 0
  }

  /** The values of the directories at or under `dir`, by path. */
  under(dir: string): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>()
    for (const [p, s] of this.#states)
      if (p === dir || dir === '' || p.startsWith(dir + '/')) out.set(p, s.raw)
    return out
  }

  /** The directory at `dir` has `value` as `svn:externals` after this revision (null: none). */
  set(dir: string, value: Uint8Array | null): void {
    const before = this.#pending.get(dir)?.raw ?? this.value(dir)
    if (value === null && before === undefined) return
    if (value !== null && before !== undefined && Buffer.from(value).equals(before)) return
    const raw = value ?? new Uint8Array(0)
    const defs =
      value === null
        ? new Map<string, ExternalDef[]>()
        : parseExternals(value, dir, this.#o.originUrl)
    for (const list of defs.values()) for (const d of list) this.urls.add(d.url)
    this.#pending.set(dir, { raw, defs })
    this.#opened.add(dir)
  }

  /** A change at `path`: it and its parent directories are opened in this revision. */
  touch(path: string): void {
    if (!this.active) return // only directories with externals care
    let p = path
    for (;;) {
      this.#opened.add(p)
      if (p === '') return
      const i = p.lastIndexOf('/')
      p = i < 0 ? '' : p.slice(0, i)
    }
  }

  /** The path was deleted: the states at and under it go (the tree is the replay's). */
  removed(path: string): void {
    const under = (p: string): boolean => p === path || path === '' || p.startsWith(path + '/')
    for (const m of [this.#states, this.#pending])
      for (const p of [...m.keys()]) if (under(p)) m.delete(p)
    for (const p of [...this.#valid.keys()]) if (under(p)) this.#valid.delete(p)
  }

  /** The directories copied to `to` had these values: their externals are exported anew there. */
  copied(from: string, to: string, values: Map<string, Uint8Array>): void {
    for (const [p, raw] of values) {
      const dest = p === from ? to : join2(to, p.slice(from === '' ? 0 : from.length + 1))
      this.#states.delete(dest)
      this.set(dest, raw)
    }
  }

  /** Ends revision `rev` (before the tree is flushed): yields the objects of new exports. */
  async *close(rev: number, ctx: LoadContext): AsyncGenerator<ModelObject> {
    if (!this.active) {
      // no externals anywhere: nothing to do (most repositories)
      this.#opened.clear()
      return
    }
    this.#opened.add('')
    const dirs = [...this.#opened].sort((a, b) => depth(b) - depth(a))
    for (const dir of dirs) {
      const prev = this.#states.get(dir)?.defs ?? new Map<string, ExternalDef[]>()
      const pend = this.#pending.get(dir)
      if (pend !== undefined && pend.defs.size === 0) {
        for (const path of prev.keys()) yield* this.#removePath(join2(dir, path), true, rev, ctx)
        this.#states.delete(dir)
      } else {
        let defs = prev
        if (pend !== undefined) {
          const now = new Set([...pend.defs.values()].flat().map(tuple))
          for (const d of [...prev.values()].flat())
            if (!now.has(tuple(d))) {
              yield* this.#removePath(join2(dir, d.path), true, rev, ctx)
              const again = pend.defs.get(d.path)
              if (again?.length) yield* this.#process(dir, again[0]!, true, true, prev, rev, ctx)
            }
          defs = pend.defs
        }
        for (const list of defs.values())
          for (let i = 0; i < list.length; i++)
            yield* this.#process(dir, list[i]!, i === 0, false, prev, rev, ctx)
        if (pend !== undefined) this.#states.set(dir, pend)
      }
      if (dir === '') yield* this.#closeRoot(rev, ctx)
    }
    this.#opened.clear()
    this.#pending.clear()
  }

  async *#closeRoot(rev: number, ctx: LoadContext): AsyncGenerator<ModelObject> {
    this.#hasRelative = [...this.#valid.values()].some((r) => r)
    const recursive = [...this.#states].some(([dir, s]) =>
      [...s.defs.values()]
        .flat()
        .some((d) => isRecursiveExternal(this.#o.originUrl, dir, d.path, d.url)),
    )
    if (!recursive) return
    // SWH: with a recursive external anywhere, none is in the tree.
    for (const p of [...this.#valid.keys()]) yield* this.#removePath(p, true, rev, ctx)
  }

  async *#process(
    dir: string,
    d: ExternalDef,
    removeTarget: boolean,
    force: boolean,
    prev: Map<string, ExternalDef[]>,
    rev: number,
    ctx: LoadContext,
  ): AsyncGenerator<ModelObject> {
    const dest = join2(dir, d.path)
    const k = defKey(d)
    if (
      !force &&
      prev.get(d.path)?.some((p) => defKey(p) === k) &&
      (await this.#tree.get(enc(dest))) !== null
    )
      return
    if (isRecursiveExternal(this.#o.originUrl, dir, d.path, d.url)) return
    let got = this.#cache.get(k)
    if (got === undefined || force) {
      got = undefined
      if (!this.#dead.has(k)) got = (yield* this.#export(d, ctx)) ?? undefined
      if (got) this.#cache.set(k, got)
      else if (!this.#dead.has(k)) this.#dead.add(k)
    }
    // Subversion makes the parent directories of an external whether it exports or not.
    const parts = d.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const p = join2(dir, parts.slice(0, i).join('/'))
      if ((await this.#tree.get(enc(p))) === null) await this.#tree.mkdir(enc(p))
    }
    if (!got) return
    if (removeTarget) yield* this.#removePath(dest, false, rev, ctx)
    this.#valid.set(dest, d.relativeUrl)
    const at = await this.#tree.get(enc(dest))
    if (got.file)
      await this.#tree.putLeaf(enc(dest), { type: 'file', perms: got.perms, target: got.id })
    else if (at?.kind === 'dir') await this.#overlay(got.disk, dest)
    else {
      await this.#o.storage.flush()
      await this.#tree.putDirectory(enc(dest), got.id)
    }
  }

  /** `svn export` of the definition into scratch space, its objects yielded; null on failure. */
  async *#export(d: ExternalDef, ctx: LoadContext): AsyncGenerator<ModelObject, Exported | null> {
    const disk = join(this.#o.scratch, `ext-${this.#exports++}`, 'x')
    mkdirSync(dirname(disk), { recursive: true })
    let url = d.url.replace(/\/+$/, '')
    const origin = this.#o.originUrl.replace(/\/+$/, '')
    // Into the origin's own repository: from the local one, as SWH exports from its mirror.
    const own = url.startsWith(origin + '/') && !this.#hasRelative
    if (own) url = this.#o.repoUrl.replace(/\/+$/, '') + url.slice(origin.length)
    const peg = d.pegRevision ?? (d.legacyFormat ? d.revision : null)
    try {
      await this.#svnExport(url, disk, d.revision, peg, own)
    } catch {
      rmSync(dirname(disk), { recursive: true, force: true })
      return null
    }
    return yield* this.#ingest(disk, ctx)
  }

  /** `svn export`; `own`: of the origin's repository (with its credentials). */
  async #svnExport(
    url: string,
    to: string,
    rev: number | null,
    peg: number | null,
    own: boolean,
  ): Promise<void> {
    let access: SvnAccess = own
      ? this.#o.repoAccess
      : { auth: null, proxy: this.#o.proxy ?? null, signal: this.#o.signal }
    const pin = this.#o.pinUrl
    if (!own && pin) ({ url, access } = await pinnedSvnUrl(url, access, pin))
    // under a network policy (its proxy): the externals of the external are exported by Arca,
    // each host checked and connected to at the checked address, and nothing on this machine's
    // disk but the origin's own repository
    if (this.#o.proxy && pin) {
      const allowDisk = /^file:/i.test(this.#o.originUrl)
      if (!own && !allowDisk && /^file:/i.test(url))
        throw new ForbiddenError(`the svn:externals ${url} is on this machine's disk`)
      await exportPinned(url, rev, peg, to, { access, pin, allowDisk })
      return
    }
    await svnExport(url, rev, peg, to, access, false)
  }

  async *#ingest(disk: string, ctx: LoadContext): AsyncGenerator<ModelObject, Exported | null> {
    if (!existsSync(disk)) return null
    const st = lstatSync(disk)
    const opts = {
      maxContentSize: this.#o.maxContentSize,
      origin: this.#o.originUrl,
      signal: this.#o.signal,
    }
    if (!st.isDirectory()) {
      let last: ModelObject | null = null
      // a file external: the tree of its folder has the one file
      for await (const o of diskTree(dirname(disk), opts)) {
        if (o.type !== 'directory' && !ctx.seen(idOf(o))) yield o
        last = o
      }
      const entry = last?.type === 'directory' ? last.object.entries[0] : undefined
      if (!entry) return null
      return { disk, file: true, id: entry.target, perms: entry.perms }
    }
    let id = ''
    for await (const o of diskTree(disk, opts)) {
      if (o.type === 'directory') id = o.object.id
      if (!ctx.seen(idOf(o))) yield o
    }
    return { disk, file: false, id, perms: Perms.directory }
  }

  /** Puts the files of the export at `disk` over the directory at `dest` (SWH's copytree). */
  async #overlay(disk: string, dest: string): Promise<void> {
    for (const name of readdirSync(disk)) {
      const p = join(disk, name)
      const t = join2(dest, name)
      const st = lstatSync(p)
      if (st.isDirectory()) {
        if ((await this.#tree.get(enc(t)))?.kind !== 'dir') {
          await this.#tree.remove(enc(t))
          await this.#tree.mkdir(enc(t))
        }
        await this.#overlay(p, t)
        continue
      }
      const link = st.isSymbolicLink()
      const data = link ? readlinkSync(p, { encoding: 'buffer' }) : readFileSync(p)
      const perms = link ? Perms.symlink : st.mode & 0o111 ? Perms.executableContent : Perms.content
      await this.#tree.putLeaf(enc(t), { type: 'file', perms, target: makeContent(data).sha1Git })
    }
  }

  /**
   * SWH's `remove_external_path`: takes `full` out of the tree; with `parents`, also its
   * parent directories that are not versioned; then puts back what is versioned at `full`.
   */
  async *#removePath(
    full: string,
    parents: boolean,
    rev: number,
    ctx: LoadContext,
  ): AsyncGenerator<ModelObject> {
    await this.#tree.remove(enc(full))
    this.#valid.delete(full)
    for (const p of [...this.#valid.keys()]) if (p.startsWith(full + '/')) this.#valid.delete(p)
    if (parents) {
      const parts = full.split('/')
      for (let i = parts.length - 1; i >= 1; i--) {
        const p = parts.slice(0, i).join('/')
        if (await this.#versioned(p, rev)) break
        await this.#tree.remove(enc(p))
      }
    }
    if (!(await this.#versioned(full, rev))) return
    const disk = join(this.#o.scratch, `ext-${this.#exports++}`, 'x')
    mkdirSync(dirname(disk), { recursive: true })
    try {
      await this.#svnExport(`${this.#o.repoUrl}/${full}`, disk, rev, rev, true)
    } catch {
      return
    }
    const got = yield* this.#ingest(disk, ctx)
    rmSync(dirname(disk), { recursive: true, force: true })
    if (!got) return
    if (got.file)
      await this.#tree.putLeaf(enc(full), { type: 'file', perms: got.perms, target: got.id })
    else {
      await this.#o.storage.flush()
      await this.#tree.putDirectory(enc(full), got.id)
    }
  }

  async #versioned(path: string, rev: number): Promise<boolean> {
    try {
      const access = this.#o.repoAccess
      const url = `${quoteSvnUrl(`${this.#o.repoUrl}/${path}`)}@${rev}`
      await runTool('svn', ['info', ...toolArgs(access), '--', url], toolOpts(access))
      return true
    } catch {
      return false
    }
  }
}

function tuple(d: ExternalDef): string {
  return JSON.stringify([d.path, d.url, d.revision, d.pegRevision])
}

function idOf(o: ModelObject): string {
  if (o.type === 'directory') return o.object.id
  if (o.type === 'content' || o.type === 'skipped_content') return o.object.sha1Git!
  return ''
}
