/**
 * Whether a URL is a Mercurial repository, for `arca save` without `--type`: a local folder by
 * its `.hg` folder, `ssh://` never (git claims it; give `--type hg`), HTTP(S) by one
 * `?cmd=capabilities` request, which hgweb and `hg serve` answer with their capabilities.
 *
 * @module
 */

import { join } from 'node:path'

import { HttpClient, type NetPolicy } from '../../net/index.js'
import { isDir, localPathOf, probeSignal } from '../core/probe.js'

/** A local Mercurial repository: a folder with a `.hg` folder holding `requires` or `store`. */
export function isLocalHgRepository(dir: string): boolean {
  return isDir(join(dir, '.hg'))
}

/**
 * Whether `url` looks like a Mercurial repository; never throws. Under a network policy, no
 * local path is looked at and the request (and each redirect) is checked.
 */
export async function probeHg(
  url: string,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<boolean> {
  const local = localPathOf(url)
  if (local !== null) return network ? false : isLocalHgRepository(local)
  if (!/^https?:\/\//i.test(url)) return false
  const client = new HttpClient(network)
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
    const res = await client.request(u.href, { signal: probeSignal(signal), headers })
    const body = res.ok ? await res.text(64 * 1024) : (res.cancel(), '')
    const type = res.header('content-type') ?? ''
    return (
      res.ok &&
      type.startsWith('application/mercurial') &&
      /\bunbundle\b|\bbatch\b|\blookup\b/.test(body)
    )
  } catch {
    return false
  } finally {
    client.close()
  }
}
