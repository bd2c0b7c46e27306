/**
 * What the npm registry says about one package, as Software Heritage's npm loader reads it:
 * the packument `GET <registry>/<name>` (the name percent-encoded whole, `@scope%2Fname`);
 * one version per key of `versions`, its artifact `dist.tarball` checked against
 * `dist.shasum` (sha1); branch `releases/<version>`; HEAD → `dist-tags.latest`; the date
 * from `time[<version>]` (else the version's `mtime`) with the microseconds dropped; the
 * ExtID `npm-manifest-sha256` (version 0), sha256 of a manifest of the fields the release is
 * made of (two versions may share a tarball, never a release); the release named after the
 * version, message `Synthetic release for NPM source package <name> version <version>\n`,
 * author from the tarball's package.json (`author.ts`); no package.json → no release. The
 * version's object of the packument (its bytes as served) is its `replicate-npm-package-json`
 * metadata, authority `forge https://npmjs.com/`.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { join } from 'node:path'

import { CorruptError, InvalidInputError } from '../../errors.js'
import { utf8 } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import { isoTimestamp } from '../pkginfo/dates.js'
import { fetchBytes } from '../pkginfo/fetch.js'
import { jsonSpan } from '../pkginfo/json-span.js'
import { entries, readRegular, str } from '../pkginfo/read.js'
import { DEFAULT_NPM_REGISTRY } from '../pkginfo/registries.js'
import { type PackagePlan, type PackageVersion, releaseBranch } from '../pkginfo/types.js'
import { npmAuthor } from './author.js'

/** The origin of npm package `name`. */
export const npmOriginOf = (name: string): string => `https://www.npmjs.com/package/${name}`

/**
 * The package name of an npm origin (`https://www.npmjs.com/package/<name>`, or the same path
 * on another host); an InvalidInputError otherwise.
 */
export function npmPackageName(origin: string): string {
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    throw new InvalidInputError(`"${origin}" is not an npm origin URL`)
  }
  const m = /^\/package\/((?:@[^/]+\/)?[^/@][^/]*)\/?$/.exec(u.pathname)
  if (!m) throw new InvalidInputError(`"${origin}" is not an npm origin (…/package/<name>)`)
  return decodeURIComponent(m[1]!)
}

/** The parsed package.json of an unpacked npm tarball (its first top-level folder), or null. */
export async function npmPackageJson(root: string): Promise<Record<string, unknown> | null> {
  const top = (await entries(root))[0]
  if (top === undefined) return null
  const bytes = await readRegular(join(root, top, 'package.json'))
  if (bytes === null) return null
  const text = (
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes
  ).toString('utf8')
  try {
    const v = JSON.parse(text) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

interface Packument {
  readonly name?: unknown
  readonly versions?: Record<string, Record<string, unknown>>
  readonly time?: Record<string, unknown>
  readonly 'dist-tags'?: Record<string, unknown>
}

/** The ExtID manifest of a version (Software Heritage's `NpmPackageInfo.MANIFEST_FORMAT`). */
export function npmManifest(f: {
  date: string | null
  name: string
  shasum: string
  url: string
  version: string
}): string {
  return `date ${f.date ?? 'None'}\nname ${f.name}\nshasum ${f.shasum}\nurl ${f.url}\nversion ${f.version}`
}

/** The plan of one npm package from its packument (already fetched). */
export function npmPlanFromPackument(origin: string, name: string, body: Uint8Array): PackagePlan {
  let info: Packument
  try {
    info = JSON.parse(Buffer.from(body).toString('utf8')) as Packument
  } catch {
    throw new CorruptError(`The npm registry's answer for "${name}" is not JSON`)
  }
  const versions: PackageVersion[] = []
  for (const [key, meta] of Object.entries(info.versions ?? {})) {
    const dist = (meta['dist'] ?? {}) as Record<string, unknown>
    const url = str(dist['tarball'])
    const shasum = str(dist['shasum'])
    const pkgName = str(meta['name'], name)
    const version = str(meta['version'], key)
    const t = info.time?.[version] ?? meta['mtime']
    const date = typeof t === 'string' ? t : null
    const manifest = npmManifest({ date, name: pkgName, shasum, url, version })
    const own = jsonSpan(body, ['versions', key])
    versions.push({
      branch: releaseBranch(key),
      version,
      artifacts: [
        { url, filename: url.split('/').pop() ?? '', checksums: shasum ? { sha1: shasum } : {} },
      ],
      unpack: 'archive',
      extid: {
        type: 'npm-manifest-sha256',
        version: 0,
        extid: createHash('sha256').update(manifest).digest(),
      },
      async release(root) {
        const pj = await npmPackageJson(root)
        if (pj === null || Object.keys(pj).length === 0) return null
        if (date === null)
          throw new CorruptError(`Cannot tell when ${url} was uploaded (no time in the registry)`)
        return {
          name: utf8(version),
          message: utf8(`Synthetic release for NPM source package ${pkgName} version ${version}\n`),
          author: npmAuthor(pj),
          date: isoTimestamp(date, { dropMicroseconds: true }),
        }
      },
      async metadataFiles(root) {
        const top = (await entries(root))[0]
        return top === undefined ? [] : [`${top}/package.json`]
      },
      directoryMetadata: own ? [{ format: 'replicate-npm-package-json', metadata: own }] : [],
    })
  }
  const latest = info['dist-tags']?.['latest']
  return {
    origin,
    versions,
    defaultVersion: typeof latest === 'string' ? latest : '',
    extraBranches: [],
    rawInfo: body,
    metadataAuthority: NPM_METADATA_AUTHORITY,
  }
}

/** Software Heritage's authority of npm metadata (whichever registry mirror is read). */
export const NPM_METADATA_AUTHORITY = { type: 'forge', url: 'https://npmjs.com/' } as const

/** Options of {@link npmPlan}. */
export interface NpmPlanOptions {
  /** The registry read (default {@link DEFAULT_NPM_REGISTRY}). */
  readonly registry?: string
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
}

/**
 * The plan of the npm origin `origin`, read from the registry.
 *
 * @example
 * ```ts
 * const plan = await npmPlan('https://www.npmjs.com/package/left-pad', { registry: 'http://127.0.0.1:4873' })
 * ```
 */
export async function npmPlan(origin: string, options: NpmPlanOptions = {}): Promise<PackagePlan> {
  const name = npmPackageName(origin)
  const registry = (options.registry ?? DEFAULT_NPM_REGISTRY).replace(/\/+$/, '')
  const body = await fetchBytes(`${registry}/${encodeURIComponent(name)}/`, {
    ...(options.network ? { network: options.network } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    headers: { Accept: 'application/json' },
  })
  return npmPlanFromPackument(npmOriginOf(name), name, body)
}
