/**
 * The CVS producer: read every `,v` file of a module (local, or copied by rsync into scratch
 * space), group the file revisions into changesets (`changesets.ts`), then per changeset check
 * out the files it changed (keywords expanded as SWH does, `keywords.ts`), apply them to one
 * tree and yield the contents, the changed directories and a revision whose parent is the
 * previous changeset's. Revision texts are written to scratch files one RCS file at a time and
 * removed once used, so memory holds one `,v` file, not the history. As in Software Heritage,
 * every visit replays the whole history (CVS has no changeset ids); changesets whose revision
 * is already archived are not sent again.
 *
 * @module
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { NotFoundError } from '../../errors.js'
import { makeRevision, type Revision, type SnapshotBranch } from '../../model/index.js'
import { contentObject } from '../core/content.js'
import { MutableTree } from '../core/tree.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { type Changeset, ChangesetCollector } from './changesets.js'
import { keywordConfig, KeywordExpander } from './keywords.js'
import type { CvsSource } from './origin.js'
import { parseRcs, walkTexts } from './rcs.js'
import { rsyncModule } from './rsync.js'

/** One `,v` file of the module. */
interface RcsEntry {
  /** Its path on disk. */
  readonly disk: Buffer
  /** Its path in the revision's tree (module-relative, `Attic/` dropped, `,v` dropped). */
  readonly tree: Uint8Array
  /** The RCS path as the server names it, for `$Header$` and `$Source$`. */
  readonly serverName: Uint8Array
}

const SLASH = Buffer.from('/')

/** Options of the producer. */
export interface CvsProducerOptions {
  readonly maxContentSize: number
}

