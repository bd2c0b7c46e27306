/**
 * Validating layer: recomputes every id before anything reaches the inner storage (invariant 2:
 * everything is verified on the way in). Directories, revisions, releases, snapshots and extids
 * are hashed from their manifests; a content added with its bytes is hashed from them (four
 * hashes and the length); a content added as rows only (its bytes already in the content store,
 * as the mirror writes them) is hashed from the bytes read back from the content store, and
 * refused if they are not there. A mismatch is a CorruptError naming the object; the whole
 * batch is refused, so nothing of a corrupt batch is stored.
 *
 * An object this process already checked (the very object, see `verify.checked`: the mirror
 * checks each record as it decodes it, and each content against the bytes it stores) is not
 * hashed again: every object is verified once on its way in, never zero times.
 *
 * @module
 */

import { CorruptError, InvalidInputError } from '../../errors.js'
import {
  type Content,
  type Directory,
  type ExtId,
  isSha1Hex,
  type RawExtrinsicMetadata,
  type Release,
  type Revision,
  type SkippedContent,
  type Snapshot,
  verify,
} from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type { AbortOptions, AddSummary, ContentWithData, Storage } from '../interface.js'
import { ForwardingStorage } from './forwarding.js'

/**
 * Recomputes ids and content hashes.
 *
 * @example
 * ```ts
 * const storage = new ValidatingStorage(backend, { objstorage })
 * await storage.directoryAdd([dir]) // throws CorruptError if dir.id is wrong
 * ```
 */
export class ValidatingStorage extends ForwardingStorage {
  readonly #objstorage: ObjStorage

  /** `objstorage`: where the bytes of contents added as rows only are read back from. */
  constructor(inner: Storage, components: { readonly objstorage: ObjStorage }) {
    super(inner)
    this.#objstorage = components.objstorage
  }

  override async contentAdd(
    contents: readonly ContentWithData[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const c of contents) if (!verify.checked(c, c.data)) verify.content(c, c.data)
    return super.contentAdd(contents, options)
  }

  override async contentAddMetadata(
    contents: readonly Content[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const c of contents) {
      if (
        !isSha1Hex(c.sha1Git) ||
        !isSha1Hex(c.sha1) ||
        !/^[0-9a-f]{64}$/.test(c.sha256) ||
        !/^[0-9a-f]{64}$/.test(c.blake2s256) ||
        !(c.length >= 0)
      ) {
        throw new InvalidInputError(`Cannot add content "${c.sha1Git}": malformed hashes or length`)
      }
    }
    const absent = new Set(
      await this.#objstorage.missing(
        contents.map((c) => c.sha1Git),
        options,
      ),
    )
    for (const c of contents) {
      if (absent.has(c.sha1Git))
        throw new CorruptError(
          `Content "swh:1:cnt:${c.sha1Git}" has no bytes in the content store: its hashes cannot be checked`,
          { details: { swhid: `swh:1:cnt:${c.sha1Git}` } },
        )
      // Checked against its bytes already (the mirror, before storing them): not read back.
      if (verify.checked(c)) continue
      verify.content(c, await this.#objstorage.getBytes(c.sha1Git, options))
    }
    return super.contentAddMetadata(contents, options)
  }

  override async skippedContentAdd(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const c of contents) {
      if (c.sha1 === null && c.sha1Git === null && c.sha256 === null && c.blake2s256 === null) {
        throw new InvalidInputError('Cannot add a skipped content without any hash')
      }
    }
    return super.skippedContentAdd(contents, options)
  }

  override async directoryAdd(
    directories: readonly Directory[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const d of directories) if (!verify.checked(d)) verify.directory(d)
    return super.directoryAdd(directories, options)
  }

  override async revisionAdd(
    revisions: readonly Revision[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const r of revisions) if (!verify.checked(r)) verify.revision(r)
    return super.revisionAdd(revisions, options)
  }

  override async releaseAdd(
    releases: readonly Release[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const r of releases) if (!verify.checked(r)) verify.release(r)
    return super.releaseAdd(releases, options)
  }

  override async snapshotAdd(
    snapshots: readonly Snapshot[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const s of snapshots) if (!verify.checked(s)) verify.snapshot(s)
    return super.snapshotAdd(snapshots, options)
  }

  override async extidAdd(extids: readonly ExtId[], options?: AbortOptions): Promise<AddSummary> {
    for (const e of extids) if (!verify.checked(e)) verify.extid(e)
    return super.extidAdd(extids, options)
  }

  override async rawExtrinsicMetadataAdd(
    metadata: readonly RawExtrinsicMetadata[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const m of metadata) if (!verify.checked(m)) verify.rawExtrinsicMetadata(m)
    return super.rawExtrinsicMetadataAdd(metadata, options)
  }
}
