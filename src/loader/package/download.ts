/**
 * Downloading artifacts into scratch space, as swh's `download` does: the raw bytes
 * (`Accept-Encoding: identity`), hashed while written (sha1, sha256, sha512, md5), then every
 * declared checksum verified — a mismatch is an error naming the algorithm and both values.
 * HTTP(S) goes through the SSRF-checked client (`src/net`), retried on network errors and
 * 5xx answers; a 404 is a NotFoundError. Local files (`file://` or a path) are read only
 * without a network policy.
 *
 * @module
 */

import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'

import pRetry, { AbortError } from 'p-retry'

import {
  ArcaError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnavailableError,
} from '../../errors.js'
import type { HttpClient } from '../../net/index.js'
import { checkUrl, type NetPolicy } from '../../net/index.js'
import type { Checksums, DownloadedArtifact, PackageArtifact } from './types.js'

/** Hashes computed on every download. */
const DOWNLOAD_HASHES = ['sha1', 'sha256', 'sha512', 'md5'] as const

/** Options of {@link downloadArtifact}. */
export interface DownloadOptions {
  readonly dir: string
  readonly client: HttpClient
  readonly network: NetPolicy | undefined
  readonly signal?: AbortSignal | undefined
  /** Attempts in all for a transient failure (default 3). */
  readonly attempts?: number
  /** Called with the bytes received so far. */
  readonly onBytes?: (bytes: number) => void
}

/** Whether `url` names a local file; its path when it does. */
export function localArtifactPath(url: string): string | null {
  if (url.startsWith('file://')) return fileURLToPath(url)
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) return null
  return url
}

/** The file name an artifact is saved under. */
export function artifactFilename(artifact: PackageArtifact): string {
  if (artifact.filename) return basename(artifact.filename)
  const local = localArtifactPath(artifact.url)
  const name = local
    ? basename(local)
    : decodeURIComponent(basename(new URL(artifact.url).pathname))
  return name === '' || name === '.' || name === '..' ? 'artifact' : name
}

/** A stream transform that hashes and counts what passes. */
function hasher(onBytes?: (n: number) => void): {
  hashes: Hash[]
  count: () => number
  tap: (src: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array>
} {
  const hashes = DOWNLOAD_HASHES.map((h) => createHash(h))
  let n = 0
  return {
    hashes,
    count: () => n,
    async *tap(src) {
      for await (const chunk of src) {
        for (const h of hashes) h.update(chunk)
        n += chunk.length
        onBytes?.(n)
        yield chunk
      }
    },
  }
}

/** Verifies declared checksums against computed ones; throws naming the first mismatch. */
export function verifyChecksums(
  url: string,
  declared: Checksums | undefined,
  hashes: Readonly<Record<string, string>>,
  length: number,
): void {
  if (!declared) return
  for (const [algo, want] of Object.entries(declared)) {
    if (want === undefined) continue
    const got = algo === 'length' ? String(length) : hashes[algo]
    if (got === undefined)
      throw new InvalidInputError(`unsupported checksum algorithm "${algo}" for ${url}`)
    if (got !== want.toLowerCase())
      throw new InvalidInputError(
        `checksum mismatch for ${url}: ${algo} is ${got}, expected ${want.toLowerCase()}`,
      )
  }
}

/**
 * Downloads `artifact` into `options.dir`, verifying its declared checksums.
 *
 * @example
 * ```ts
 * const a = await downloadArtifact({ url, checksums: { sha256 } }, { dir, client, network })
 * console.log(a.path, a.hashes.sha256)
 * ```
 */
export async function downloadArtifact(
  artifact: PackageArtifact,
  options: DownloadOptions,
): Promise<DownloadedArtifact> {
  const filename = artifactFilename(artifact)
  const path = join(options.dir, filename)
  const local = localArtifactPath(artifact.url)
  let lastModified: Date | null = null
  let url = artifact.url
  let h: ReturnType<typeof hasher>
  if (local !== null) {
    if (options.network)
      throw new ForbiddenError(`Refused to fetch: ${artifact.url} is a local file`)
    let st
    try {
      st = statSync(local)
    } catch {
      throw new NotFoundError(`${artifact.url} was not found`)
    }
    if (!st.isFile()) throw new InvalidInputError(`${artifact.url} is not a file`)
    lastModified = st.mtime
    h = hasher(options.onBytes)
    await pipeline(createReadStream(local), h.tap, createWriteStream(path))
  } else {
    if (options.network) {
      const reason = await checkUrl(artifact.url, options.network)
      if (reason !== null) throw new ForbiddenError(`Refused to fetch: ${reason}`)
    }
    const result = await pRetry(
      async () => {
        const res = await options.client.request(artifact.url, {
          headers: { 'Accept-Encoding': 'identity' },
          ...(options.signal ? { signal: options.signal } : {}),
        })
        if (res.status === 404 || res.status === 410) {
          res.cancel()
          throw new AbortError(new NotFoundError(`${artifact.url} was not found`))
        }
        if (!res.ok) {
          res.cancel()
          const e = new UnavailableError(`${artifact.url} answered HTTP ${res.status}`)
          throw res.status >= 500 || res.status === 429 ? e : new AbortError(e)
        }
        const hh = hasher(options.onBytes)
        await pipeline(res.body, hh.tap, createWriteStream(path))
        const lm = res.header('last-modified')
        const date = lm ? new Date(lm) : null
        return { h: hh, url: res.url, lastModified: date && !isNaN(+date) ? date : null }
      },
      {
        retries: Math.max(0, (options.attempts ?? 3) - 1),
        minTimeout: 200,
        factor: 2,
        ...(options.signal ? { signal: options.signal } : {}),
        shouldRetry: ({ error }) =>
          !(error instanceof ArcaError && error.code !== 'unavailable') && !options.signal?.aborted,
      },
    )
    h = result.h
    url = result.url
    lastModified = result.lastModified
  }
  const hashes: Record<string, string> = {}
  DOWNLOAD_HASHES.forEach((name, i) => (hashes[name] = h.hashes[i]!.digest('hex')))
  const length = h.count()
  verifyChecksums(artifact.url, artifact.checksums, hashes, length)
  return { url, path, filename, length, hashes, lastModified }
}
