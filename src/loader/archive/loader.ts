/**
 * The archive loaders (visit types `tar` and `tarball-directory`, as Software Heritage names
 * them) for .tar, .tar.gz, .tar.bz2, .tar.xz, .tar.zst and .zip files over http(s) or on disk.
 * Conventions: docs/tarballs.md.
 *
 * @module
 */

import { runLoad } from '../core/run.js'
import type { LoadResult } from '../core/types.js'
import { splitRemoteUrl } from '../origin-url.js'
import { type Checksums, loadPackage, type PackageLoadOptions } from '../package/index.js'
import { describeTarball } from './describe.js'
import { TarballDirectoryProducer } from './directory.js'
import { type ArchiveArtifact, ArchiveSource } from './source.js'

/** Options of the archive loaders. */
export interface ArchiveLoadOptions extends PackageLoadOptions {
  /** `tar`: the origin's artifacts as a lister gives them (default: the URL itself). */
  readonly artifacts?: readonly ArchiveArtifact[]
  /** Declared checksums of the URL's tarball (algorithm → hex). */
  readonly checksums?: Checksums
  /** `tarball-directory`: `standard` checksums of the file (default) or `nar` of the tree. */
  readonly checksumLayout?: 'standard' | 'nar'
  /** `tarball-directory`: other URLs of the same tarball. */
  readonly fallbackUrls?: readonly string[]
}

/** The origin URL recorded for `url`: credentials dropped, local paths as `file://` URLs. */
function originOf(url: string): string {
  return splitRemoteUrl(url).originUrl
}

/**
 * A `tar` visit of `url`: its `artifacts`, or the tarball at `url` itself.
 *
 * @example
 * ```ts
 * const r = await loadTar('https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz', { storage, scratchDir })
 * ```
 */
export function loadTar(url: string, options: ArchiveLoadOptions): Promise<LoadResult> {
  const origin = originOf(url)
  const artifacts = async (): Promise<readonly ArchiveArtifact[]> => {
    if (options.artifacts) return options.artifacts
    const a = await describeTarball(url, options.network, options.signal)
    return [
      {
        ...a,
        url: origin.startsWith('file://') ? origin : a.url,
        ...(options.checksums ? { checksums: options.checksums } : {}),
      },
    ]
  }
  return loadPackage(new ArchiveSource(origin, artifacts), options)
}

/**
 * A `tarball-directory` visit of the tarball at `url`.
 *
 * @example
 * ```ts
 * const r = await loadTarballDirectory(url, { storage, scratchDir, checksums: { sha256 } })
 * ```
 */
export function loadTarballDirectory(
  url: string,
  options: ArchiveLoadOptions,
): Promise<LoadResult> {
  const origin = originOf(url)
  const local = origin.startsWith('file://')
  const producer = new TarballDirectoryProducer(origin, local ? origin : url, {
    ...(options.checksums ? { checksums: options.checksums } : {}),
    ...(options.checksumLayout ? { checksumLayout: options.checksumLayout } : {}),
    ...(options.fallbackUrls ? { fallbackUrls: options.fallbackUrls } : {}),
    ...(options.maxContentSize ? { maxContentSize: options.maxContentSize } : {}),
    ...(options.unpackLimits ? { unpackLimits: options.unpackLimits } : {}),
    ...(options.network ? { network: options.network } : {}),
  })
  return runLoad(producer, options)
}
