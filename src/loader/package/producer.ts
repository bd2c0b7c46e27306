/**
 * The package producer: runs a {@link PackageSource} on the loader core (see `types.ts` for
 * the contract). `fetch` lists the packages and finds those already loaded by their ExtIDs;
 * `objects` downloads, verifies, unpacks and builds each other package in turn (one scratch
 * folder at a time, removed after it), yielding its contents, directories, pristine artifact
 * bytes, release and ExtIDs; a package that fails is named with its reason and the visit is
 * partial; `branches` makes SWH's snapshot (empty when no version could be loaded).
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { errorMessage, InvalidInputError } from '../../errors.js'
import {
  type Directory,
  type ExtId,
  makeExtId,
  makeRelease,
  type SnapshotBranch,
  utf8,
} from '../../model/index.js'
import { HttpClient } from '../../net/index.js'
import { contentObject, DEFAULT_MAX_CONTENT_SIZE } from '../core/content.js'
import { diskTree } from '../core/disk-tree.js'
import type { LoadContext, ModelObject, Producer } from '../core/types.js'
import { downloadArtifact } from './download.js'
import { ARCHIVE_CHECKSUM_EXTID_VERSION, knownPackages, previousTargets } from './known.js'
import { loaderFetcher, metadataObjects, type MetadataPlace, originSwhid } from './metadata.js'
import { narRoot } from './nar.js'
import type {
  BuiltTree,
  DownloadedArtifact,
  MetadataItem,
  PackageContext,
  PackageInfo,
  PackageLoadOptions,
  PackageSource,
} from './types.js'
import { unpackArchive } from './unpack/index.js'
import { latestVersion } from './version-order.js'

/** Pristine artifacts of this size or more are not kept (their tree is). */
export const DEFAULT_MAX_PRISTINE_SIZE = 1024 * 1024 * 1024

/** A package and the release its branch gets. */
interface Loaded {
  readonly info: PackageInfo
  readonly release: string
}

/** The producer of a package load; see the module comment. */
export class PackageProducer<Raw> implements Producer {
  readonly visitType: string
  readonly origin: string
  readonly #source: PackageSource<Raw>
  readonly #options: PackageLoadOptions
  readonly #client: HttpClient
  #todo: PackageInfo<Raw>[] = []
  readonly #loaded: Loaded[] = []
  #versions: string[] = []

  constructor(source: PackageSource<Raw>, options: PackageLoadOptions) {
    this.visitType = source.visitType
    this.origin = source.origin
    this.#source = source
    this.#options = options
    this.#client = new HttpClient(options.network)
  }

