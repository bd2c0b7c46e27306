/**
 * The content store: bytes by sha1_git. Other areas import objstorage only from here.
 *
 * @module
 */

export { alive, diskError } from './disk.js'
export { type FsCompression, FsObjStorage } from './fs/fs-objstorage.js'
export {
  type AbortOptions,
  type ObjGetOptions,
  type ObjListOptions,
  type ObjStorage,
  type StoredHashes,
} from './interface.js'
export {
  type MigrateOptions,
  type MigrateProgress,
  type MigrateReport,
  migrateToPacks,
} from './migrate.js'
export { type CompactOptions, type CompactReport } from './pack/compact.js'
export { type PackCompression } from './pack/format.js'
export {
  DEFAULT_PACK_OBJSTORAGE,
  INDEX_FILE,
  PackObjStorage,
  type PackObjStorageInit,
  packStoreState,
} from './pack/pack-objstorage.js'
export { type PackFigures, type PackStats } from './pack/stats.js'
export { type S3Location } from './s3/bucket.js'
export { S3ObjStorage, type S3ObjStorageInit, type S3StoreStats } from './s3/s3-objstorage.js'
