/**
 * The `tarball-directory` producer, after SWH's `TarballDirectoryLoader`
 * (swh/loader/core/loader.py): one tarball, its declared checksums verified — `standard`
 * checksums on the file itself, or `nar` ones on the unpacked tree (the whole tree, then its
 * single top-level folder, as Nix hashes it) — the directory archived as unpacked, the
 * snapshot `HEAD` → that directory, and ExtIDs `checksum-<algo>` (or `nar-<algo>`), version 1,
 * → the directory. A tarball whose checksum ExtID names an archived directory is not
 * downloaded again. Arca also keeps the pristine bytes and always records `checksum-sha256`
 * of them → the whole unpacked tree (also archived when the NAR hash named its top folder), so
 * that ExtID means the same whatever the layout of the visit that recorded it.
 *
 * @module
 */

import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { ArcaError, InvalidInputError } from '../../errors.js'
import {
  type Directory,
  type ExtId,
  makeExtId,
  type SnapshotBranch,
  utf8,
} from '../../model/index.js'
import { HttpClient, type NetPolicy } from '../../net/index.js'
import { contentObject, DEFAULT_MAX_CONTENT_SIZE } from '../core/content.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import {
  ARCHIVE_CHECKSUM_EXTID_VERSION,
  checksumExtId,
  DEFAULT_MAX_PRISTINE_SIZE,
  diskTree,
  downloadArtifact,
  type DownloadedArtifact,
  narRoot,
  unpackArchive,
  type UnpackLimits,
} from '../package/index.js'

/** Options of a `tarball-directory` visit. */
export interface TarballDirectoryOptions {
  /** Declared checksums, algorithm → hex. */
  readonly checksums?: Readonly<Record<string, string>>
  /** `standard` (default): checksums of the file; `nar`: NAR hashes of the unpacked tree. */
  readonly checksumLayout?: 'standard' | 'nar'
  /** Other URLs of the same tarball, tried in turn (not recorded). */
  readonly fallbackUrls?: readonly string[]
  readonly maxContentSize?: number
  readonly unpackLimits?: Partial<UnpackLimits>
  readonly network?: NetPolicy
}

/** The producer of a `tarball-directory` visit. */
export class TarballDirectoryProducer implements Producer {
  readonly visitType = 'tarball-directory'
  readonly origin: string
  readonly #url: string
  readonly #options: TarballDirectoryOptions
  readonly #client: HttpClient
  #directory: string | null = null
  /** The unpacked tree. */
  #src: string | null = null
  /** What the visit archives: the tree, or its single top-level folder when the NAR says so. */
  #root: string | null = null
  #artifact: DownloadedArtifact | null = null

  constructor(origin: string, url: string, options: TarballDirectoryOptions) {
    this.origin = origin
    this.#url = url
    this.#options = options
    this.#client = new HttpClient(options.network)
  }

  #extidType(algo: string): string {
    return `${this.#options.checksumLayout === 'nar' ? 'nar' : 'checksum'}-${algo}`
  }

  async fetch(ctx: LoadContext): Promise<void> {
    const checksums = this.#options.checksums ?? {}
    for (const [algo, hex] of Object.entries(checksums)) {
      if (algo === 'length') continue
      const found = await ctx.storage.extidGetFromExtid(
        this.#extidType(algo),
        [Buffer.from(hex, 'hex')],
        { version: ARCHIVE_CHECKSUM_EXTID_VERSION },
      )
      for (const e of found) {
        if (e.target.type !== 'dir') continue
        if ((await ctx.storage.directoryMissing([e.target.id])).length === 0) {
          this.#directory = e.target.id
          return
        }
      }
    }
    const standard = this.#options.checksumLayout === 'nar' ? undefined : checksums
    const errors: Error[] = []
    for (const url of [this.#url, ...(this.#options.fallbackUrls ?? [])]) {
      const dir = ctx.scratch('tarball')
      try {
        const a = await downloadArtifact(
          { url, ...(standard ? { checksums: standard } : {}) },
          {
            dir,
            client: this.#client,
            network: this.#options.network,
            signal: ctx.signal,
            onBytes: (n) => ctx.report('fetch', { bytes: n }),
          },
        )
        ctx.stats.fetches++
        ctx.stats.fetchedObjects++
        ctx.stats.fetchedBytes = a.length
        const src = join(dir, 'src')
        mkdirSync(src)
        await unpackArchive(a.path, src, {
          name: a.filename,
          signal: ctx.signal,
          ...(this.#options.unpackLimits ? { limits: this.#options.unpackLimits } : {}),
        })
        this.#src = src
        this.#root = this.#options.checksumLayout === 'nar' ? narRoot(src, checksums, url) : src
        this.#artifact = a
        return
      } catch (e) {
        if (ctx.signal?.aborted) throw e
        // a refused or corrupt archive, a checksum mismatch: the next mirror may do better
        errors.push(e as Error)
      }
    }
    const notFound = errors.every((e) => e instanceof ArcaError && e.code === 'not_found')
    throw notFound
      ? errors[0]!
      : errors.find((e) => !(e instanceof ArcaError && e.code === 'not_found'))!
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject> {
    if (this.#src === null || this.#root === null || this.#artifact === null) return
    // The whole tree is archived: the tarball's own checksum ExtID names it, as a `standard`
    // visit of the same bytes does; a NAR hash of its single top-level folder names that folder.
    let tree = ''
    let entries: Directory['entries'] = []
    const maxContentSize = this.#options.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE
    for await (const o of diskTree(this.#src, {
      maxContentSize,
      origin: this.origin,
      signal: ctx.signal,
    })) {
      if (o.type === 'directory') {
        tree = o.object.id
        entries = o.object.entries
      }
      yield o
    }
    const only = entries.length === 1 && entries[0]!.type === 'dir' ? entries[0]! : null
    if (this.#root !== this.#src && only === null)
      throw new InvalidInputError(
        `${this.origin}: the NAR-hashed folder is not the tree's only one`,
      )
    const root = this.#root === this.#src ? tree : only!.target
    this.#directory = root
    const a = this.#artifact
    if (a.length < DEFAULT_MAX_PRISTINE_SIZE) {
      yield contentObject(readFileSync(a.path), { maxContentSize: Infinity, origin: this.origin })
    }
    const extids: ExtId[] = Object.entries(this.#options.checksums ?? {})
      .filter(([algo]) => algo !== 'length')
      .map(([algo, hex]) =>
        makeExtId({
          extidType: this.#extidType(algo),
          extidVersion: ARCHIVE_CHECKSUM_EXTID_VERSION,
          extid: Buffer.from(hex, 'hex'),
          target: { type: 'dir', id: root },
          payloadType: null,
          payload: null,
        }),
      )
    const sha = checksumExtId(a, tree)
    if (!extids.some((e) => e.id === sha.id)) extids.push(sha)
    for (const e of extids) yield { type: 'extid', object: e }
  }

  branches(): Promise<readonly SnapshotBranch[]> {
    if (this.#directory === null) throw new InvalidInputError(`${this.origin}: no directory`)
    return Promise.resolve([
      { name: utf8('HEAD'), target: { targetType: 'directory', target: this.#directory } },
    ])
  }

  cleanup(): void {
    this.#client.close()
  }
}