  #context(ctx: LoadContext): PackageContext {
    return {
      load: ctx,
      network: this.#options.network,
      getText: async (url, o = {}) => {
        const res = await this.#client.request(url, {
          headers: { Accept: o.accept ?? 'application/json' },
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        })
        ctx.stats.fetches++
        if (res.status === 404 || res.status === 410) {
          res.cancel()
          return null
        }
        if (!res.ok) {
          res.cancel()
          throw new InvalidInputError(`${url} answered HTTP ${res.status}`)
        }
        return res.text(o.maxBytes ?? 64 << 20)
      },
    }
  }

  async fetch(ctx: LoadContext): Promise<void> {
    const infos = await this.#source.listPackages(this.#context(ctx))
    ctx.report('list', { objects: infos.length })
    this.#versions = [...new Set(infos.map((i) => i.version))]
    if (infos.length === 0) throw new InvalidInputError(`${this.origin} lists no package to load`)
    const whitelist = await previousTargets(ctx.storage, ctx.previousSnapshot)
    const known = await knownPackages(ctx.storage, infos, whitelist)
    for (const info of infos) {
      const release = known.get(info)
      if (release) this.#loaded.push({ info, release })
      else this.#todo.push(info)
    }
  }

  async *objects(ctx: LoadContext): AsyncGenerator<ModelObject> {
    let fetched = ctx.stats.fetchedBytes
    for (const info of this.#todo) {
      ctx.signal?.throwIfAborted()
      const dir = ctx.scratch('pkg')
      try {
        const artifacts: DownloadedArtifact[] = []
        for (const a of info.artifacts) {
          const base = fetched
          const d = await downloadArtifact(a, {
            dir,
            client: this.#client,
            network: this.#options.network,
            signal: ctx.signal,
            attempts: this.#options.downloadAttempts ?? 3,
            onBytes: (n) => ctx.report('fetch', { bytes: base + n }),
          })
          fetched += d.length
          ctx.stats.fetches++
          ctx.stats.fetchedObjects++
          ctx.stats.fetchedBytes = fetched
          artifacts.push(d)
        }
        const src = join(dir, 'src')
        mkdirSync(src)
        if (this.#source.unpack) await this.#source.unpack(info, artifacts, src, this.#context(ctx))
        else
          for (const a of artifacts)
            await unpackArchive(a.path, src, {
              name: a.filename,
              signal: ctx.signal,
              ...(this.#options.unpackLimits ? { limits: this.#options.unpackLimits } : {}),
            })
        const nar = info.narChecksums
        const narDir = nar ? narRoot(src, nar, info.artifacts[0]?.url ?? this.origin) : null
        let root = ''
        let rootEntries: Directory['entries'] = []
        const maxContentSize = this.#options.maxContentSize ?? DEFAULT_MAX_CONTENT_SIZE
        for await (const o of diskTree(src, {
          maxContentSize,
          origin: this.origin,
          signal: ctx.signal,
        })) {
          if (o.type === 'directory') {
            root = o.object.id
            rootEntries = o.object.entries
          }
          yield o
        }
        const tree: BuiltTree = { path: src, directory: root, artifacts }
        const spec = await this.#source.buildRelease(info, tree)
        if (spec === null) continue
        for (const a of artifacts) yield* pristine(a, this.origin)
        const release = makeRelease({
          ...spec,
          target: root,
          targetType: 'directory',
          synthetic: true,
        })
        yield { type: 'release', object: release }
        yield* this.#metadata(info.directoryMetadata ?? [], ctx, {
          target: { type: 'dir', id: root },
          origin: this.origin,
          release: { type: 'rel', id: release.id },
        })
        if (info.extid)
          yield {
            type: 'extid',
            object: makeExtId({
              extidType: info.extid.type,
              extidVersion: info.extid.version,
              extid: info.extid.value,
              target: { type: 'rel', id: release.id },
              payloadType: null,
              payload: null,
            }),
          }
        if (artifacts.length === 1)
          yield { type: 'extid', object: checksumExtId(artifacts[0]!, root) }
        if (nar && narDir !== null)
          for (const e of narExtIds(nar, narDir === src ? root : entryDir(rootEntries, narDir)))
            yield { type: 'extid', object: e }
        this.#loaded.push({ info, release: release.id })
      } catch (e) {
        if (ctx.signal?.aborted) throw e
        const reason = `${info.branchName}: ${errorMessage(e)}`
        ctx.unavailable(info.branchName, reason)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }

  branches(ctx: LoadContext): Promise<readonly SnapshotBranch[]> {
    const byVersion = new Map<string, Loaded[]>()
    for (const l of this.#loaded) {
      if (ctx.broken(l.release)) continue
      const list = byVersion.get(l.info.version) ?? []
      list.push(l)
      byVersion.set(l.info.version, list)
    }
    // As SWH's PackageLoader.load: "Failed to load any release" (a failed visit) is only for an
    // origin with no version at all (`fetch` refuses that); versions listed but none loaded
    // (each failed, or without the metadata a release is made from) give the empty snapshot,
    // the visit `partial` when some failed (each named), else `full`.
    if (byVersion.size === 0) return Promise.resolve([])
    const branches: SnapshotBranch[] = []
    const names = new Set<string>()
    let def = this.#source.defaultVersion?.(this.#versions) ?? latestVersion(this.#versions)
    if (def === null || !byVersion.get(def)?.length) def = latestVersion([...byVersion.keys()])
    for (const [version, list] of byVersion) {
      if (version === def && list.length === 1 && list[0]!.info.branchName !== 'HEAD')
        branches.push({
          name: utf8('HEAD'),
          target: { targetType: 'alias', target: utf8(list[0]!.info.branchName) },
        })
      for (const l of list) {
        if (names.has(l.info.branchName)) continue
        names.add(l.info.branchName)
        branches.push({
          name: utf8(l.info.branchName),
          target: { targetType: 'release', target: l.release },
        })
      }
    }
    return Promise.resolve(branches)
  }

  afterSnapshot(ctx: LoadContext, snapshot: string): ModelObject[] {
    return [
      ...this.#metadata(this.#source.snapshotMetadata?.() ?? [], ctx, {
        target: { type: 'snp', id: snapshot },
        origin: this.origin,
      }),
      ...this.#metadata(this.#source.originMetadata?.() ?? [], ctx, {
        target: originSwhid(this.origin),
        origin: null,
      }),
    ]
  }

  /** The records of `items` at `place` (none when the source names no authority). */
  #metadata(items: readonly MetadataItem[], ctx: LoadContext, place: MetadataPlace): ModelObject[] {
    if (items.length === 0) return []
    const authority = this.#source.metadataAuthority?.() ?? null
    if (authority === null) return []
    const fetcher = loaderFetcher(this.visitType)
    return metadataObjects(items, place, { authority, fetcher, visitDate: ctx.visitDate })
  }

  cleanup(): void {
    this.#client.close()
  }
}

/**
 * The directory id of the single top-level folder of the tree (what `narRoot` matched when not
 * the tree itself: the tree holds that one entry, whatever bytes its name has).
 */
function entryDir(entries: Directory['entries'], path: string): string {
  const e = entries.length === 1 && entries[0]!.type === 'dir' ? entries[0]! : null
  if (!e) throw new InvalidInputError(`${path}: not the single folder of the unpacked tree`)
  return e.target
}

/** `nar-<algo>` ExtIDs (version 1, as SWH's directory loaders) of `dir`. */
function narExtIds(nar: Readonly<Record<string, string>>, dir: string): ExtId[] {
  return Object.entries(nar).map(([algo, hex]) =>
    makeExtId({
      extidType: `nar-${algo}`,
      extidVersion: ARCHIVE_CHECKSUM_EXTID_VERSION,
      extid: Buffer.from(hex, 'hex'),
      target: { type: 'dir', id: dir },
      payloadType: null,
      payload: null,
    }),
  )
}

/** The pristine bytes of an artifact, as a content (nothing at or above the size limit). */
function* pristine(a: DownloadedArtifact, origin: string): Generator<ModelObject> {
  if (a.length >= DEFAULT_MAX_PRISTINE_SIZE) return
  const o = contentObject(readFileSync(a.path), { maxContentSize: Infinity, origin })
  yield o
}

/** `checksum-sha256` (version 1) of an artifact, to the directory it unpacks to. */
export function checksumExtId(a: DownloadedArtifact, directory: string): ExtId {
  return makeExtId({
    extidType: 'checksum-sha256',
    extidVersion: ARCHIVE_CHECKSUM_EXTID_VERSION,
    extid: Buffer.from(a.hashes.sha256!, 'hex'),
    target: { type: 'dir', id: directory },
    payloadType: null,
    payload: null,
  })
}
