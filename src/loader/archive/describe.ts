/**
 * What `arca save --type tar URL` knows of a lone tarball before downloading it, to make the
 * artifact SWH's listers would give: its length and time from the server's `Content-Length`
 * and `Last-Modified` (a request whose body is not read), or a local file's size and mtime;
 * the version from the file name.
 *
 * @module
 */

import { statSync } from 'node:fs'
import { basename } from 'node:path'

import { ForbiddenError, NotFoundError, UnavailableError } from '../../errors.js'
import { checkUrl, HttpClient, type NetPolicy } from '../../net/index.js'
import { artifactFilename, localArtifactPath } from '../package/index.js'
import type { ArchiveArtifact } from './source.js'
import { versionFromFilename } from './version.js'

/** ISO 8601 in UTC with `+00:00`, as Python's `datetime.isoformat()` writes it. */
export function isoUtc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00')
}

/** The artifact of the tarball at `url` (the URL recorded as given). */
export async function describeTarball(
  url: string,
  network: NetPolicy | undefined,
  signal?: AbortSignal,
): Promise<ArchiveArtifact> {
  const local = localArtifactPath(url)
  const filename = local ? basename(local) : artifactFilename({ url })
  const version = versionFromFilename(filename)
  if (local !== null) {
    if (network) throw new ForbiddenError(`Refused to fetch: ${url} is a local file`)
    let st
    try {
      st = statSync(local)
    } catch {
      throw new NotFoundError(`${url} was not found`)
    }
    return { url, filename, version, length: st.size, time: isoUtc(st.mtime) }
  }
  if (network) {
    const reason = await checkUrl(url, network)
    if (reason !== null) throw new ForbiddenError(`Refused to fetch: ${reason}`)
  }
  const client = new HttpClient(network)
  try {
    const res = await client.request(url, {
      headers: { 'Accept-Encoding': 'identity' },
      ...(signal ? { signal } : {}),
    })
    res.cancel()
    if (res.status === 404 || res.status === 410) throw new NotFoundError(`${url} was not found`)
    if (!res.ok) throw new UnavailableError(`${url} answered HTTP ${res.status}`)
    const length = Number(res.header('content-length') ?? NaN)
    const lm = res.header('last-modified')
    const date = lm ? new Date(lm) : null
    return {
      url,
      filename,
      version,
      length: Number.isFinite(length) ? length : 0,
      time: date && !isNaN(+date) ? isoUtc(date) : '',
    }
  } finally {
    client.close()
  }
}
