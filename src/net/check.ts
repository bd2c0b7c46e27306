/**
 * Whether a repository URL may be fetched on someone's request: its scheme is one a loader
 * speaks over the network (never `file://` nor a local path), and every address its host
 * resolves to (all families) may be reached under the policy. Ports are taken as given.
 * Save Code Now calls {@link checkUrl} when a request is made; `loadOrigin` calls it again
 * before a visit, and the transports check each address they connect to.
 *
 * @module
 */

import { errorMessage, isArcaError } from '../errors.js'
import type { NetPolicy } from './policy.js'
import { resolveAllowed } from './resolve.js'

/** Schemes fetched on request. */
export const ALLOWED_SCHEMES: readonly string[] = [
  'http',
  'https',
  'git',
  'svn',
  'bzr',
  'ssh',
  'rsync',
  'pserver',
  'git+ssh',
  'ssh+git',
  'svn+ssh',
  'bzr+ssh',
]

const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//
// git's scp-like syntax: [user@]host:path, no slash before the colon; host may be [v6].
const SCP_LIKE = /^(?:[^@/]*@)?(\[[^\]/]*\]|[^/:[\]]+):/

/** Where a URL would connect: its scheme and host; or why it is refused without a lookup. */
export function urlHost(url: string): { scheme: string; host: string } | { refused: string } {
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url))
    return { refused: `git remote-helper URLs (transport::address) are not fetched on request` }
  const m = SCHEME_URL.exec(url)
  if (m) {
    const scheme = m[1]!.toLowerCase()
    if (scheme === 'file')
      return { refused: `file:// URLs are not fetched on request (${shorten(url)})` }
    if (!ALLOWED_SCHEMES.includes(scheme))
      return {
        refused: `the scheme "${scheme}:" is not fetched on request (allowed: ${ALLOWED_SCHEMES.join(', ')})`,
      }
    let host: string
    try {
      host = new URL(url).hostname
    } catch {
      return { refused: `"${shorten(url)}" is not a valid URL` }
    }
    if (host === '') return { refused: `"${shorten(url)}" names no host` }
    return { scheme, host }
  }
  const scp = SCP_LIKE.exec(url)
  if (scp && !url.startsWith('/') && !url.startsWith('.')) return { scheme: 'ssh', host: scp[1]! }
  return { refused: `local paths are not fetched on request (${shorten(url)})` }
}

/** A URL for a message: without userinfo, at most 200 characters. */
function shorten(url: string): string {
  const bare = url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, '$1')
  return bare.length > 200 ? `${bare.slice(0, 200)}…` : bare
}

/**
 * Why `url` may not be fetched on request under `policy`, or null when it may: the scheme is
 * allowed and every address of its host is.
 *
 * @example
 * ```ts
 * await checkUrl('http://169.254.169.254/latest/meta-data', { allowNetworks: [] })
 * // '169.254.169.254 in 169.254.169.254/32 (cloud metadata (…)), which is not allowed …'
 * await checkUrl('https://github.com/git/git', { allowNetworks: [] }) // null
 * ```
 *
 * With `allowUnresolved`, a host that cannot be resolved at the moment passes (for requests
 * checked when they are made; the fetch checks again when it connects).
 */
export async function checkUrl(
  url: string,
  policy: NetPolicy,
  options: { readonly allowUnresolved?: boolean } = {},
): Promise<string | null> {
  const target = urlHost(url)
  if ('refused' in target) return target.refused
  try {
    await resolveAllowed(target.host, policy)
    return null
  } catch (e) {
    if (isArcaError(e, 'forbidden')) return errorMessage(e)
    // When a request is made, a name that does not resolve now is no danger: every connection
    // checks the addresses it reaches, and the visit then says why it failed.
    if (options.allowUnresolved) return null
    if (isArcaError(e, 'not_found')) return errorMessage(e)
    return `the host ${target.host} could not be resolved: ${errorMessage(e)}`
  }
}
