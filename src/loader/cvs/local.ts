/**
 * A CVS module read from a local CVS root (given, or copied there by rsync): every `,v` file
 * under the module folder (sorted by name bytes; `.git` names skipped, as SWH does), parsed
 * for its changesets; texts are checked out from the RCS files, keywords expanded as SWH's
 * loader does (`keywords.ts`, with the root's `CVSROOT/config`), one RCS file at a time: all
 * the revisions a visit needs of a file are written to scratch when the first is needed.
 *
 * @module
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { NotFoundError } from '../../errors.js'
import type { LoadContext } from '../core/types.js'
import { ChangesetCollector } from './changesets.js'
import { keywordConfig, KeywordExpander } from './keywords.js'
import type { CvsSource } from './origin.js'
import { parseRcs, walkTexts } from './rcs.js'
import { type CvsListing, modulePath, type TextSource } from './source.js'

const SLASH = Buffer.from('/')

/** One `,v` file of the module. */
interface RcsEntry {
  /** Its path on disk. */
  readonly disk: Buffer
  /** The RCS path as the server names it, for `$Header$` and `$Source$`. */
  readonly serverName: Buffer
}

/**
 * Lists the module `src.module` of the CVS root folder `localRoot`; `src.root` is how the
 * server names that root (keyword values use it).
 */
export function listLocal(
  src: CvsSource,
  localRoot: string,
  scratch: string,
  ctx: LoadContext,
): CvsListing {
  const moduleDir = Buffer.from(join(localRoot, src.module))
  try {
    readdirSync(moduleDir)
  } catch {
    throw new NotFoundError(`CVS module ${src.module} not found in ${src.origin}`)
  }
  let config: string | null
  try {
    config = readFileSync(join(localRoot, 'CVSROOT', 'config'), 'utf8')
  } catch {
    config = null
  }
  const collector = new ChangesetCollector()
  const serverModule = Buffer.from(
    `${src.root.startsWith('/') ? '' : '/'}${src.root}/${src.module}`,
  )
  const prefix = Buffer.concat([serverModule, SLASH])
  const entries: RcsEntry[] = []
  const files: Uint8Array[] = []
  for (const rel of walkRcsFiles(moduleDir)) {
    ctx.signal?.throwIfAborted()
    const disk = Buffer.concat([moduleDir, SLASH, rel])
    const rcs = parseRcs(readFileSync(disk), disk.toString('utf8'))
    const serverName = Buffer.concat([prefix, rel])
    const tree = modulePath(serverName, prefix)
    if (tree === null) continue
    collector.addFile({
      file: files.length,
      symbols: rcs.symbols,
      deltas: rcs.deltas,
      log: (rev) => Buffer.from(rcs.log(rev) ?? new Uint8Array()),
    })
    entries.push({ disk, serverName })
    files.push(tree)
    ctx.report('list', { objects: files.length })
  }
  if (files.length === 0)
    throw new NotFoundError(`CVS module ${src.module} of ${src.origin} holds no RCS files`)
  const changesets = collector.sorted()
  return {
    files,
    changesets,
    texts: new LocalTexts(entries, changesets, new KeywordExpander(keywordConfig(config)), scratch),
  }
}

/** Module-relative paths of every `,v` file below `dir`, sorted by name bytes. */
function* walkRcsFiles(dir: Buffer, rel: Buffer | null = null): Generator<Buffer> {
  const entries = readdirSync(dir, { encoding: 'buffer', withFileTypes: true })
  entries.sort((a, b) => Buffer.compare(a.name, b.name))
  for (const e of entries) {
    const name = e.name
    if (name.equals(Buffer.from('.git'))) continue
    const path = Buffer.concat([dir, SLASH, name])
    const sub = rel === null ? name : Buffer.concat([rel, SLASH, name])
    if (e.isDirectory()) yield* walkRcsFiles(path, sub)
    else if (name.length > 2 && name.subarray(-2).equals(Buffer.from(',v'))) yield sub
  }
}

/** Texts checked out of local RCS files. */
class LocalTexts implements TextSource {
  readonly #entries: readonly RcsEntry[]
  readonly #wanted = new Map<number, Set<string>>()
  readonly #written = new Set<number>()
  readonly #expander: KeywordExpander
  readonly #dir: string

  constructor(
    entries: readonly RcsEntry[],
    changesets: CvsListing['changesets'],
    expander: KeywordExpander,
    scratch: string,
  ) {
    this.#entries = entries
    this.#expander = expander
    this.#dir = join(scratch, 'texts')
    mkdirSync(this.#dir, { recursive: true })
    for (const cs of changesets)
      for (const f of cs.revs) {
        if (f.dead) continue
        let s = this.#wanted.get(f.file)
        if (!s) this.#wanted.set(f.file, (s = new Set()))
        s.add(f.rev)
      }
  }

  #path(file: number, rev: string): string {
    return join(this.#dir, `${file}-${rev}`)
  }

  async text(file: number, rev: string): Promise<string> {
    if (!this.#written.has(file)) {
      this.#written.add(file)
      await this.#writeAll(file)
    }
    return this.#path(file, rev)
  }

  /** Writes the checked-out text of every wanted revision of one RCS file. */
  async #writeAll(file: number): Promise<void> {
    const entry = this.#entries[file]!
    const name = entry.disk.toString('utf8')
    const rcs = parseRcs(readFileSync(entry.disk), name)
    await walkTexts(rcs, this.#wanted.get(file) ?? new Set(), name, (rev, text) => {
      const d = rcs.deltas.get(rev)!
      const out = this.#expander.expand(text, entry.serverName, rcs.expand, {
        rev,
        date: d.date,
        author: d.author,
        state: d.state,
        log: rcs.log(rev) ?? new Uint8Array(),
      })
      writeFileSync(this.#path(file, rev), out)
    })
  }

  close(): void {
    rmSync(this.#dir, { recursive: true, force: true })
  }
}