export class CvsProducer implements Producer {
  readonly visitType = 'cvs'
  readonly origin: string
  readonly #source: CvsSource
  readonly #options: CvsProducerOptions
  #files: RcsEntry[] = []
  #changesets: Changeset[] = []
  #expander = new KeywordExpander()
  #scratch: string | null = null
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
    const src = this.#source
    this.#scratch = ctx.scratch('cvs')
    let localRoot: string
    if (src.scheme === 'file') localRoot = src.localRoot!
    else if (src.scheme === 'rsync') {
      localRoot = join(this.#scratch, 'root')
      await rsyncModule(src, localRoot, ctx)
    } else throw new NotFoundError(`pserver:// is not supported yet (${src.origin})`)
    const moduleDir = join(localRoot, src.module)
    try {
      readdirSync(moduleDir)
    } catch {
      throw new NotFoundError(`CVS module ${src.module} not found in ${src.root}`)
    }
    let config: string | null = null
    try {
      config = readFileSync(join(localRoot, 'CVSROOT', 'config'), 'utf8')
    } catch {
      config = null
    }
    this.#expander = new KeywordExpander(keywordConfig(config))
    const collector = new ChangesetCollector()
    const serverRoot = Buffer.from(src.root.startsWith('/') ? src.root : `/${src.root}`)
    for (const rel of walkRcsFiles(Buffer.from(moduleDir), [])) {
      ctx.signal?.throwIfAborted()
      const disk = Buffer.concat([Buffer.from(moduleDir), SLASH, ...joinNames(rel)])
      const rcs = parseRcs(readFileSync(disk), Buffer.from(disk).toString('utf8'))
      const index = this.#files.length
      this.#files.push({
        disk,
        tree: treePath(rel),
        serverName: Buffer.concat([
          serverRoot,
          SLASH,
          Buffer.from(src.module),
          SLASH,
          ...joinNames(rel),
        ]),
      })
      collector.addFile({
        file: index,
        symbols: rcs.symbols,
        deltas: rcs.deltas,
        log: (rev) => Buffer.from(rcs.log(rev) ?? new Uint8Array()),
      })
      ctx.report('list', { objects: this.#files.length })
    }
    if (this.#files.length === 0)
      throw new NotFoundError(`CVS module ${src.module} in ${src.root} holds no RCS files`)
    this.#changesets = collector.sorted()
    ctx.stats.fetchedObjects = this.#files.length
    ctx.report('fetch', { objects: this.#files.length })
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject, void, undefined> {
    const texts = join(this.#scratch!, 'texts')
    mkdirSync(texts, { recursive: true })
    const wanted = new Map<number, Set<string>>()
    for (const cs of this.#changesets)
      for (const f of cs.revs) {
        if (f.dead) continue
        let s = wanted.get(f.file)
        if (!s) wanted.set(f.file, (s = new Set()))
        s.add(f.rev)
      }
    const written = new Set<number>()
    const textPath = (file: number, rev: string): string => join(texts, `${file}-${rev}`)
    const tree = MutableTree.empty()
    let parent: string | null = null
    let catchingUp = ctx.previousSnapshot !== null
    ctx.expect('revisions', this.#changesets.length)
    for (const cs of this.#changesets) {
      ctx.signal?.throwIfAborted()
      const used: string[] = []
      for (const f of cs.revs) {
        const entry = this.#files[f.file]!
        if (f.dead) {
          await tree.remove(entry.tree)
          continue
        }
        if (!written.has(f.file)) {
          written.add(f.file)
          await this.#writeTexts(f.file, wanted.get(f.file)!, textPath)
        }
        const path = textPath(f.file, f.rev)
        const c = contentObject(readFileSync(path), {
          maxContentSize: this.#options.maxContentSize,
          origin: this.origin,
        })
        used.push(path)
        await tree.putLeaf(entry.tree, { type: 'file', perms: 0o100644, target: c.object.sha1Git! })
      }
      const dirs: ModelObject[] = []
      for await (const d of tree.flush()) dirs.push({ type: 'directory', object: d })
      const date = {
        timestamp: { seconds: cs.maxTime, microseconds: 0 },
        offsetBytes: Buffer.from('+0000'),
      }
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
        yield contentObject(readFileSync(p), {
          maxContentSize: this.#options.maxContentSize,
          origin: this.origin,
        })
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

  /** Writes the checked-out text of every wanted revision of one RCS file to scratch. */
  async #writeTexts(
    file: number,
    revs: ReadonlySet<string>,
    textPath: (file: number, rev: string) => string,
  ): Promise<void> {
    const entry = this.#files[file]!
    const name = entry.disk.toString('utf8')
    const rcs = parseRcs(readFileSync(entry.disk), name)
    await walkTexts(rcs, revs, name, (rev, lines) => {
      const d = rcs.deltas.get(rev)!
      const text = Buffer.concat(lines)
      const out = this.#expander.expand(text, entry.serverName, rcs.expand, {
        rev,
        date: d.date,
        author: d.author,
        state: d.state,
        log: rcs.log(rev) ?? new Uint8Array(),
      })
      writeFileSync(textPath(file, rev), out)
    })
  }
}

/** Module-relative paths (as name lists) of every `,v` file, sorted by name bytes. */
function* walkRcsFiles(dir: Buffer, rel: Buffer[]): Generator<Buffer[]> {
  const entries = readdirSync(dir, { encoding: 'buffer', withFileTypes: true })
  entries.sort((a, b) => Buffer.compare(a.name, b.name))
  for (const e of entries) {
    const name = e.name
    if (name.equals(Buffer.from('.git'))) continue
    const path = Buffer.concat([dir, SLASH, name])
    if (e.isDirectory()) yield* walkRcsFiles(path, [...rel, name])
    else if (name.length > 2 && name.subarray(-2).equals(Buffer.from(',v'))) yield [...rel, name]
  }
}

function joinNames(names: readonly Buffer[]): Buffer[] {
  return names.flatMap((n, i) => (i === 0 ? [n] : [SLASH, n]))
}

/** The tree path of a `,v` file: `,v` dropped, and an `Attic` parent dropped. */
function treePath(rel: readonly Buffer[]): Uint8Array {
  const names = [...rel]
  const last = names.pop()!
  if (names.length > 0 && names[names.length - 1]!.equals(Buffer.from('Attic'))) names.pop()
  names.push(last.subarray(0, -2))
  return Buffer.concat(joinNames(names))
}
