/**
 * Graph storage: the interface, the SQL backend (SQLite, PostgreSQL), its layers and the archive that opens them. Other areas import storage only from here.
 *
 * @module
 */

export { type Archive, type ArchiveInit, defaultStorageUrl, openArchive } from './archive.js'
export {
  forEachPackedEntry,
  PACKED_DIR,
  PACKED_FILE,
  packedDirectoryManifest,
  unpackEntries,
} from './codec.js'
export { openSqlDatabase, type SqlDatabaseOptions } from './factory.js'
export {
  type ContentHashName,
  type Counters,
  type DirectoryEntryInfo,
  KINDS_IN_REFERENCE_ORDER,
  type MaskWriter,
  type OriginMetadataRecord,
  type OriginMetadataSearchOptions,
  type ProvenanceListItem,
  type ProvenanceListKind,
  type ProvenanceListPage,
  type ProvenanceOccurrence,
  type Storage,
} from './interface.js'
export { missingIds } from './missing.js'
export { type MaskedView, maskedView } from './proxies/masked-view.js'
export { isWithheld } from './proxies/masking-journal.js'
export {
  type Referrer,
  REMOVAL_ORDER,
  type RemovalKind,
  type RemovalRecord,
  type RevisionEdges,
  type StorageRemoval,
} from './removal.js'
export {
  type IdScanKind,
  type PackedDirectory,
  type RepairObject,
  SCAN_KINDS,
  type ScanItem,
  type ScanKind,
  type ScannedObject,
  type ScanPage,
  type StorageRepair,
  type StorageScan,
} from './scan.js'
export { sweepScratch } from './scratch-sweep.js'
export {
  type Dialect,
  type Migration,
  type SqlDatabase,
  type SqlExecutor,
  type SqlValue,
} from './sql/executor.js'
export { migrate } from './sql/migrate.js'
export { buildStack, type Layer, type Writer, WRITER_STACKS } from './stack.js'
