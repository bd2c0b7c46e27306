/**
 * Whether a URL is a Subversion repository, for `arca save` without `--type`: a local folder
 * by its layout (`format`, `db/`, `conf/`, as `svnadmin create` makes it), `svn://` and
 * `svn+ssh://` by their scheme, `file://` and HTTP(S) by one `svn info`.
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { type NetPolicy, startEgressProxy } from '../../net/index.js'
import { isDir, probeSignal } from '../core/probe.js'
import { proxyArgs } from './repo.js'
import { runTool } from './tools.js'

/** A repository made by `svnadmin create` (its root folder). */
export function isLocalSvnRepository(dir: string): boolean {
  return existsSync(join(dir, 'format')) && isDir(join(dir, 'db')) && isDir(join(dir, 'conf'))
}

/**
 * Whether `url` looks like a Subversion repository; never throws. Under a network policy, no
 * local path is looked at and `svn info` connects through an egress proxy checking every
 * connection (redirects included).
 */
export async function probeSvn(
  url: string,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<boolean> {
  if (/^svn(\+[a-z]+)?:\/\//i.test(url)) return true
  let local: string | null = null
  if (url.startsWith('file://')) {
    try {
      local = fileURLToPath(url)
    } catch {
      return false
    }
  } else if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) local = url
  if (local !== null && network) return false
  if (local !== null && isLocalSvnRepository(local)) return true
  if (local === null && !/^https?:\/\//i.test(url)) return false
  if (local !== null && !url.startsWith('file://')) return false
  const proxy = network ? await startEgressProxy(network).catch(() => null) : null
  if (network && !proxy) return false
  try {
    await runTool(
      'svn',
      ['info', '--non-interactive', ...proxyArgs(proxy?.url ?? null), '--', url],
      {
        signal: probeSignal(signal),
      },
    )
    return true
  } catch {
    return false
  } finally {
    await proxy?.close()
  }
}
