/**
 * Whether a URL is a Bazaar branch, for `arca save` without `--type`: a local folder by its
 * `.bzr` folder, `bzr://` and `bzr+ssh://` by their scheme, HTTP(S) by one request for
 * `<url>/.bzr/branch-format`.
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { isDir, localPathOf, probeSignal } from '../core/probe.js'

/** Whether `url` looks like a Bazaar branch; never throws. */
export async function probeBzr(url: string, signal?: AbortSignal): Promise<boolean> {
  const local = localPathOf(url)
  if (local !== null) {
    return isDir(join(local, '.bzr')) && existsSync(join(local, '.bzr', 'branch-format'))
  }
  if (/^bzr(\+ssh)?:\/\//i.test(url)) return true
  if (!/^https?:\/\//i.test(url)) return false
  const base = url.replace(/\/+$/, '')
  try {
    const res = await fetch(`${base}/.bzr/branch-format`, {
      signal: probeSignal(signal),
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
