/**
 * The object half of the SQL graph storage: the connection, its lifecycle and the Merkle DAG's
 * own objects (contents, directories, revisions, releases, snapshots). {@link SqlStorage} extends
 * it with origins, visits, metadata and the indexes. Every add runs in one transaction that also
 * updates the counters; adds use `ON CONFLICT DO NOTHING` so concurrent writers never fail and
 * never duplicate.
 *
 * @module
 */

import type {
  Content,
  Directory,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
} from '../../model/index.js'
import type { ObjStorage } from '../../objstorage/index.js'
import type {
  AbortOptions,
  AddSummary,
  ContentHashName,
  ContentLength,
  ContentWithData,
  DirectoryEntryInfo,
  DirectoryLsOptions,
  RevisionLogOptions,
  SnapshotBranchesOptions,
  SnapshotBranchesPage,
} from '../interface.js'
import * as contents from './contents.js'
import * as directories from './directories.js'
import type { Migration, SqlDatabase } from './executor.js'
import { ListingCache } from './listing-cache.js'
import { migrate } from './migrate.js'
import * as releases from './releases.js'
import * as revisions from './revisions.js'
import * as snapshots from './snapshots.js'

/** The connection and the DAG objects of an SQL graph storage (see {@link SqlStorage}). */
export class SqlObjectStorage {
  readonly #db: SqlDatabase
  readonly #migrations: readonly Migration[]
  readonly #objstorage: ObjStorage
  /** One-level directory listings, each checked against the database when given again. */
  readonly #listings = new ListingCache()
  #opened = false

  constructor(db: SqlDatabase, migrations: readonly Migration[], objstorage: ObjStorage) {
    this.#db = db
    this.#migrations = migrations
    this.#objstorage = objstorage
  }

  /** The database (for backend-specific tools and tests). */
  get db(): SqlDatabase {
    return this.#db
  }

  /** The content store this storage writes bytes to. */
  get objstorage(): ObjStorage {
    return this.#objstorage
  }

  async open(): Promise<void> {
    if (this.#opened) return
    await this.#objstorage.open()
    await migrate(this.#db, this.#migrations)
    this.#opened = true
  }

  async close(): Promise<void> {
    this.#opened = false
    await this.#db.close()
    await this.#objstorage.close()
  }

  flush(): Promise<AddSummary> {
    return Promise.resolve({})
  }

  // -- contents ------------------------------------------------------------------------------

  contentAdd(
    contentsIn: readonly ContentWithData[],
    options: AbortOptions = {},
  ): Promise<AddSummary> {
    return contents.contentAdd(this.#db, this.#objstorage, contentsIn, options)
  }

  contentAddMetadata(contentsIn: readonly Content[]): Promise<AddSummary> {
    return contents.contentAddMetadata(this.#db, contentsIn)
  }

  contentMissing(ids: readonly string[]): Promise<string[]> {
    return contents.contentMissing(this.#db, ids)
  }

  contentGet(
    ids: readonly string[],
    hash: ContentHashName = 'sha1_git',
  ): Promise<(Content | null)[]> {
    return contents.contentGet(this.#db, ids, hash)
  }

  contentLengthGet(ids: readonly string[]): Promise<(ContentLength | null)[]> {
    return contents.contentLengthGet(this.#db, ids)
  }

  skippedContentAdd(contentsIn: readonly SkippedContent[]): Promise<AddSummary> {
    return contents.skippedContentAdd(this.#db, contentsIn)
  }

  skippedContentMissing(contentsIn: readonly SkippedContent[]): Promise<SkippedContent[]> {
    return contents.skippedContentMissing(this.#db, contentsIn)
  }

  skippedContentFind(sha1Git: string): Promise<SkippedContent[]> {
    return contents.skippedContentFind(this.#db, sha1Git)
  }

  // -- directories ---------------------------------------------------------------------------

  directoryAdd(dirs: readonly Directory[]): Promise<AddSummary> {
    return directories.directoryAdd(this.#db, dirs)
  }

  directoryMissing(ids: readonly string[]): Promise<string[]> {
    return directories.directoryMissing(this.#db, ids)
  }

  directoryManifestGet(ids: readonly string[]): Promise<(Uint8Array | null)[]> {
    return directories.directoryManifestGet(this.#db, ids)
  }

  directoryGet(ids: readonly string[]): Promise<(Directory | null)[]> {
    return directories.directoryGet(this.#db, ids)
  }

  directoryLs(id: string, options: DirectoryLsOptions = {}): Promise<DirectoryEntryInfo[] | null> {
    return directories.directoryLs(this.#db, id, options, this.#listings)
  }

  directoryEntryGetByPath(
    id: string,
    path: readonly Uint8Array[],
  ): Promise<DirectoryEntryInfo | null> {
    return directories.directoryEntryGetByPath(this.#db, id, path)
  }

  // -- revisions -----------------------------------------------------------------------------

  revisionAdd(revs: readonly Revision[]): Promise<AddSummary> {
    return revisions.revisionAdd(this.#db, revs)
  }

  revisionMissing(ids: readonly string[]): Promise<string[]> {
    return revisions.revisionMissing(this.#db, ids)
  }

  revisionGet(ids: readonly string[]): Promise<(Revision | null)[]> {
    return revisions.revisionGet(this.#db, ids)
  }

  revisionManifestGet(ids: readonly string[]): Promise<(Uint8Array | null)[]> {
    return revisions.revisionManifestGet(this.#db, ids)
  }

  revisionLog(ids: readonly string[], options: RevisionLogOptions = {}): AsyncIterable<Revision> {
    return revisions.revisionLog(this.#db, ids, options)
  }

  // -- releases ------------------------------------------------------------------------------

  releaseAdd(rels: readonly Release[]): Promise<AddSummary> {
    return releases.releaseAdd(this.#db, rels)
  }

  releaseMissing(ids: readonly string[]): Promise<string[]> {
    return releases.releaseMissing(this.#db, ids)
  }

  releaseGet(ids: readonly string[]): Promise<(Release | null)[]> {
    return releases.releaseGet(this.#db, ids)
  }

  // -- snapshots -----------------------------------------------------------------------------

  snapshotAdd(snaps: readonly Snapshot[]): Promise<AddSummary> {
    return snapshots.snapshotAdd(this.#db, snaps)
  }

  snapshotMissing(ids: readonly string[]): Promise<string[]> {
    return snapshots.snapshotMissing(this.#db, ids)
  }

  snapshotGet(ids: readonly string[]): Promise<(Snapshot | null)[]> {
    return snapshots.snapshotGet(this.#db, ids)
  }

  snapshotGetBranches(
    id: string,
    options: SnapshotBranchesOptions = {},
  ): Promise<SnapshotBranchesPage | null> {
    return snapshots.snapshotGetBranches(this.#db, id, options)
  }

  snapshotCountBranches(id: string): Promise<Readonly<Record<string, number>> | null> {
    return snapshots.snapshotCountBranches(this.#db, id)
  }
}
