/**
 * The package-loader core's contract, after Software Heritage's `PackageLoader`
 * (swh/loader/package/loader.py). A concrete loader (archive `tar`, npm, PyPI, crates, Debian,
 * nixguix) implements {@link PackageSource} and calls `loadPackage(source, options)`; the core
 * does the rest:
 *
 * 1. `listPackages(ctx)` gives every version's {@link PackageInfo}s (SWH's `get_versions` +
 *    `get_package_info`): a branch name (`releases/<version>` by {@link releaseBranch}), the
 *    artifacts to download (url, filename, declared checksums) and, optionally, the
 *    known-artifact ExtID (`extid`, SWH's `PackageInfo.extid()`, which targets the release).
 * 2. A package whose ExtID maps to a release that the previous snapshot of this origin (same
 *    visit type) names is not downloaded again: its branch keeps that release.
 * 3. Otherwise the core downloads each artifact (http(s) through the SSRF-checked client, with
 *    retries; `file://` or a path only without a network policy), verifies every declared
 *    checksum (`sha1`, `sha256`, `sha512`, `md5`, `length`; a mismatch fails that package
 *    with a message naming the algorithm and both values), unpacks it safely into
 *    `<scratch>/src` (`unpack()` when the source has its own way, e.g. `dpkg-source -x`), and
 *    builds the directory from disk as swh-model's `from_disk` does.
 * 4. `buildRelease(info, tree)` gives the release's name, message, author, date (SWH's
 *    `build_release`); null skips the package. The intrinsic metadata files (package.json,
 *    PKG-INFO, …) are contents of the tree; `tree.path` lets `buildRelease` read them.
 * 5. The core stores contents, directories, the pristine artifact bytes (as a content, so the
 *    exact tarball comes back by its sha256), the release, the package ExtID (→ release) and,
 *    for a one-artifact package, `checksum-sha256` (version 1, → directory, as SWH's
 *    `tarball-directory` loader records it).
 *    The source's registry records of the package (`directoryMetadata`) become raw extrinsic
 *    metadata on the directory, origin and release as context, under `metadataAuthority()`
 *    (SWH's `build_extrinsic_directory_metadata`); `snapshotMetadata()` and `originMetadata()`
 *    are recorded once the snapshot is made.
 * 6. Snapshot: one branch per package to its release, `HEAD` an alias to the default version's
 *    branch when that version has exactly one (SWH's `_load_snapshot`); the default version is
 *    `defaultVersion(versions)` or the greatest by loose version order among those loaded.
 * 7. Visit status: `full`; `partial` when some packages failed (each named with its reason),
 *    with the snapshot of the others — the empty snapshot when none loaded (as SWH's
 *    `PackageLoader.load`); `failed` when `listPackages` gives no package; `not_found` when it
 *    throws NotFoundError.
 *
 * @module
 */

import type { MetadataAuthority, Person, TimestampWithTimezone } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import type { LoadContext, LoadOptions } from '../core/types.js'
import type { UnpackLimits } from './unpack/limits.js'

/** Declared checksums of an artifact: algorithm → lower-case hex (`length`: decimal). */
export type Checksums = Readonly<Partial<Record<ChecksumAlgo, string>>>

/** Algorithms a declared checksum may use. */
export type ChecksumAlgo = 'sha1' | 'sha256' | 'sha512' | 'md5' | 'length'

/** One file to download for a package version. */
export interface PackageArtifact {
  /** `http(s)://…`, `file://…` or a local path (local only without a network policy). */
  readonly url: string
  /** Name of the downloaded file (default: the URL's last path segment). */
  readonly filename?: string
  /** Checksums to verify after download. */
  readonly checksums?: Checksums
}

/**
 * A piece of extrinsic metadata as the registry sent it (SWH's `RawExtrinsicMetadataCore`):
 * its format (`replicate-npm-package-json`, `pypi-project-json`, …) and bytes.
 */
export interface MetadataItem {
  readonly format: string
  readonly metadata: Uint8Array
}

/** A known-artifact ExtID (SWH's `PartialExtID`): mapped to the release once loaded. */
export interface PackageExtId {
  readonly type: string
  readonly version: number
  readonly value: Uint8Array
}

