/**
 * The origin URLs Save Code Now takes, with Software Heritage's rules (swh-web
 * `save_code_now/origin_save.py`): schemes http, https, svn, git, rsync, pserver, ssh, bzr and
 * ftp; a host that is a domain name, `localhost` or an IP address; no password other than the
 * conventional anonymous ones; and, for URLs given in a path, `://` restored where HTTP clients
 * squashed it into `:/`. Pure functions.
 *
 * @module
 */

import { InvalidInputError } from '../errors.js'

/** URL schemes a save request may use. */
export const SAVE_URL_SCHEMES: readonly string[] = [
  'http',
  'https',
  'svn',
  'git',
  'rsync',
  'pserver',
  'ssh',
  'bzr',
  'ftp',
]

/** Passwords that are conventions of anonymous access, not secrets. */
const ANONYMOUS_PASSWORDS = new Set(['', 'anonymous', 'guest', 'password'])

const DOMAIN_LABEL = /^(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-)$/i
const TLD = /^(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})$/i
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

function validHost(host: string): boolean {
  if (host === 'localhost' || IPV4.test(host)) return true
  if (host.startsWith('[') && host.endsWith(']')) return /^[0-9a-f:.]+$/i.test(host.slice(1, -1))
  const labels = host.replace(/\.$/, '').split('.')
  if (labels.length < 2) return false
  return labels.every((l) => DOMAIN_LABEL.test(l)) && TLD.test(labels[labels.length - 1]!)
}

/**
 * Throws an {@link InvalidInputError} unless `url` may be saved: a scheme of
 * {@link SAVE_URL_SCHEMES}, a valid host, an optional port, no whitespace, no password.
 */
export function validateOriginUrl(url: string): void {
  const bad = (): never => {
    throw new InvalidInputError(`The provided origin URL '${url}' is not valid!`)
  }
  const control = [...url].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)
  if (url.length === 0 || url.length > 4096 || control || /\s/.test(url)) bad()
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url)
  if (!m) return bad()
  const scheme = m[1]!.toLowerCase()
  if (!SAVE_URL_SCHEMES.includes(scheme)) bad()
  const authority = m[2]!
  const at = authority.lastIndexOf('@')
  const userinfo = at >= 0 ? authority.slice(0, at) : null
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(hostPort)
  if (!hp || !validHost(hp[1]!.toLowerCase())) bad()
  if (hp![2] !== undefined && Number(hp![2]) > 65535) bad()
  if (userinfo !== null) {
    const colon = userinfo.indexOf(':')
    const password = colon >= 0 ? decodeURIComponentSafe(userinfo.slice(colon + 1)) : ''
    if (!ANONYMOUS_PASSWORDS.has(password))
      throw new InvalidInputError(
        'The provided origin URL contains a password and cannot be accepted for security reasons.',
      )
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** `scheme:/host…` back to `scheme://host…` (some HTTP clients squash `//` in paths). */
export function demangleUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/(?!\/)/i.exec(url)
  return m ? `${m[1]}://${url.slice(m[0].length)}` : url
}

/** Characters an origin URL given in a request path keeps as they are (the rest is %-encoded). */
const KEPT = /[A-Za-z0-9_.~\-:/@%+?&=]/

/**
 * The origin URL of a request path's tail: %-decoded, then re-encoded keeping `:/@%+?&=` (as
 * Software Heritage stores it), with a squashed `://` restored.
 */
export function originUrlFromPath(raw: string): string {
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    decoded = raw
  }
  let out = ''
  for (const ch of decoded) {
    if (KEPT.test(ch)) out += ch
    else
      for (const b of new TextEncoder().encode(ch))
        out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return demangleUrl(out)
}

/** Whether `url` starts with one of `prefixes`. */
export function matchesPrefix(url: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => url.startsWith(p))
}
