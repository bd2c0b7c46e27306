/**
 * What a Cargo registry says about one crate, as Software Heritage's crates loader reads it:
 * the versions and sha256 of the index (`index.ts`; Software Heritage's lister reads the same
 * from the crates.io database dump), each version's `updated_at` from the Web API
 * `GET <api>/api/v1/crates/<name>`; branch `releases/<version>`; HEAD → the greatest version
 * (LooseVersion order); the ExtID `crates-manifest-sha256` (version 0), sha256 of
 * `name … shasum … url … version … last_update <Python str of the date>`; the release named
 * after the version, message `Synthetic release for Crate source package <name> version
 * <version>\n` with a `Co-authored-by: <author>` line per further author, author the first
 * of Cargo.toml's `package.authors`, date `updated_at`. The version's object of the Web API
 * answer (its bytes as served) is its `crates-package-json` metadata, authority
 * `forge <scheme>://<host>/` of the origin.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { join } from 'node:path'

import { CorruptError, InvalidInputError } from '../../errors.js'
import { type Person, utf8 } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import { isoTimestamp, pythonDatetimeStr } from '../pkginfo/dates.js'
import { fetchBytes } from '../pkginfo/fetch.js'
import { jsonSpan } from '../pkginfo/json-span.js'
import { compareLooseVersion } from '../pkginfo/loose-version.js'
import { entries, readRegular } from '../pkginfo/read.js'
import { DEFAULT_CRATES_API, DEFAULT_CRATES_INDEX, hostAuthority } from '../pkginfo/registries.js'
import { type PackagePlan, type PackageVersion, releaseBranch } from '../pkginfo/types.js'
import { readCargoAuthors } from './cargo-toml.js'
import { downloadUrl, readCrateIndex } from './index.js'

/** The crate name of an origin `https://crates.io/crates/<name>` (or `<registry>/crates/<name>`). */
export function crateName(origin: string): string {
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    throw new InvalidInputError(`"${origin}" is not a crates origin URL`)
  }
  const m = /\/crates\/([A-Za-z0-9_-]+)\/?$/.exec(u.pathname)
  if (!m) throw new InvalidInputError(`"${origin}" is not a crates origin (…/crates/<name>)`)
  return m[1]!
}

/** The ExtID manifest of a version (Software Heritage's `CratesPackageInfo.MANIFEST_FORMAT`). */
export function cratesManifest(f: {
  name: string
  sha256: string
  url: string
  version: string
  lastUpdate: string
}): string {
  return `name ${f.name}\nshasum ${f.sha256}\nurl ${f.url}\nversion ${f.version}\nlast_update ${pythonDatetimeStr(f.lastUpdate)}`
}

/** Options of {@link cratesPlan}. */
export interface CratesPlanOptions {
  readonly index?: string
  readonly api?: string
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
  readonly scratch: () => string
}

/** The release author and message of an unpacked crate (Cargo.toml at `<name>-<version>/`). */
async function crateRelease(
  root: string,
  name: string,
  version: string,
): Promise<{ author: Person; message: string }> {
  let message = `Synthetic release for Crate source package ${name} version ${version}\n`
  const dir = join(root, `${name}-${version}`)
  let toml = await readRegular(join(dir, 'Cargo.toml'))
  if (toml === null) {
    const other = (await entries(dir)).find((f) => f.toLowerCase() === 'cargo.toml')
    if (other !== undefined) toml = await readRegular(join(dir, other))
  }
  const authors = toml === null ? null : readCargoAuthors(toml.toString('utf8'))
  if (!authors || authors.length === 0) return { author: { fullname: new Uint8Array() }, message }
  if (authors.length > 1) {
    message += '\n'
    for (const a of authors.slice(1)) message += `Co-authored-by: ${a}\n`
  }
  return { author: { fullname: utf8(authors[0]!) }, message }
}

/**
 * The plan of the crates origin `origin`.
 *
 * @example
 * ```ts
 * const plan = await cratesPlan('https://crates.io/crates/serde', { scratch: () => mkdtempSync('/tmp/c-') })
 * ```
 */
export async function cratesPlan(origin: string, options: CratesPlanOptions): Promise<PackagePlan> {
  const name = crateName(origin)
  const net = {
    ...(options.network ? { network: options.network } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }
  const index = await readCrateIndex(options.index ?? DEFAULT_CRATES_INDEX, name, {
    ...net,
    scratch: options.scratch,
  })
  const api = (options.api ?? DEFAULT_CRATES_API).replace(/\/+$/, '')
  const apiUrl = `${api}/api/v1/crates/${name}`
  const raw = await fetchBytes(apiUrl, { ...net, headers: { Accept: 'application/json' } })
  let body: { versions?: { num?: unknown; updated_at?: unknown }[] } | null
  try {
    body = JSON.parse(Buffer.from(raw).toString('utf8')) as typeof body
  } catch {
    throw new CorruptError(`${apiUrl} did not answer JSON`)
  }
  if (!Array.isArray(body?.versions))
    throw new CorruptError(`${apiUrl}: the answer has no versions array`)
  const updated = new Map<string, string>()
  // the bytes of each version's object, as served (the last one of a version wins)
  const own = new Map<string, Uint8Array>()
  body.versions.forEach((v, i) => {
    if (typeof v.num !== 'string') return
    if (typeof v.updated_at === 'string') updated.set(v.num, v.updated_at)
    const span = jsonSpan(raw, ['versions', i])
    if (span) own.set(v.num, span)
  })
  const versions: PackageVersion[] = []
  for (const e of index.entries) {
    const url = downloadUrl(index.dl, e)
    const sha256 = e.cksum.toLowerCase()
    const lastUpdate = updated.get(e.vers)
    if (lastUpdate === undefined)
      throw new CorruptError(
        `${api}/api/v1/crates/${name}: no version "${e.vers}" (the index has it)`,
      )
    const version = e.vers
    versions.push({
      branch: releaseBranch(version),
      version,
      artifacts: [{ url, filename: `${name}-${version}.crate`, checksums: { sha256 } }],
      unpack: 'archive',
      extid: {
        type: 'crates-manifest-sha256',
        version: 0,
        extid: createHash('sha256')
          .update(cratesManifest({ name, sha256, url, version, lastUpdate }))
          .digest(),
      },
      async release(root) {
        const { author, message } = await crateRelease(root, name, version)
        return {
          name: utf8(version),
          message: utf8(message),
          author,
          date: isoTimestamp(lastUpdate),
        }
      },
      async metadataFiles(root) {
        const rel = `${name}-${version}/Cargo.toml`
        return (await readRegular(join(root, rel))) === null ? [] : [rel]
      },
      directoryMetadata: own.has(version)
        ? [{ format: 'crates-package-json', metadata: own.get(version)! }]
        : [],
    })
  }
  const sorted = versions.map((v) => v.version).sort(compareLooseVersion)
  return {
    origin,
    versions,
    defaultVersion: sorted[sorted.length - 1] ?? '',
    extraBranches: [],
    metadataAuthority: hostAuthority(origin),
  }
}
