/**
 * A CVS module read over pserver, as Software Heritage's loader reads it: `rlog` of the module,
 * then `rlog -sdead` of the `Attic` folder beside every folder with files (deletions some
 * servers only show there), the Attic listings parsed before the module's; file revisions are
 * checked out one by one with `co -r REV` (the server expands the keywords). Authors are taken
 * as UTF-8 with invalid bytes dropped, as SWH does for rlog output.
 *
 * @module
 */

import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { NotFoundError } from '../../errors.js'
import type { LoadContext } from '../core/types.js'
import { ChangesetCollector } from './changesets.js'
import type { CvsSource } from './origin.js'
import { PSERVER_PORT, PserverClient } from './pserver.js'
import { parseRlog, type RlogFile } from './rlog.js'
import { type CvsListing, modulePath, type TextSource } from './source.js'

/** Lists the module of a pserver source. */
export async function listPserver(
  src: CvsSource,
  scratch: string,
  ctx: LoadContext,
  stallTimeoutMs: number,
): Promise<CvsListing> {
  if (!src.user)
    throw new NotFoundError(
      `a user name is required for a pserver connection (pserver://user@host/root/module): ${src.origin}`,
    )
  const client = await PserverClient.open(
    {
      host: src.host!,
      port: src.port ?? PSERVER_PORT,
      user: src.user,
      password: src.password ?? '',
      root: src.root,
    },
    { ...(ctx.signal ? { signal: ctx.signal } : {}), stallTimeoutMs },
  )
  try {
    const dir = join(scratch, 'rlog')
    mkdirSync(dir, { recursive: true })
    const main = join(dir, 'module')
    if (!(await client.rlog(Buffer.from(src.module), main)))
      throw new NotFoundError(`CVS module ${src.module} not found at ${src.origin}`)
    const rootPrefix = Buffer.from(`${src.root}/`)
    const modulePrefix = Buffer.from(`${src.root}/${src.module}/`)
    // Folders (module-relative to the root) with files, in the order first seen.
    const folders: Buffer[] = []
    const seenFolders = new Set<string>()
    await parseRlog(main, (f) => {
      const rel = modulePath(f.path, rootPrefix)
      if (rel === null) return
      const slash = Buffer.from(rel).lastIndexOf(0x2f)
      const parent = slash < 0 ? Buffer.alloc(0) : Buffer.from(rel).subarray(0, slash)
      const attic = Buffer.concat([parent, Buffer.from('/Attic')])
      const k = attic.toString('latin1')
      if (f.deltas.size === 0 || seenFolders.has(k)) return
      seenFolders.add(k)
      folders.push(attic)
    })
    const listings: string[] = []
    for (const [i, attic] of folders.entries()) {
      ctx.signal?.throwIfAborted()
      const out = join(dir, `attic-${i}`)
      if (await client.rlog(attic, out, 'dead')) listings.push(out)
    }
    listings.push(main)
    const collector = new ChangesetCollector()
    const files: Uint8Array[] = []
    const paths: Buffer[] = []
    for (const listing of listings)
      await parseRlog(listing, (f: RlogFile) => {
        const tree = modulePath(f.path, modulePrefix)
        if (tree === null) return
        collector.addFile({
          file: files.length,
          symbols: f.symbols,
          deltas: f.deltas,
          log: (rev) => f.logs.get(rev) ?? Buffer.alloc(0),
        })
        files.push(tree)
        paths.push(Buffer.concat([Buffer.from(`${src.module}/`), tree]))
        ctx.report('list', { objects: files.length })
      })
    rmSync(dir, { recursive: true, force: true })
    if (files.length === 0)
      throw new NotFoundError(`CVS module ${src.module} of ${src.origin} holds no files`)
    return {
      files,
      changesets: collector.sorted(),
      texts: new PserverTexts(client, src.module, paths, scratch),
    }
  } catch (e) {
    client.close()
    throw e
  }
}

/** Texts checked out by the server. */
class PserverTexts implements TextSource {
  readonly #client: PserverClient
  readonly #module: string
  readonly #paths: readonly Buffer[]
  readonly #dir: string
  #n = 0

  constructor(client: PserverClient, module: string, paths: readonly Buffer[], scratch: string) {
    this.#client = client
    this.#module = module
    this.#paths = paths
    this.#dir = join(scratch, 'co')
    mkdirSync(this.#dir, { recursive: true })
  }

  async text(file: number, rev: string): Promise<string> {
    const out = join(this.#dir, String(this.#n++))
    await this.#client.checkout(this.#paths[file]!, rev, this.#module, out)
    return out
  }

  close(): void {
    this.#client.close()
  }
}
