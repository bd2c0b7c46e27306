/**
 * The objects of a fetched pack as a bottom-up stream of model objects: contents (read with
 * batched `git cat-file`, hashed with all four algorithms, those of the size limit or more as
 * skipped contents), then trees and commits (each read once in pack order, id-checked and staged
 * in the scratch store, then walked depth-first so that a directory follows its sub-directories
 * and a revision its parents), then tags (a tag of a tag after the inner one). What is missing
 * or corrupt is reported lost; the core's sink does the rest (see `../core/sink.ts`).
 *
 * @module
 */

import { join } from 'node:path'

import { ContentHasher, type Directory, type Revision } from '../../model/index.js'
import type { LoadContext, ModelObject } from '../core/types.js'
import { CatFile, type GitObjectType } from './cat-file.js'
import {
  checkGitId,
  commitToRevision,
  parseTreeEntries,
  tagToRelease,
  treeToDirectory,
} from './convert.js'
import type { PackIndex } from './pack-index.js'
import { ScratchDb } from './scratch-db.js'
import { parseGitmodules } from './submodules.js'

/** What the walk of one pack needs. */
export interface PackSource {
  /** The origin URL (skipped contents name it; relative submodule URLs resolve against it). */
  readonly url: string
  readonly scratch: string
  readonly pack: PackIndex
  readonly maxContentSize: number
  /** Whether `oid` is the tip of a ref (its tree's `.gitmodules` is read). */
  readonly isTip: (oid: string) => boolean
}

/** Yields the objects of `src.pack` bottom-up. */
export async function* packObjects(
  ctx: LoadContext,
  src: PackSource,
): AsyncGenerator<ModelObject, void, undefined> {
  const { pack } = src
  ctx.expect('contents', pack.count('blob'))
  ctx.expect('directories', pack.count('tree'))
  ctx.expect('revisions', pack.count('commit'))
  ctx.expect('releases', pack.count('tag'))
  const cat = new CatFile(src.scratch)
  const db = new ScratchDb(join(src.scratch, 'objects.sqlite'))
  try {
    yield* contents(ctx, src, cat)
    await stage(ctx, pack, cat, db, 'tree')
    yield* trees(ctx, pack, db)
    await stage(ctx, pack, cat, db, 'commit')
    yield* commits(ctx, src, cat, db)
    yield* tags(ctx, pack, cat)
  } finally {
    db.close()
    await cat.close()
  }
}

async function* ids(pack: PackIndex, type: GitObjectType): AsyncIterable<string> {
  for await (const chunk of pack.chunks(type, 4096)) yield* chunk
}

async function* contents(
  ctx: LoadContext,
  src: PackSource,
  cat: CatFile,
): AsyncGenerator<ModelObject, void, undefined> {
  // Reads are pipelined in windows; a blob of the size limit or more is never held in memory:
  // its bytes stream through a hasher and it is stored as a skipped content.
  for await (const slice of src.pack.chunks('blob', 512)) {
    ctx.signal?.throwIfAborted()
    const large = new Map<string, ContentHasher>()
    const reads = slice.map((oid) =>
      cat.read(oid, {
        maxInMemory: src.maxContentSize - 1,
        onChunk: (chunk, size) => {
          let h = large.get(oid)
          if (!h) {
            h = new ContentHasher(size)
            large.set(oid, h)
          }
          h.update(chunk)
        },
      }),
    )
    for (let k = 0; k < slice.length; k++) {
      const oid = slice[k]!
      const obj = await reads[k]!
      if (!obj) {
        ctx.lost(oid)
        continue
      }
      const h =
        obj.data === null
          ? large.get(oid)!.digest()
          : new ContentHasher(obj.size).update(obj.data).digest()
      if (h.sha1Git !== oid) {
        ctx.lost(oid)
        continue
      }
      if (obj.data === null)
        yield {
          type: 'skipped_content',
          object: {
            ...h,
            length: obj.size,
            status: 'absent',
            reason: 'Content too large',
            origin: src.url,
            ctime: null,
          },
        }
      else
        yield {
          type: 'content',
          object: { ...h, length: obj.size, status: 'visible', ctime: null, data: obj.data },
        }
    }
  }
}

/**
 * Reads every tree or commit of the pack once, in pack order and with pipelined requests
 * (cheap for git, whose deltas chain in that order), checks each one's id, and keeps its body in
 * the scratch store for the bottom-up walk that follows.
 */
async function stage(
  ctx: LoadContext,
  pack: PackIndex,
  cat: CatFile,
  db: ScratchDb,
  kind: 'tree' | 'commit',
): Promise<void> {
  for await (const slice of pack.chunks(kind, 1024)) {
    ctx.signal?.throwIfAborted()
    const reads = slice.map((oid) => cat.read(oid))
    for (let k = 0; k < slice.length; k++) {
      const oid = slice[k]!
      const obj = await reads[k]!
      if (!obj || obj.type !== kind || obj.data === null) {
        ctx.lost(oid)
        continue
      }
      try {
        checkGitId(kind, oid, obj.data)
      } catch {
        ctx.lost(oid)
        continue
      }
      db.put(kind, oid, obj.data)
    }
  }
  db.flush()
}

