/**
 * What a Python package index says about one project, as Software Heritage's PyPI loader
 * reads it: the JSON API `GET <scheme>://<host>/pypi/<name>/json` of the origin
 * `https://pypi.org/project/<name>/`; one version per key of `releases`, its artifacts the
 * `sdist` files (not .deb, .egg, .rpm, .whl), each checked against `digests.sha256`; branch
 * `releases/<version>`, or `releases/<version>/<filename>` for a version with several sdists;
 * HEAD → `info.version`; the ExtID `pypi-archive-sha256` (version 0) is the sdist's sha256; the
 * release named after the version, message the file's `comment_text` or
 * `Synthetic release for PyPI source package <name> version <version>\n` (the version PKG-INFO
 * says), author from PKG-INFO, date `upload_time` (UTC); a sdist without exactly one top-level
 * folder holding PKG-INFO gives no release. The file's object of `releases[<version>]` (its
 * bytes as served) is its `pypi-project-json` metadata, authority `forge <scheme>://<host>/`.
 *
 * @module
 */

import { join } from 'node:path'

import { CorruptError, InvalidInputError } from '../../errors.js'
import { fromHex, utf8 } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import { isoTimestamp } from '../pkginfo/dates.js'
import { fetchBytes } from '../pkginfo/fetch.js'
import { jsonSpan } from '../pkginfo/json-span.js'
import { entries, readRegular, str } from '../pkginfo/read.js'
import { hostAuthority } from '../pkginfo/registries.js'
import { type PackagePlan, type PackageVersion, releaseBranch } from '../pkginfo/types.js'
import { parsePkgInfo, pypiAuthor } from './pkg-info.js'

/** The JSON API URL of a PyPI origin (`…/project/<name>/` → `…/pypi/<name>/json`). */
export function pypiApiUrl(origin: string): string {
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    throw new InvalidInputError(`"${origin}" is not a PyPI origin URL`)
  }
  const name = u.pathname.replace(/\/+$/, '').split('/').pop() ?? ''
  if (name === '') throw new InvalidInputError(`"${origin}" names no PyPI project`)
  return `${u.protocol}//${u.host}/pypi/${name}/json`
}

/** The fields of the PKG-INFO of an unpacked sdist (its single top-level folder), or null. */
export async function sdistPkgInfo(root: string): Promise<Map<string, string> | null> {
  const top = await entries(root)
  if (top.length !== 1) return null
  const bytes = await readRegular(join(root, top[0]!, 'PKG-INFO'))
  if (bytes === null) return null
  const fields = parsePkgInfo(bytes.toString('utf8'))
  return fields.size === 0 ? null : fields
}

interface FileMeta {
  readonly url?: unknown
  readonly filename?: unknown
  readonly packagetype?: unknown
  readonly comment_text?: unknown
  readonly upload_time?: unknown
  readonly digests?: { readonly sha256?: unknown }
  readonly size?: unknown
}

/** The plan of a PyPI project from its JSON API answer (already fetched). */
export function pypiPlanFromJson(origin: string, body: Uint8Array): PackagePlan {
  let info: { info?: { name?: unknown; version?: unknown }; releases?: Record<string, FileMeta[]> }
  try {
    info = JSON.parse(Buffer.from(body).toString('utf8')) as typeof info
  } catch {
    throw new CorruptError(`The PyPI answer for ${origin} is not JSON`)
  }
  if (info.info === undefined || info.releases === undefined)
    throw new CorruptError(`The PyPI answer for ${origin} has no info or releases`)
  const name = str(info.info.name)
  const versions: PackageVersion[] = []
  for (const [version, files] of Object.entries(info.releases)) {
    const sdists = (Array.isArray(files) ? files : [])
      .map((f, index) => ({ f, index }))
      .filter(
        ({ f }) =>
          f.packagetype === 'sdist' && !/\.(deb|egg|rpm|whl)$/.test(str(f.filename).toLowerCase()),
      )
    for (const { f, index } of sdists) {
      const own = jsonSpan(body, ['releases', version, index])
      const filename = str(f.filename)
      const sha256 = str(f.digests?.sha256)
      const uploaded = str(f.upload_time)
      const comment = typeof f.comment_text === 'string' ? f.comment_text : ''
      versions.push({
        branch: sdists.length === 1 ? releaseBranch(version) : releaseBranch(version, filename),
        version,
        artifacts: [
          {
            url: str(f.url),
            filename,
            checksums: { sha256 },
            ...(typeof f.size === 'number' ? { size: f.size } : {}),
          },
        ],
        unpack: 'archive',
        extid: /^[0-9a-f]{64}$/i.test(sha256)
          ? { type: 'pypi-archive-sha256', version: 0, extid: fromHex(sha256.toLowerCase()) }
          : null,
        async release(root) {
          const fields = await sdistPkgInfo(root)
          if (fields === null) return null
          const v = fields.get('version') ?? version
          const message = comment
            ? comment
            : `Synthetic release for PyPI source package ${name} version ${v}\n`
          return {
            name: utf8(version),
            message: utf8(message),
            author: pypiAuthor(fields),
            date: isoTimestamp(uploaded),
          }
        },
        async metadataFiles(root) {
          const top = await entries(root)
          return top.length === 1 ? [`${top[0]!}/PKG-INFO`] : []
        },
        directoryMetadata: own ? [{ format: 'pypi-project-json', metadata: own }] : [],
      })
    }
  }
  return {
    origin,
    versions,
    defaultVersion: typeof info.info.version === 'string' ? info.info.version : '',
    extraBranches: [],
    rawInfo: body,
    metadataAuthority: hostAuthority(origin),
  }
}

/** Options of {@link pypiPlan}. */
export interface PypiPlanOptions {
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
}

/**
 * The plan of the PyPI origin `origin` (`https://pypi.org/project/<name>/`, or the same path on
 * another index), read from its JSON API.
 *
 * @example
 * ```ts
 * const plan = await pypiPlan('https://pypi.org/project/requests/')
 * ```
 */
export async function pypiPlan(
  origin: string,
  options: PypiPlanOptions = {},
): Promise<PackagePlan> {
  const body = await fetchBytes(pypiApiUrl(origin), {
    ...(options.network ? { network: options.network } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    headers: { Accept: 'application/json' },
  })
  return pypiPlanFromJson(origin, body)
}
