/**
 * Whether a URL is a Bazaar branch, for `arca save` without `--type`: a local folder by its
 * `.bzr` folder, `bzr://` and `bzr+ssh://` by their scheme, HTTP(S) by one request for
 * `<url>/.bzr/branch-format`.
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Time a probe request may take. */
const PROBE_TIMEOUT_MS = 10_000

function localPath(url: string): string | null {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url)
    } catch {
      return null
    }
  }
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url) ? null : url
}

/** Whether `url` looks like a Bazaar branch; never throws. */
export async function probeBzr(url: string, signal?: AbortSignal): Promise<boolean> {
  const local = localPath(url)
  if (local !== null) {
    try {
      return (
        statSync(join(local, '.bzr')).isDirectory() &&
        existsSync(join(local, '.bzr', 'branch-format'))
      )
    } catch {
      return false
    }
  }
  if (/^bzr(\+ssh)?:\/\//i.test(url)) return true
  if (!/^https?:\/\//i.test(url)) return false
  const base = url.replace(/\/+$/, '')
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS)
  try {
    const res = await fetch(`${base}/.bzr/branch-format`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })
    if (!res.ok) {
      await res.body?.cancel()
      return false
    }
    const text = await res.text()
    return text.startsWith('Bazaar-NG meta directory') || text.startsWith('Bazaar')
  } catch {
    return false
  }
}