/** A node of a depth-first walk: the object, once parsed, and its children still to visit. */
interface Frame<T> {
  readonly oid: string
  value: T | null
  pending: string[] | null
}

/**
 * Walks the objects of `roots` depth-first, children first: `parse` reads one (null: lost),
 * `children` names those of the pack to visit before it. Yields each object after its children;
 * the stack holds only the current path.
 */
async function* postOrder<T>(
  ctx: LoadContext,
  roots: AsyncIterable<string>,
  parse: (oid: string) => T | null,
  children: (value: T) => readonly string[],
  visit?: (oid: string, value: T) => Promise<void>,
): AsyncGenerator<T, void, undefined> {
  for await (const root of roots) {
    if (ctx.seen(root)) continue
    const stack: Frame<T>[] = [{ oid: root, value: null, pending: null }]
    while (stack.length > 0) {
      ctx.signal?.throwIfAborted()
      const top = stack[stack.length - 1]!
      if (top.pending === null) {
        const value = parse(top.oid)
        if (value === null) {
          ctx.lost(top.oid)
          stack.pop()
          continue
        }
        top.value = value
        top.pending = children(value).filter((c) => !ctx.seen(c))
        if (visit) await visit(top.oid, value)
        continue
      }
      const next = top.pending.pop()
      if (next !== undefined) {
        if (!ctx.seen(next)) stack.push({ oid: next, value: null, pending: null })
        continue
      }
      stack.pop()
      yield top.value!
    }
  }
}

/** Parses a staged body with `convert`; null when absent or unparsable. */
function staged<T>(
  db: ScratchDb,
  kind: 'tree' | 'commit',
  convert: (oid: string, body: Uint8Array) => T,
): (oid: string) => T | null {
  return (oid) => {
    const body = db.get(kind, oid)
    if (body === null) return null
    try {
      return convert(oid, body)
    } catch {
      return null
    }
  }
}

async function* trees(
  ctx: LoadContext,
  pack: PackIndex,
  db: ScratchDb,
): AsyncGenerator<ModelObject, void, undefined> {
  const walk = postOrder<Directory>(
    ctx,
    ids(pack, 'tree'),
    staged(db, 'tree', treeToDirectory),
    // Sub-trees of this pack come first; other entries must be archived (the sink checks).
    (dir) =>
      dir.entries.flatMap((e) => (e.type === 'dir' && pack.is(e.target, 'tree') ? [e.target] : [])),
  )
  for await (const object of walk) yield { type: 'directory', object }
}

async function* commits(
  ctx: LoadContext,
  src: PackSource,
  cat: CatFile,
  db: ScratchDb,
): AsyncGenerator<ModelObject, void, undefined> {
  const { pack } = src
  const walk = postOrder<Revision>(
    ctx,
    ids(pack, 'commit'),
    staged(db, 'commit', commitToRevision),
    (rev) => rev.parents.filter((p) => pack.is(p, 'commit')),
    async (oid, rev) => {
      if (src.isTip(oid)) await findSubmodules(ctx, src, cat, rev.directory)
    },
  )
  for await (const object of walk) yield { type: 'revision', object }
}

/** Records the submodule repositories named by `.gitmodules` at the root of a head's tree. */
async function findSubmodules(
  ctx: LoadContext,
  src: PackSource,
  cat: CatFile,
  tree: string,
): Promise<void> {
  if (!src.pack.is(tree, 'tree')) return
  const obj = await cat.read(tree)
  if (!obj?.data) return
  const entry = parseTreeEntries(tree, obj.data).find(
    (e) => Buffer.from(e.name).toString('latin1') === '.gitmodules',
  )
  if (!entry) return
  const blob = await cat.read(entry.oid, { maxInMemory: 1 << 20 })
  if (!blob?.data) return
  await ctx.referOrigins(parseGitmodules(blob.data, src.url))
}

async function* tags(
  ctx: LoadContext,
  pack: PackIndex,
  cat: CatFile,
): AsyncGenerator<ModelObject, void, undefined> {
  for await (const root of ids(pack, 'tag')) {
    if (ctx.seen(root)) continue
    // Tags of tags: the inner tag first.
    const chain: ReturnType<typeof tagToRelease>[] = []
    let oid: string | null = root
    while (oid !== null && !ctx.seen(oid)) {
      const obj = await cat.read(oid)
      if (!obj || obj.type !== 'tag' || obj.data === null) {
        ctx.lost(oid)
        break
      }
      let rel
      try {
        checkGitId('tag', oid, obj.data)
        rel = tagToRelease(oid, obj.data)
      } catch {
        ctx.lost(oid)
        break
      }
      chain.push(rel)
      oid = rel.targetType === 'release' && pack.is(rel.target!, 'tag') ? rel.target : null
    }
    for (const object of chain.reverse()) yield { type: 'release', object }
  }
}
