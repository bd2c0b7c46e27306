/**
 * Graph storage: the interface, the SQL backend (SQLite, PostgreSQL), its layers and the archive that opens them. Other areas import storage only from here.
 *
 * @module
 */

export { addTopicObjects, type GraphTopic, isGraphTopic } from './apply.js'
export { type Archive, type ArchiveInit, defaultStorageUrl, openArchive } from './archive.js'
export {
  type CodeIndexStats,
  type CodeLine,
  type CodeMatch,
  type CodeSearchHit,
  type CodeSearchOptions,
  type CodeSearchPage,
  type CodeSearchStorage,
  type CodeSearchType,
  hasCodeSearch,
} from './code-search.js'
export {
  forEachPackedEntry,
  PACKED_DIR,
  PACKED_FILE,
  packedDirectoryManifest,
  unpackEntries,
} from './codec.js'
export {
  CONTENT_STORE_DIRS,
  type ContentStoreKind,
  contentStoreKind,
  DEFAULT_CONTENT_STORE,
  openContentStore,
  parseContentStoreKind,
  parseS3Url,
} from './content-store.js'
export { openSqlDatabase, type SqlDatabaseOptions } from './factory.js'
export {
  GRAPH_NODE_TYPES,
  type GraphCounts,
  type GraphDirection,
  type GraphNodeType,
  type GraphReader,
  type GraphReindexReport,
  type GraphSuccessorsOptions,
  type StorageGraph,
} from './graph.js'
export {
  type ContentHashName,
  type Counters,
  type DirectoryEntryInfo,
  KINDS_IN_REFERENCE_ORDER,
  type MaskWriter,
  type OriginMetadataRecord,
  type OriginMetadataSearchOptions,
  type OriginSearchOptions,
  type OriginSearchPage,
  type ProvenanceListItem,
  type ProvenanceListKind,
  type ProvenanceListPage,
  type ProvenanceOccurrence,
  type Storage,
} from './interface.js'
export { missingIds } from './missing.js'
export { type MaskedView, maskedView } from './proxies/masked-view.js'
export { maskedGraph } from './proxies/masking-graph.js'
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
  type BranchOutcome,
  describeNoRoot,
  MAIN_BRANCHES,
  type NoRootReason,
  resolveOriginRoot,
  resolveRoot,
  type ResolveRootOptions,
  resolveSnapshotBranch,
  type Root,
  type RootOutcome,
  type RootStorage,
} from './roots.js'
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
