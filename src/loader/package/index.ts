/**
 * The package-loader core (see `types.ts` for the contract concrete loaders code against):
 * download with checksums, safe unpacking, the directory from disk, release, snapshot and
 * ExtIDs, pristine artifact bytes.
 *
 * @module
 */

export { diskTree, type DiskTreeOptions } from '../core/disk-tree.js'
export {
  artifactFilename,
  downloadArtifact,
  type DownloadOptions,
  localArtifactPath,
  verifyChecksums,
} from './download.js'
export { ARCHIVE_CHECKSUM_EXTID_VERSION, knownPackages, previousTargets } from './known.js'
export { loadPackage } from './loader.js'
export { LOADER_FETCHER_VERSION, loaderFetcher } from './metadata.js'
export { narHash, narRoot } from './nar.js'
export { checksumExtId, DEFAULT_MAX_PRISTINE_SIZE, PackageProducer } from './producer.js'
export {
  type BuiltTree,
  type ChecksumAlgo,
  type Checksums,
  type DownloadedArtifact,
  type MetadataItem,
  type PackageArtifact,
  type PackageContext,
  type PackageExtId,
  type PackageInfo,
  type PackageLoadOptions,
  type PackageSource,
  releaseBranch,
  type ReleaseSpec,
} from './types.js'
export {
  type ArchiveFormat,
  DEFAULT_UNPACK_LIMITS,
  sniffFormat,
  unpackArchive,
  type UnpackLimits,
  type UnpackOptions,
  UnpackRefusal,
} from './unpack/index.js'
export { compareLooseVersions, latestVersion } from './version-order.js'
