/**
 * A Nix/Guix sources manifest (`sources.json`, the format nixpkgs' and Guix's
 * `sources.json` exports use), read as Software Heritage's nixguix loader read it: the origin is
 * the manifest's URL; `version` must be 1, `revision` and `sources` present; a source is kept
 * when it has `type: "url"`, a list of `urls` and an `integrity` (Subresource Integrity,
 * `sha256-<base64>`), its URLs of unsupported extensions dropped; one version per source named
 * after its first URL, which is also its branch name; HEAD is not set; the branch `evaluation`
 * points to the revision the manifest was made from; the ExtID `subresource-integrity`
 * (version 0) is the integrity string; the release is named after the URL with no message,
 * the empty author and no date. A flat-hashed source (`outputHashMode` absent or `flat`) is
 * checked against its integrity on download; a recursive (NAR) one (`outputHashMode`
 * `recursive`) against the NAR hash of the unpacked tree or of its single top-level folder, the
 * one matching recorded as the `nar-<algo>` ExtID (version 1) as SWH's directory loaders name
 * it; a mismatch fails that source naming both values.
 *
 * @module
 */

import { CorruptError } from '../../errors.js'
import { fromHex, toHex, utf8 } from '../../model/index.js'
import type { NetPolicy } from '../../net/index.js'
import { fetchBytes } from '../pkginfo/fetch.js'
import type { ChecksumAlgo, PackagePlan, PackageVersion } from '../pkginfo/types.js'

/** Extensions Software Heritage's deployment did not load as archives. */
export const DEFAULT_UNSUPPORTED_EXTENSIONS: readonly string[] = []

/** The hex digest an SRI string declares (`sha256-…`, `sha512-…`, `sha1-…`), if readable. */
export function sriDigest(integrity: string): { algo: ChecksumAlgo; hex: string } | null {
  const m = /^(sha1|sha256|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(integrity.trim())
  if (!m) return null
  const bytes = Buffer.from(m[2]!, 'base64')
  const want = { sha1: 20, sha256: 32, sha512: 64 }[m[1] as 'sha1' | 'sha256' | 'sha512']
  return bytes.length === want ? { algo: m[1] as ChecksumAlgo, hex: toHex(bytes) } : null
}

interface Source {
  readonly type?: unknown
  readonly urls?: unknown
  readonly integrity?: unknown
  readonly outputHashMode?: unknown
}

/** The plan of a sources manifest from its bytes (already fetched). */
export function nixguixPlanFromManifest(
  origin: string,
  body: Uint8Array,
  unsupportedExtensions: readonly string[] = DEFAULT_UNSUPPORTED_EXTENSIONS,
): PackagePlan {
  let doc: { version?: unknown; revision?: unknown; sources?: unknown }
  try {
    doc = JSON.parse(Buffer.from(body).toString('utf8')) as typeof doc
  } catch {
    throw new CorruptError(`The sources manifest ${origin} is not JSON`)
  }
  const missing = ['version', 'revision', 'sources'].filter((k) => !(k in (doc ?? {})))
  if (missing.length > 0)
    throw new CorruptError(`sources structure invalid, missing: ${missing.join(',')}`)
  if (Number(doc.version) !== 1)
    throw new CorruptError(
      `The sources structure version '${String(doc.version)}' is not supported`,
    )
  if (!Array.isArray(doc.sources))
    throw new CorruptError('The sources manifest has no sources list')
  const unsupported = (u: string): boolean =>
    unsupportedExtensions.some((ext) => u.endsWith(`.${ext}`))
  const byUrl = new Map<string, { urls: string[]; integrity: string; flat: boolean }>()
  for (const s of doc.sources as Source[]) {
    if (s === null || typeof s !== 'object') continue
    if (s.type !== 'url' || !Array.isArray(s.urls) || typeof s.integrity !== 'string') continue
    const urls = (s.urls as unknown[]).filter(
      (u): u is string => typeof u === 'string' && !unsupported(u),
    )
    if (urls.length === 0) continue
    // later sources with the same first URL win, as a dict keyed by it does
    byUrl.set(urls[0]!, {
      urls,
      integrity: s.integrity,
      flat: s.outputHashMode === undefined || s.outputHashMode === 'flat',
    })
  }
  const versions: PackageVersion[] = [...byUrl.entries()].map(([url, s]) => {
    const sri = sriDigest(s.integrity)
    const checksums: Partial<Record<ChecksumAlgo, string>> =
      sri && s.flat ? { [sri.algo]: sri.hex } : {}
    return {
      branch: url,
      version: url,
      // only the first URL is fetched, as Software Heritage's loader did
      artifacts: [
        {
          url,
          filename: decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || 'source',
          checksums,
        },
      ],
      unpack: 'archive' as const,
      // a recursive (NAR) hash is checked on the unpacked tree
      ...(sri && !s.flat ? { narChecksums: { [sri.algo]: sri.hex } } : {}),
      extid: { type: 'subresource-integrity', version: 0, extid: utf8(s.integrity) },
      release: () =>
        Promise.resolve({
          name: utf8(url),
          message: null,
          author: { fullname: new Uint8Array() },
          date: null,
        }),
      metadataFiles: () => Promise.resolve([]),
    }
  })
  const revision = String(doc.revision)
  return {
    origin,
    versions,
    defaultVersion: '',
    extraBranches: /^[0-9a-f]{40}$/.test(revision)
      ? [
          {
            name: utf8('evaluation'),
            target: { targetType: 'revision', target: toHex(fromHex(revision)) },
          },
        ]
      : [],
    rawInfo: body,
    // Software Heritage's nixguix loader: the manifest on the snapshot, the manifest's URL
    // as the authority
    metadataAuthority: { type: 'forge', url: origin },
    snapshotMetadata: [{ format: 'nixguix-sources-json', metadata: body }],
  }
}

/** Options of {@link nixguixPlan}. */
export interface NixguixPlanOptions {
  readonly network?: NetPolicy
  readonly signal?: AbortSignal
  readonly unsupportedExtensions?: readonly string[]
}

/**
 * The plan of the sources manifest at `origin`.
 *
 * @example
 * ```ts
 * const plan = await nixguixPlan('https://guix.gnu.org/sources.json')
 * ```
 */
export async function nixguixPlan(
  origin: string,
  options: NixguixPlanOptions = {},
): Promise<PackagePlan> {
  const body = await fetchBytes(origin, {
    ...(options.network ? { network: options.network } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  return nixguixPlanFromManifest(origin, body, options.unsupportedExtensions)
}
