/**
 * Whether a URL is a Bazaar branch, for `arca save` without `--type`: a local folder by its
 * `.bzr` folder, `bzr://` and `bzr+ssh://` by their scheme, HTTP(S) by one request for
 * `<url>/.bzr/branch-format`.
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { HttpClient, type NetPolicy } from '../../net/index.js'
import { isDir, localPathOf, probeSignal } from '../core/probe.js'

/**
 * Whether `url` looks like a Bazaar branch; never throws. Under a network policy, no local
 * path is looked at and the request (and each redirect) is checked.
 */
export async function probeBzr(
  url: string,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<boolean> {
  const local = localPathOf(url)
  if (local !== null) {
    if (network) return false
    return isDir(join(local, '.bzr')) && existsSync(join(local, '.bzr', 'branch-format'))
  }
  if (/^bzr(\+ssh)?:\/\//i.test(url)) return true
  if (!/^https?:\/\//i.test(url)) return false
  const base = url.replace(/\/+$/, '')
  const client = new HttpClient(network)
  try {
    const res = await client.request(`${base}/.bzr/branch-format`, {
      signal: probeSignal(signal),
    })
    if (!res.ok) {
      res.cancel()
      return false
    }
    const text = await res.text(4096)
    return text.startsWith('Bazaar-NG meta directory') || text.startsWith('Bazaar')
  } catch {
    return false
  } finally {
    client.close()
  }
}
