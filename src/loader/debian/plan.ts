/**
 * What a Debian-style archive says about one source package, as Software Heritage's Debian
 * loader reads it (its lister gathers the files; here the loader reads the same `Sources`
 * indices of the configured mirror): origin `deb://<distribution>/packages/<name>`; one version
 * per `<suite>/<component>/<version>` (sorted by LooseVersion of the version; HEAD → the last),
 * branch `releases/<suite>/<component>/<version>`, its artifacts the .dsc and every file it
 * names, each checked against the index's checksums; the ExtID `dsc-sha256` (version 1) is the
 * .dsc's sha256; the tree is `dpkg-source -x` of the .dsc (`extract.ts`); the release named
 * after the version, message `Synthetic release for Debian source package <name> version
 * <version>\n`, author and date from the newest debian/changelog entry.
 *
 * @module
 */

import { CorruptError, InvalidInputError, NotFoundError } from '../../errors.js'
import { fromHex, utf8 } from '../../model/index.js'
import { decompressDocument, type NetPolicy } from '../../net/index.js'
import { fetchBytes } from '../pkginfo/fetch.js'
import { compareLooseVersion } from '../pkginfo/loose-version.js'
import { presentFiles, readRegular } from '../pkginfo/read.js'
import { type DebianMirror, DEFAULT_DEBIAN_MIRROR } from '../pkginfo/registries.js'
import { type PackagePlan, type PackageVersion, releaseBranch } from '../pkginfo/types.js'
import { firstTrailer } from './changelog.js'
import { sourceVersions } from './sources.js'

/** The distribution and source package name of an origin `deb://<distribution>/packages/<name>`. */
export function debianOrigin(origin: string): { distribution: string; name: string } {
  const m = /^deb:\/\/([^/]+)\/packages\/([a-z0-9][a-z0-9+.-]+)$/.exec(origin)
  if (!m)
    throw new InvalidInputError(
      `"${origin}" is not a Debian origin (deb://<distribution>/packages/<name>)`,
    )
  return { distribution: m[1]!, name: m[2]! }
}

/** Options of {@link debianPlan}. */
export interface DebianPlanOptions {
  /** Mirrors per distribution name (default: Debian's for `Debian`). */
  readonly mirrors?: Readonly<Record<string, DebianMirror>>
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
}

async function sourcesText(
  base: string,
  opts: { network?: NetPolicy; signal?: AbortSignal },
): Promise<string> {
  // Sources.xz (what mirrors publish now, often alone), else Sources.gz, else Sources
  for (const format of ['xz', 'gz'] as const) {
    let body: Uint8Array
    try {
      body = await fetchBytes(`${base}.${format}`, opts)
    } catch (e) {
      if (e instanceof NotFoundError) continue
      throw e
    }
    return (await decompressDocument(body, format, `${base}.${format}`)).toString('utf8')
  }
  return Buffer.from(await fetchBytes(base, opts)).toString('utf8')
}

/**
 * The plan of the Debian origin `origin`, from the `Sources` indices of its distribution's
 * mirror; a NotFoundError when no suite has the package.
 *
 * @example
 * ```ts
 * const plan = await debianPlan('deb://Debian/packages/cicero', {})
 * ```
 */
export async function debianPlan(
  origin: string,
  options: DebianPlanOptions = {},
): Promise<PackagePlan> {
  const { distribution, name } = debianOrigin(origin)
  const mirror =
    options.mirrors?.[distribution] ??
    (distribution === 'Debian' ? DEFAULT_DEBIAN_MIRROR : undefined)
  if (!mirror)
    throw new InvalidInputError(`No mirror is configured for the distribution "${distribution}"`)
  const opts = {
    ...(options.network ? { network: options.network } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }
  const found: { key: string; version: string; files: PackageVersion['artifacts'] }[] = []
  const seen = new Set<string>()
  for (const suite of mirror.suites)
    for (const component of mirror.components) {
      const text = await sourcesText(
        `${mirror.url}/dists/${suite}/${component}/source/Sources`,
        opts,
      )
      for (const v of sourceVersions(text, name, mirror.url)) {
        const key = `${suite}/${component}/${v.version}`
        if (seen.has(key)) continue
        seen.add(key)
        found.push({ key, version: v.version, files: v.files })
      }
    }
  if (found.length === 0)
    throw new NotFoundError(`No suite of ${mirror.url} has the source package "${name}"`)
  // a stable sort, as Python's: equal versions keep the index order
  found.sort((a, b) => compareLooseVersion(a.version, b.version))
  const versions: PackageVersion[] = found.map(({ key, version, files }) => {
    const dscs = files.filter((f) => f.filename.endsWith('.dsc'))
    if (dscs.length !== 1)
      throw new CorruptError(
        `Expected exactly one .dsc file for package ${name}, got ${dscs.length}`,
      )
    const dsc = dscs[0]!
    const digest = dsc.checksums.sha256 ?? dsc.checksums.sha1 ?? dsc.checksums.md5 ?? ''
    return {
      branch: releaseBranch(key),
      version: key,
      artifacts: files,
      unpack: 'dsc' as const,
      extid: { type: 'dsc-sha256', version: 1, extid: fromHex(digest) },
      async release(root: string) {
        const changelog = await readRegular(`${root}/debian/changelog`)
        if (changelog === null)
          throw new CorruptError(`The source package ${name} ${version} has no debian/changelog`)
        const t = firstTrailer(changelog)
        return {
          name: utf8(version),
          message: utf8(`Synthetic release for Debian source package ${name} version ${version}\n`),
          author: { fullname: utf8(t.maintainer) },
          date: t.date,
        }
      },
      metadataFiles: (root: string) => presentFiles(root, ['debian/control']),
    }
  })
  return {
    origin,
    versions,
    defaultVersion: versions[versions.length - 1]!.version,
    extraBranches: [],
  }
}
