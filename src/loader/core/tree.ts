/**
 * A mutable directory tree for loaders whose source gives changes, not trees (Mercurial
 * manifests, Subversion deltas, Bazaar inventories, CVS file revisions): apply a revision's
 * changes to the previous revision's tree, then `flush` yields only the directories that changed,
 * bottom-up, and gives the new root id. Untouched subtrees keep their ids and are never
 * re-hashed; a tree started from an archived directory loads its subdirectories from the storage
 * only when a change reaches into them.
 *
 * Paths are bytes with `/` between names (`Uint8Array`, never decoded): any byte but `/` and NUL
 * is part of a name, and `.`/`..`/empty names are refused (they would not be a name on disk).
 *
 * @module
 */

import { CorruptError, InvalidInputError } from '../../errors.js'
import { type Directory, type DirectoryEntry, makeDirectory } from '../../model/index.js'
import type { Storage } from '../../storage/index.js'

/** What a tree holds at a path that is not a directory. */
export interface TreeLeaf {
  /** `file` (regular file, executable, symbolic link) or `rev` (a submodule's commit). */
  readonly type: 'file' | 'rev'
  /** Git mode: 0o100644, 0o100755, 0o120000 (symbolic link), 0o160000 (rev). */
  readonly perms: number
  readonly target: string
}

/** What {@link MutableTree.get} finds at a path. */
export type TreeItem =
  | ({ readonly kind: 'leaf' } & TreeLeaf)
  | { readonly kind: 'dir'; /** null while changed and not flushed */ readonly id: string | null }

/** Git's directory mode. */
export const DIR_PERMS = 0o040000

type Child =
  { readonly name: Uint8Array; leaf: TreeLeaf } | { readonly name: Uint8Array; dir: Node }

class Node {
  /** The id when unchanged since loaded or flushed; null when changed. */
  id: string | null
  /** Entries by name (latin1 of the bytes: one string per byte sequence); null until loaded. */
  children: Map<string, Child> | null

  constructor(id: string | null, children: Map<string, Child> | null) {
    this.id = id
    this.children = children
  }
}

const SLASH = 0x2f
const key = (name: Uint8Array): string => Buffer.from(name).toString('latin1')

/** The names of a path, checked (an empty path is the root). */
export function splitTreePath(path: Uint8Array): Uint8Array[] {
  if (path.length === 0) return []
  const names: Uint8Array[] = []
  let start = 0
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== SLASH) continue
    const name = path.subarray(start, i)
    start = i + 1
    if (name.length === 0)
      throw new InvalidInputError(`the path "${printable(path)}" has an empty name`)
    if (name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e)))
      throw new InvalidInputError(`the path "${printable(path)}" has a "." or ".." name`)
    if (name.includes(0))
      throw new InvalidInputError(`the path "${printable(path)}" has a NUL byte`)
    names.push(name)
  }
  return names
}

function printable(path: Uint8Array): string {
  return Buffer.from(path).toString('utf8')
}

/**
 * A directory tree being changed by a load.
 *
 * @example
 * ```ts
 * const tree = previous ? MutableTree.fromDirectory(storage, previous) : MutableTree.empty()
 * await tree.putLeaf(bytes('src/main.c'), { type: 'file', perms: 0o100644, target: sha1Git })
 * for await (const dir of tree.flush()) yield { type: 'directory', object: dir }
 * const root = tree.rootId()
 * ```
 */
export class MutableTree {
  readonly #root: Node
  readonly #storage: Storage | null

  private constructor(root: Node, storage: Storage | null) {
    this.#root = root
    this.#storage = storage
  }

  /**
   * An empty tree; with `storage`, archived directories can be put into it
   * ({@link putDirectory}) and are read from there when a change reaches into them.
   */
  static empty(storage: Storage | null = null): MutableTree {
    return new MutableTree(new Node(null, new Map()), storage)
  }

  /** The tree of the archived directory `id`; subdirectories are read when first reached. */
  static fromDirectory(storage: Storage, id: string): MutableTree {
    return new MutableTree(new Node(id, null), storage)
  }

