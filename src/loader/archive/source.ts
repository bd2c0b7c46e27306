/**
 * The archive (`tar`) package source, after SWH's `ArchiveLoader`
 * (swh/loader/package/archive/loader.py): artifacts given as the GNU or tarball listers give
 * them (`url`, `time`, `length`, `version`, optional `filename`), one release per artifact
 * named by the version, `Synthetic release for archive at <url>\n`, an empty author, the
 * artifact's time (offset +0000), branch `releases/<version>`, and the ExtID
 * `package-manifest-sha256` (version 0) of `"<time> <length> <version> <url>"` so that an
 * unchanged artifact is not downloaded again.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { InvalidInputError } from '../../errors.js'
import { utf8 } from '../../model/index.js'
import type { PackageInfo, PackageSource, ReleaseSpec } from '../package/index.js'
import { releaseBranch } from '../package/index.js'

/** One artifact of an archive origin, as SWH's listers describe it. */
export interface ArchiveArtifact {
  readonly url: string
  /** ISO 8601 date (or seconds since the epoch) of the file on its server. */
  readonly time: string | number
  readonly length: number
  readonly version: string
  readonly filename?: string
  /** Declared checksums (hex) to verify. */
  readonly checksums?: Readonly<Record<string, string>>
}

/** `package-manifest-sha256` of an artifact (SWH's default `MANIFEST_FORMAT` for GNU). */
export function archiveManifest(a: ArchiveArtifact): Uint8Array {
  const manifest = `${String(a.time)} ${a.length} ${a.version} ${a.url}`
  return createHash('sha256').update(manifest, 'utf8').digest()
}

/** The release date of an artifact's time: an ISO date or epoch seconds, offset +0000. */
export function artifactDate(time: string | number): ReleaseSpec['date'] {
  if (time === '') return null
  let seconds: number
  let micros = 0
  if (typeof time === 'number' || /^\d+(\.\d+)?$/.test(time)) {
    const t = Number(time)
    seconds = Math.floor(t)
    micros = Math.round((t - seconds) * 1e6)
  } else {
    const m = /\.(\d{1,6})/.exec(time)
    const d = new Date(time)
    if (isNaN(+d)) throw new InvalidInputError(`"${time}" is not a date`)
    seconds = Math.floor(d.getTime() / 1000)
    if (m) micros = Number(m[1]!.padEnd(6, '0'))
  }
  return { timestamp: { seconds, microseconds: micros }, offsetBytes: utf8('+0000') }
}

/** The `tar` package source of an origin and its artifacts. */
export class ArchiveSource implements PackageSource<ArchiveArtifact> {
  readonly visitType = 'tar'
  readonly origin: string
  readonly #artifacts: () => Promise<readonly ArchiveArtifact[]>

  /** `artifacts` is called when the visit lists the origin (it may fetch, or throw not found). */
  constructor(origin: string, artifacts: () => Promise<readonly ArchiveArtifact[]>) {
    this.origin = origin
    this.#artifacts = artifacts
  }

  async listPackages(): Promise<PackageInfo<ArchiveArtifact>[]> {
    return (await this.#artifacts())
      .filter((a) => a.version)
      .map((a) => ({
        version: a.version,
        branchName: releaseBranch(a.version),
        artifacts: [
          {
            url: a.url,
            ...(a.filename ? { filename: a.filename } : {}),
            checksums: { ...a.checksums, ...(a.length > 0 ? { length: String(a.length) } : {}) },
          },
        ],
        extid: { type: 'package-manifest-sha256', version: 0, value: archiveManifest(a) },
        raw: a,
      }))
  }

  buildRelease(info: PackageInfo<ArchiveArtifact>): ReleaseSpec {
    return {
      name: utf8(info.version),
      message: utf8(`Synthetic release for archive at ${info.raw.url}\n`),
      author: { fullname: new Uint8Array(0) },
      date: artifactDate(info.raw.time),
    }
  }
}
