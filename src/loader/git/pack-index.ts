/**
 * What a fetched pack holds: the type of each object (for membership tests, in compact id sets)
 * and, per type, the list of ids in pack order (in files in the scratch directory, read back in
 * chunks), so that nothing about the pack is held in memory per object beyond ~40 bytes.
 *
 * @module
 */

import { once } from 'node:events'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { IoError } from '../../errors.js'
import { gitEnv } from '../../fromdisk/index.js'
import { isSha1Hex } from '../../model/index.js'
import { diskError } from '../../objstorage/index.js'
import { IdSet } from '../core/id-set.js'
import type { GitObjectType } from './cat-file.js'
import { startChild } from './child.js'

const TYPES: readonly GitObjectType[] = ['blob', 'tree', 'commit', 'tag']

/**
 * Index of the objects of a scratch repository.
 *
 * @example
 * ```ts
 * const index = await PackIndex.build('/tmp/scratch.git')
 * for await (const trees of index.chunks('tree', 1024)) console.log(trees.length)
 * ```
 */
export class PackIndex {
  readonly #sets = new Map<GitObjectType, IdSet>(TYPES.map((t) => [t, new IdSet()]))
  readonly #counts = new Map<GitObjectType, number>(TYPES.map((t) => [t, 0]))

  private constructor(readonly dir: string) {}

  /** Lists every object of the repository at `repo` (pack order). */
  static async build(repo: string): Promise<PackIndex> {
    const index = new PackIndex(repo)
    const files = new Map<GitObjectType, WriteStream>(
      TYPES.map((t) => [t, createWriteStream(join(repo, `arca-${t}.list`))]),
    )
    // A write error (a full disk) ends the listing with a clear error, never an unhandled event.
    let writeError: unknown = null
    for (const f of files.values())
      f.on('error', (e) => {
        writeError ??= e
        void child.kill()
      })
    const child = startChild(
      'git',
      [
        '-C',
        repo,
        'cat-file',
        '--batch-all-objects',
        '--unordered',
        '--batch-check=%(objectname) %(objecttype)',
      ],
      { env: gitEnv(repo), stdout: 'pipe' },
    )
    for await (const line of createInterface({ input: child.proc.stdout!, crlfDelay: Infinity })) {
      const sp = line.indexOf(' ')
      const oid = line.slice(0, sp)
      const type = line.slice(sp + 1) as GitObjectType
      const set = index.#sets.get(type)
      if (!set || !isSha1Hex(oid)) continue
      set.add(oid)
      index.#counts.set(type, index.#counts.get(type)! + 1)
      const out = files.get(type)!
      if (writeError === null && !out.write(oid + '\n'))
        await once(out, 'drain').catch(() => undefined)
    }
    const { code, error } = await child.exited
    await Promise.all(
      [...files.values()].map(
        (f) =>
          new Promise<void>((resolve) => {
            if (f.destroyed) resolve()
            else f.end(() => resolve())
          }),
      ),
    )
    if (writeError !== null) throw diskError(writeError, `the list of fetched objects in ${repo}`)
    if (code !== 0)
      throw new IoError(`Cannot list the fetched objects: ${error?.message ?? child.stderr()}`)
    return index
  }

  /** The type of `oid` if the pack holds it. */
  type(oid: string): GitObjectType | undefined {
    for (const t of TYPES) if (this.#sets.get(t)!.has(oid)) return t
    return undefined
  }

  /** Whether the pack holds `oid` as a `type`. */
  is(oid: string, type: GitObjectType): boolean {
    return this.#sets.get(type)!.has(oid)
  }

  /** Number of objects of `type`. */
  count(type: GitObjectType): number {
    return this.#counts.get(type)!
  }

  /** Number of objects in all. */
  get size(): number {
    let n = 0
    for (const c of this.#counts.values()) n += c
    return n
  }

  /** The ids of `type` in pack order, `size` at a time. */
  async *chunks(type: GitObjectType, size: number): AsyncIterable<string[]> {
    let chunk: string[] = []
    for await (const line of createInterface({
      input: createReadStream(join(this.dir, `arca-${type}.list`)),
      crlfDelay: Infinity,
    })) {
      if (!line) continue
      chunk.push(line)
      if (chunk.length >= size) {
        yield chunk
        chunk = []
      }
    }
    if (chunk.length > 0) yield chunk
  }
}