  /** What is at `path` (the root for an empty path), or null. */
  async get(path: Uint8Array): Promise<TreeItem | null> {
    const names = splitTreePath(path)
    let node = this.#root
    for (let i = 0; i < names.length; i++) {
      const child = (await this.#load(node)).get(key(names[i]!))
      if (!child) return null
      if ('leaf' in child) return i === names.length - 1 ? { kind: 'leaf', ...child.leaf } : null
      node = child.dir
    }
    return { kind: 'dir', id: node.id }
  }

  /** Puts a file (or rev) at `path`, replacing what is there; missing parents are made. */
  async putLeaf(path: Uint8Array, leaf: TreeLeaf): Promise<void> {
    const names = splitTreePath(path)
    if (names.length === 0) throw new InvalidInputError('a file cannot be the root directory')
    const parent = await this.#parentOf(names, true)
    const name = names[names.length - 1]!
    ;(await this.#load(parent!)).set(key(name), { name, leaf: { ...leaf } })
  }

  /**
   * Puts the archived directory `id` at `path`, replacing what is there (a Subversion copy from
   * an older revision); its entries are read from the storage only when a change reaches them.
   */
  async putDirectory(path: Uint8Array, id: string): Promise<void> {
    const names = splitTreePath(path)
    if (names.length === 0)
      throw new InvalidInputError('nothing can be put onto the root directory')
    if (!this.#storage) throw new Error('MutableTree.putDirectory() needs a tree with a storage')
    const parent = (await this.#parentOf(names, true))!
    const name = names[names.length - 1]!
    ;(await this.#load(parent)).set(key(name), { name, dir: new Node(id, null) })
  }

  /** Makes an (empty) directory at `path` unless one is there; replaces a file. */
  async mkdir(path: Uint8Array): Promise<void> {
    const names = splitTreePath(path)
    if (names.length === 0) return
    const parent = (await this.#parentOf(names, true))!
    const name = names[names.length - 1]!
    const entries = await this.#load(parent)
    const existing = entries.get(key(name))
    if (existing && 'dir' in existing) return
    entries.set(key(name), { name, dir: new Node(null, new Map()) })
  }

  /**
   * Removes what is at `path` (a whole subtree for a directory); with `prune`, parents left
   * empty are removed too, as in git and Mercurial, which have no empty directories. Returns
   * whether something was there.
   */
  async remove(path: Uint8Array, options: { readonly prune?: boolean } = {}): Promise<boolean> {
    const names = splitTreePath(path)
    if (names.length === 0) {
      const had = (await this.#load(this.#root)).size > 0
      this.#root.children = new Map()
      this.#root.id = null
      return had
    }
    const chain: Node[] = [this.#root]
    for (let i = 0; i < names.length - 1; i++) {
      const child = (await this.#load(chain[i]!)).get(key(names[i]!))
      if (!child || !('dir' in child)) return false
      chain.push(child.dir)
    }
    const last = chain[chain.length - 1]!
    const entries = await this.#load(last)
    if (!entries.delete(key(names[names.length - 1]!))) return false
    for (const n of chain) n.id = null
    if (options.prune)
      for (let i = chain.length - 1; i > 0; i--) {
        if (chain[i]!.children!.size > 0) break
        chain[i - 1]!.children!.delete(key(names[i - 1]!))
      }
    return true
  }

  /**
   * Copies the subtree (or leaf) at `from` to `to` (Subversion copies, Bazaar renames), sharing
   * unchanged archived subtrees by id. Returns false when nothing is at `from`.
   */
  async copy(from: Uint8Array, to: Uint8Array): Promise<boolean> {
    const src = splitTreePath(from)
    let found: Child | { name: Uint8Array; dir: Node } | undefined
    if (src.length === 0) found = { name: new Uint8Array(), dir: this.#root }
    else {
      const parent = await this.#parentOf(src, false)
      found = parent ? (await this.#load(parent)).get(key(src[src.length - 1]!)) : undefined
    }
    if (!found) return false
    const dst = splitTreePath(to)
    if (dst.length === 0)
      throw new InvalidInputError('nothing can be copied onto the root directory')
    const copied =
      'leaf' in found ? { leaf: { ...found.leaf } } : { dir: await this.#clone(found.dir) }
    const parent = (await this.#parentOf(dst, true))!
    const name = dst[dst.length - 1]!
    ;(await this.#load(parent)).set(key(name), { name, ...copied })
    return true
  }

  /**
   * The directories changed since the last flush, each after the directories it names, as model
   * objects with their ids; afterwards {@link rootId} is the tree's id.
   */
  async *flush(): AsyncGenerator<Directory, void, undefined> {
    yield* this.#flushNode(this.#root)
  }

  /** The root directory's id; throws if the tree changed since the last {@link flush}. */
  rootId(): string {
    if (this.#root.id === null) throw new Error('MutableTree.rootId() before flush()')
    return this.#root.id
  }

  async *#flushNode(node: Node): AsyncGenerator<Directory, void, undefined> {
    if (node.id !== null) return
    const entries: DirectoryEntry[] = []
    for (const child of node.children!.values()) {
      if ('leaf' in child) {
        entries.push({ name: child.name, ...child.leaf })
        continue
      }
      yield* this.#flushNode(child.dir)
      entries.push({ name: child.name, type: 'dir', perms: DIR_PERMS, target: child.dir.id! })
    }
    const dir = makeDirectory({ entries })
    node.id = dir.id
    yield dir
  }

  /** The node holding the last name of `names`, made (with its parents) when `create`. */
  async #parentOf(names: readonly Uint8Array[], create: boolean): Promise<Node | null> {
    const visited: Node[] = [this.#root]
    let node = this.#root
    for (let i = 0; i < names.length - 1; i++) {
      const entries = await this.#load(node)
      const k = key(names[i]!)
      const child = entries.get(k)
      if (child && 'dir' in child) node = child.dir
      else if (!create) return null
      else {
        const made = new Node(null, new Map())
        entries.set(k, { name: names[i]!, dir: made })
        node = made
      }
      visited.push(node)
    }
    await this.#load(node)
    if (create) for (const n of visited) n.id = null
    return node
  }

  async #clone(node: Node): Promise<Node> {
    if (node.children === null) return new Node(node.id, null) // archived, loaded on demand
    const children = new Map<string, Child>()
    for (const [k, c] of node.children)
      children.set(
        k,
        'leaf' in c
          ? { name: c.name, leaf: { ...c.leaf } }
          : { name: c.name, dir: await this.#clone(c.dir) },
      )
    return new Node(node.id, children)
  }

  async #load(node: Node): Promise<Map<string, Child>> {
    if (node.children) return node.children
    const id = node.id!
    const [dir] = this.#storage ? await this.#storage.directoryGet([id]) : [null]
    if (!dir)
      throw new CorruptError(`the archived directory ${id} of the previous revision is missing`)
    const children = new Map<string, Child>()
    for (const e of dir.entries) {
      children.set(
        key(e.name),
        e.type === 'dir'
          ? { name: e.name, dir: new Node(e.target, null) }
          : { name: e.name, leaf: { type: e.type, perms: e.perms, target: e.target } },
      )
    }
    node.children = children
    return children
  }
}
