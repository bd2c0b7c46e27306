/**
 * Whether a URL is a Mercurial repository, for `arca save` without `--type`: a local folder by
 * its `.hg` folder, `ssh://` never (git claims it; give `--type hg`), HTTP(S) by one
 * `?cmd=capabilities` request, which hgweb and `hg serve` answer with their capabilities.
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Time a probe request may take. */
const PROBE_TIMEOUT_MS = 10_000

/** A local Mercurial repository: a folder with a `.hg` folder holding `requires` or `store`. */
export function isLocalHgRepository(dir: string): boolean {
  try {
    return statSync(join(dir, '.hg')).isDirectory()
  } catch {
    return false
  }
}

function localPath(url: string): string | null {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url)
    } catch {
      return null
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return null
  return existsSync(url) ? url : null
}

export async function probeHg(url: string, signal?: AbortSignal): Promise<boolean> {
  const local = localPath(url)
  if (local !== null) return isLocalHgRepository(local)
  if (!/^https?:\/\//i.test(url)) return false
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS)
  try {
    const u = new URL(url)
    const headers: Record<string, string> = {}
    if (u.username !== '' || u.password !== '') {
      const user = decodeURIComponent(u.username)
      const password = decodeURIComponent(u.password)
      headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
      u.username = ''
      u.password = ''
    }
    u.search = '?cmd=capabilities'
    const res = await fetch(u, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers,
    })
    const body = res.ok ? await res.text() : (await res.body?.cancel(), '')
    const type = res.headers.get('content-type') ?? ''
    return (
      res.ok &&
      type.startsWith('application/mercurial') &&
      /\bunbundle\b|\bbatch\b|\blookup\b/.test(body)
    )
  } catch {
    return false
  }
}
