/**
 * What a package registry says about one origin, before anything is downloaded: its versions,
 * the artifacts of each (URL, file name, declared checksums), the branch each goes to, the
 * ExtID that lets a later visit skip a version already archived, and how the synthetic release
 * is made from the unpacked artifact. The npm, PyPI, crates, Debian and Nix/Guix loaders each
 * build one {@link PackagePlan}; the package loader core downloads, verifies, unpacks and
 * stores it.
 *
 * @module
 */

import type { MetadataAuthority, ReleaseFields, SnapshotBranch } from '../../model/index.js'
import type { MetadataItem } from '../package/types.js'

/** Checksum algorithms a registry declares (hex digests). */
export type ChecksumAlgo = 'md5' | 'sha1' | 'sha256' | 'sha512'

/** One file of a version, as the registry lists it. */
export interface PackageArtifact {
  readonly url: string
  /** The file name it is saved under (the URL's last segment unless the registry says). */
  readonly filename: string
  /** Declared digests; a download whose digest differs fails the version. */
  readonly checksums: Readonly<Partial<Record<ChecksumAlgo, string>>>
  readonly size?: number
}

/** An ExtID's key, as Software Heritage computes it per loader. */
export interface PartialExtId {
  readonly type: string
  readonly version: number
  readonly extid: Uint8Array
}

/** How the artifacts of a version become a tree. */
export type UnpackKind =
  /** One archive (tar, tar.gz, zip, .crate, .tgz …) unpacked as is. */
  | 'archive'
  /** A Debian source package: `dpkg-source -x` of the .dsc with its files beside it. */
  | 'dsc'

/** One version of a package: a branch of the snapshot, one synthetic release. */
export interface PackageVersion {
  /** Branch name (`releases/<version>`, or `releases/<version>/<filename>`). */
  readonly branch: string
  /** The version as the registry names it (the release name). */
  readonly version: string
  readonly artifacts: readonly PackageArtifact[]
  readonly unpack: UnpackKind
  /** NAR hashes (algorithm → hex) of the unpacked tree (Nix/Guix recursive sources). */
  readonly narChecksums?: Readonly<Record<string, string>>
  /** The key of the ExtID recorded for this version (null: never deduplicated). */
  readonly extid: PartialExtId | null
  /**
   * The synthetic release's fields but its target, read from the unpacked tree at `root` (the
   * directory whose id is the release's target); null when the artifact lacks the intrinsic
   * metadata the release is made from (the version is then skipped, as Software Heritage does).
   */
  release(root: string): Promise<Omit<ReleaseFields, 'target' | 'targetType'> | null>
  /**
   * Paths, relative to `root`, of the intrinsic metadata files of the version (package.json,
   * PKG-INFO, Cargo.toml, debian/control), read from the unpacked tree when present.
   */
  metadataFiles(root: string): Promise<readonly string[]>
  /**
   * The registry's metadata of this version, its bytes as the registry sent them (npm's
   * `replicate-npm-package-json`, PyPI's `pypi-project-json`, crates' `crates-package-json`),
   * recorded on the release's directory.
   */
  readonly directoryMetadata?: readonly MetadataItem[]
}

/** Everything a registry says about one origin. */
export interface PackagePlan {
  /** The origin URL recorded (e.g. `https://www.npmjs.com/package/<name>`). */
  readonly origin: string
  readonly versions: readonly PackageVersion[]
  /**
   * The version HEAD aliases (its single branch), when it was loaded; else the greatest loaded
   * version (Software Heritage's LooseVersion order).
   */
  readonly defaultVersion: string
  /** Branches added to the snapshot besides the versions' (Nix/Guix `evaluation`). */
  readonly extraBranches: readonly SnapshotBranch[]
  /** The raw registry answer (e.g. the npm packument). */
  readonly rawInfo?: Uint8Array
  /** The authority of the registry's metadata (Software Heritage's, per loader). */
  readonly metadataAuthority?: MetadataAuthority
  /** Metadata recorded on the snapshot (Nix/Guix: the sources manifest). */
  readonly snapshotMetadata?: readonly MetadataItem[]
}

/** Software Heritage's branch name of a version (`releases/<version>[/<filename>]`). */
export function releaseBranch(version: string, filename?: string): string {
  return filename ? `releases/${version}/${filename}` : `releases/${version}`
}
