/**
 * Holding a tool to the address that was checked. A tool given a host name (`svn`, `brz`,
 * `rsync`, `ssh`, `git`) resolves it again when it connects: a name answering a public address
 * to the check and a private one to the tool (DNS rebinding) would reach what the policy
 * refuses. {@link pinUrl} checks the URL, resolves its host once, checks every address, and
 * gives the URL back with the host replaced by the first checked address, so the tool never
 * looks the name up. Protocols without virtual hosting (`svn://`, `bzr://`, `rsync://`, CVS
 * pserver, git://, ssh) connect the same to the address as to the name; ssh is told to check
 * the host key under the name ({@link sshPinOptions}). HTTP(S) is pinned by the egress proxy
 * instead (the name is needed there for TLS and virtual hosts).
 *
 * @module
 */

import { ForbiddenError } from '../errors.js'
import { urlHost } from './check.js'
import type { NetPolicy } from './policy.js'
import { resolveAllowed } from './resolve.js'

/** A URL held to its checked address. */
export interface PinnedUrl {
  /** The URL with its host replaced by the address (`[v6]` in brackets); the URL itself unpinned. */
  readonly url: string
  /** The host name of the URL as given (brackets removed), for host-key checks and messages. */
  readonly host: string
  /** The checked address the URL now names; null when unpinned (no policy). */
  readonly address: string | null
}

/**
 * `url` (`scheme://[user@]host[:port]…` or git's scp-like `[user@]host:path`) with its host
 * replaced by `host` (an address literal, `[…]` for IPv6); userinfo, port and path unchanged.
 */
export function withUrlHost(url: string, host: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?)(\[[^\]]*\]|[^/?#:]*)/.exec(url)
  if (scheme) return scheme[1]! + host + url.slice(scheme[0].length)
  const scp = /^((?:[^@/]*@)?)(\[[^\]/]*\]|[^/:]+):/.exec(url)
  if (!scp) throw new ForbiddenError(`"${url.slice(0, 200)}" names no host`)
  return `${scp[1]!}${host}:${url.slice(scp[0].length)}`
}

/**
 * `url` checked under `policy` (its scheme and every address of its host, as `checkUrl`) and
 * held to the first checked address; without a policy, `url` unchanged. A ForbiddenError names
 * why a URL is refused; a host that does not resolve is a NotFoundError.
 *
 * @example
 * ```ts
 * await pinUrl('svn://svn.example.org/repo/trunk', policy)
 * // { url: 'svn://203.0.113.7/repo/trunk', host: 'svn.example.org', address: '203.0.113.7' }
 * ```
 */
export async function pinUrl(url: string, policy: NetPolicy | undefined): Promise<PinnedUrl> {
  const target = urlHost(url)
  const host = 'refused' in target ? '' : target.host.replace(/^\[(.*)\]$/, '$1')
  if (!policy) return { url, host, address: null }
  if ('refused' in target) throw new ForbiddenError(target.refused)
  const first = (await resolveAllowed(target.host, policy))[0]!
  const literal = first.family === 6 ? `[${first.address}]` : first.address
  return { url: withUrlHost(url, literal), host, address: first.address }
}

/**
 * The `ssh` options for a pinned URL: the host key is looked up and checked under the host's
 * name although ssh connects to its address, and ssh never asks anything.
 */
export function sshPinOptions(pinned: PinnedUrl): string[] {
  const opts = ['-o', 'BatchMode=yes']
  if (pinned.address !== null && /^[A-Za-z0-9._:-]+$/.test(pinned.host))
    opts.push('-o', `HostKeyAlias=${pinned.host}`, '-o', 'CheckHostIP=no')
  return opts
}
