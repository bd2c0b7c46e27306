/**
 * A directory on disk (an unpacked package, an `svn export`), built as swh-model's `from_disk` builds it
 * (the same rules as `arca identify`: `src/fromdisk`): a file is executable when any execute bit
 * is set, a symbolic link is a content of its target's bytes (never followed), empty
 * directories are kept, FIFOs, sockets and devices are empty contents, names are the raw
 * bytes. Yields contents (with their bytes; skipped contents at the size limit) then
 * directories, bottom-up, and gives the root id.
 *
 * @module
 */

import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'

import { type DirectoryEntry, makeDirectory, Perms } from '../../model/index.js'
import { contentObject } from './content.js'
import type { ModelObject } from './types.js'

/** Options of {@link diskTree}. */
export interface DiskTreeOptions {
  readonly maxContentSize: number
  readonly origin: string
  readonly signal?: AbortSignal | undefined
}

/** Objects of the tree at `root`, bottom-up; the last one yielded is the root directory. */
export async function* diskTree(
  root: string,
  options: DiskTreeOptions,
): AsyncGenerator<ModelObject> {
  yield* walk(Buffer.from(root), options)
}

async function* walk(dir: Buffer, options: DiskTreeOptions): AsyncGenerator<ModelObject> {
  const names = readdirSync(dir, { encoding: 'buffer' })
  const entries: DirectoryEntry[] = []
  for (const name of names) {
    options.signal?.throwIfAborted()
    const p = Buffer.concat([dir, Buffer.from('/'), name])
    const st = lstatSync(p)
    if (st.isDirectory()) {
      let id = ''
      for await (const o of walk(p, options)) {
        if (o.type === 'directory') id = o.object.id
        yield o
      }
      entries.push({ name, type: 'dir', perms: Perms.directory, target: id })
      continue
    }
    let data: Uint8Array
    let perms: number
    if (st.isSymbolicLink()) {
      data = readlinkSync(p, { encoding: 'buffer' })
      perms = Perms.symlink
    } else if (st.isFile()) {
      data = readFileSync(p)
      perms = st.mode & 0o111 ? Perms.executableContent : Perms.content
    } else {
      data = new Uint8Array(0)
      perms = Perms.content
    }
    const obj = contentObject(data, options)
    yield obj
    entries.push({ name, type: 'file', perms, target: obj.object.sha1Git! })
  }
  yield { type: 'directory', object: makeDirectory({ entries }) }
}
