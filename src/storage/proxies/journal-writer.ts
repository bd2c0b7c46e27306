/**
 * Journal-writing layer: every object it is given goes to the journal, then to the inner
 * storage. Placed below the filter layer, it sees only objects that were missing, so each new
 * object is journaled once (at least once: a crash after the journal write and before the
 * storage write journals it again on the rerun, and two concurrent writers of the same new
 * object may both journal it; replay is idempotent).
 *
 * Journal before storage, as swh-storage does: the journal is then always a superset of the
 * storage, so a mirror never misses an object the archive holds. Content bytes go to the
 * content store before even the journal record, so a mirror that reads a content record can
 * always fetch its bytes. Visits are the exception: their number is assigned by the storage, so
 * they are journaled right after being added.
 *
 * @module
 */

import { InvalidInputError } from '../../errors.js'
import {
  encodeRecord,
  type JournalWriter,
  type Topic,
  type TopicObjects,
} from '../../journal/index.js'
import type {
  Content,
  Directory,
  ExtId,
  Origin,
  OriginVisit,
  OriginVisitStatus,
  RawExtrinsicMetadata,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type {
  AbortOptions,
  AddSummary,
  ContentWithData,
  OriginVisitInit,
  Storage,
} from '../interface.js'
import { ForwardingStorage } from './forwarding.js'

/**
 * Writes every new object to the journal.
 *
 * @example
 * ```ts
 * const storage = new JournalWritingStorage(backend, { journal, objstorage })
 * ```
 */
export class JournalWritingStorage extends ForwardingStorage {
  readonly #journal: JournalWriter
  readonly #objstorage: ObjStorage

  constructor(inner: Storage, components: { journal: JournalWriter; objstorage: ObjStorage }) {
    super(inner)
    this.#journal = components.journal
    this.#objstorage = components.objstorage
  }

  async #write<T extends Topic>(
    topic: T,
    objects: readonly TopicObjects[T][],
    options?: AbortOptions,
  ): Promise<void> {
    if (objects.length === 0) return
    await this.#journal.append(
      topic,
      objects.map((o) => encodeRecord(topic, o)),
      options,
    )
  }

  override async contentAdd(
    contents: readonly ContentWithData[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    for (const c of contents) {
      if (c.data.length !== c.length)
        throw new InvalidInputError(
          `Cannot add content "swh:1:cnt:${c.sha1Git}": length ${c.length} but ${c.data.length} bytes given`,
        )
    }
    await this.#objstorage.addBatch(
      contents.map((c) => ({ id: c.sha1Git, data: c.data })),
      options,
    )
    const metadata = contents.map(({ data: _data, ...c }) => c)
    await this.#write('content', metadata, options)
    // The bytes are stored already: only the rows remain (writing the bytes again through the
    // inner contentAdd would double every file write and fsync).
    const summary = await super.contentAddMetadata(metadata, options)
    return { ...summary, 'content:add:bytes': contents.reduce((n, c) => n + c.length, 0) }
  }

  override async contentAddMetadata(
    contents: readonly Content[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('content', contents, options)
    return super.contentAddMetadata(contents, options)
  }

  override async skippedContentAdd(
    contents: readonly SkippedContent[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('skipped_content', contents, options)
    return super.skippedContentAdd(contents, options)
  }

  override async directoryAdd(
    directories: readonly Directory[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('directory', directories, options)
    return super.directoryAdd(directories, options)
  }

  override async revisionAdd(
    revisions: readonly Revision[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('revision', revisions, options)
    return super.revisionAdd(revisions, options)
  }

  override async releaseAdd(
    releases: readonly Release[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('release', releases, options)
    return super.releaseAdd(releases, options)
  }

  override async snapshotAdd(
    snapshots: readonly Snapshot[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('snapshot', snapshots, options)
    return super.snapshotAdd(snapshots, options)
  }

  override async extidAdd(extids: readonly ExtId[], options?: AbortOptions): Promise<AddSummary> {
    await this.#write('extid', extids, options)
    return super.extidAdd(extids, options)
  }

  override async rawExtrinsicMetadataAdd(
    metadata: readonly RawExtrinsicMetadata[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('raw_extrinsic_metadata', metadata, options)
    return super.rawExtrinsicMetadataAdd(metadata, options)
  }

  override async originAdd(
    origins: readonly Origin[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    const known = await this.inner.originGet(
      origins.map((o) => o.url),
      options,
    )
    await this.#write(
      'origin',
      origins.filter((_, i) => known[i] === null),
      options,
    )
    return super.originAdd(origins, options)
  }

  override async originVisitAdd(
    visits: readonly OriginVisitInit[],
    options?: AbortOptions,
  ): Promise<OriginVisit[]> {
    const added = await super.originVisitAdd(visits, options)
    await this.#write('origin_visit', added, options)
    return added
  }

  override async originVisitStatusAdd(
    statuses: readonly OriginVisitStatus[],
    options?: AbortOptions,
  ): Promise<AddSummary> {
    await this.#write('origin_visit_status', statuses, options)
    return super.originVisitStatusAdd(statuses, options)
  }
}