/** One package (a version's artifact set) to load, as `get_package_info` yields it. */
export interface PackageInfo<Raw = unknown> {
  /** The version, as the registry names it. */
  readonly version: string
  /** The snapshot branch, usually `releases/<version>` ({@link releaseBranch}). */
  readonly branchName: string
  readonly artifacts: readonly PackageArtifact[]
  /**
   * NAR hashes (algorithm → hex) the unpacked tree must have (Nix's recursive `outputHash`):
   * checked on the tree or its single top-level folder, the match recorded as `nar-<algo>`
   * ExtIDs (version 1) to that directory; a mismatch fails the package naming both values.
   */
  readonly narChecksums?: Readonly<Record<string, string>>
  /** The ExtID telling this package was loaded already; null: always load. */
  readonly extid: PackageExtId | null
  /** The source's own data, handed back to `buildRelease` and `unpack`. */
  readonly raw: Raw
  /**
   * The registry's metadata of this package, recorded on the release's directory (origin and
   * release as context) under {@link PackageSource.metadataAuthority}.
   */
  readonly directoryMetadata?: readonly MetadataItem[]
}

/** A downloaded artifact, verified. */
export interface DownloadedArtifact {
  readonly url: string
  /** The file in scratch space. */
  readonly path: string
  readonly filename: string
  readonly length: number
  /** Every hash computed: sha1, sha256, sha512, md5, sha1_git, blake2s256 (hex). */
  readonly hashes: Readonly<Record<string, string>>
  /** HTTP `Last-Modified` or the local file's mtime, when known. */
  readonly lastModified: Date | null
}

/** The unpacked tree of a package, built into the archive. */
export interface BuiltTree {
  /** The folder on disk the directory was made from. */
  readonly path: string
  /** The directory's id (sha1_git hex). */
  readonly directory: string
  readonly artifacts: readonly DownloadedArtifact[]
}

/** What a release is made of (the target is the built directory). */
export interface ReleaseSpec {
  readonly name: Uint8Array
  readonly message: Uint8Array | null
  readonly author: Person | null
  readonly date: TimestampWithTimezone | null
}

/** A concrete package loader: what it knows of its registry, and nothing else. */
export interface PackageSource<Raw = unknown> {
  /** The visit type recorded (`tar`, `npm`, `pypi`, `crates`, `deb`, `nixguix`). */
  readonly visitType: string
  /** The origin URL as recorded. */
  readonly origin: string
  /**
   * Every package of the origin (SWH: `get_versions` then `get_package_info`). Throw a
   * NotFoundError when the origin does not exist (visit `not_found`).
   */
  listPackages(ctx: PackageContext): Promise<readonly PackageInfo<Raw>[]>
  /** Who publishes the extrinsic metadata of the source (SWH's `get_metadata_authority`). */
  metadataAuthority?(): MetadataAuthority | null
  /** Metadata recorded on the snapshot (origin as context), once it is made. */
  snapshotMetadata?(): readonly MetadataItem[]
  /** Metadata recorded on the origin (SWH's `get_extrinsic_origin_metadata`). */
  originMetadata?(): readonly MetadataItem[]
  /** The version HEAD aliases (default: greatest loaded one by loose version order). */
  defaultVersion?(versions: readonly string[]): string | null
  /** The release of a built package; null leaves the package out. */
  buildRelease(
    info: PackageInfo<Raw>,
    tree: BuiltTree,
  ): Promise<ReleaseSpec | null> | ReleaseSpec | null
  /**
   * Unpacks the downloaded artifacts into `dest` (an empty folder) in the source's own way;
   * default: each artifact unpacked safely by the core ({@link unpackArchive}) into `dest`.
   */
  unpack?(
    info: PackageInfo<Raw>,
    artifacts: readonly DownloadedArtifact[],
    dest: string,
    ctx: PackageContext,
  ): Promise<void>
}

/** What the core lends a package source. */
export interface PackageContext {
  readonly load: LoadContext
  /** The network policy of the load (undefined: unrestricted). */
  readonly network: NetPolicy | undefined
  /** GETs a small document (a registry's JSON) through the checked client; text, or null on 404. */
  getText(
    url: string,
    options?: { readonly maxBytes?: number; readonly accept?: string },
  ): Promise<string | null>
}

/** Options of a package load. */
export interface PackageLoadOptions extends LoadOptions {
  /** Contents of this size or more are stored as skipped contents (default 100 MiB). */
  readonly maxContentSize?: number
  /** Bounds of unpacking (see docs/tarballs.md). */
  readonly unpackLimits?: Partial<UnpackLimits>
  /** Download attempts per artifact (default 3). */
  readonly downloadAttempts?: number
}

/** SWH's `release_name`: `releases/<version>` (or `releases/<version>/<filename>`). */
export function releaseBranch(version: string, filename?: string): string {
  return filename ? `releases/${version}/${filename}` : `releases/${version}`
}
