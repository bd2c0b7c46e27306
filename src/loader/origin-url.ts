/**
 * Origin URLs from what a user typed: the URL the archive records (the origin: no credentials,
 * one spelling per repository) and the URL the transport fetches from (with the credentials,
 * never shown).
 *
 * Local paths (relative, absolute, with `.`/`..` segments or a trailing slash) and `file://`
 * URLs become one absolute `file://` URL, percent-encoded as WHATWG URLs are. Other URLs are
 * kept as given, as Software Heritage keeps origin URLs, except for what names the same place
 * in another spelling: the scheme and host are lowercased, a default port is dropped, and the
 * userinfo (`user:password@`) is dropped. The path, query and fragment are kept byte for byte.
 *
 * @module
 */

import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { InvalidInputError } from '../errors.js'

/** A user-given repository URL, split. */
export interface RemoteUrl {
  /** What the archive records and shows: normalised, without credentials. */
  readonly originUrl: string
  /** What the transport connects to: as given (local paths made absolute), credentials kept. */
  readonly fetchUrl: string
  /** Secrets in `fetchUrl` (userinfo, as given and decoded), to scrub from any text shown. */
  readonly secrets: readonly string[]
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: '80',
  https: '443',
  git: '9418',
  ssh: '22',
  'git+ssh': '22',
  'ssh+git': '22',
  ftp: '21',
}

const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s
// scp-like syntax of git: [user@]host:path, no slash before the colon.
const SCP_LIKE = /^(?:([^@/]*)@)?([^/:]+):(.*)$/s

function decode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * The secrets of a userinfo: the password (as given and decoded) and the whole userinfo; a
 * lone user name only over HTTP, where it is often a token (`https://TOKEN@host/…`).
 */
function secretsOf(userinfo: string, scheme: string): string[] {
  const colon = userinfo.indexOf(':')
  const password = colon < 0 ? '' : userinfo.slice(colon + 1)
  const candidates =
    password !== '' ? [userinfo, password] : colon < 0 && /^https?$/.test(scheme) ? [userinfo] : []
  const out = new Set<string>()
  for (const c of candidates) for (const v of [c, decode(c)]) if (v !== '') out.add(v)
  return [...out]
}

/**
 * Splits a user-given repository URL or local path (relative to `cwd`).
 *
 * @example
 * ```ts
 * splitRemoteUrl('HTTPS://user:tok@Example.org:443/a/Repo.git')
 * // { originUrl: 'https://example.org/a/Repo.git', fetchUrl: 'HTTPS://user:tok@Example.org:443/a/Repo.git', … }
 * splitRemoteUrl('../repos/./a.git/', '/home/me/src').originUrl // 'file:///home/me/repos/a.git'
 * ```
 */
export function splitRemoteUrl(input: string, cwd: string = process.cwd()): RemoteUrl {
  if (input === '') throw new InvalidInputError('The repository URL is empty')
  const m = SCHEME_URL.exec(input)
  if (m) {
    const scheme = m[1]!.toLowerCase()
    if (scheme === 'file') {
      let path: string
      try {
        path = fileURLToPath(new URL(input))
      } catch (e) {
        throw new InvalidInputError(`"${redactUserinfo(input)}" is not a local file:// URL`, {
          cause: e,
        })
      }
      return local(path, cwd)
    }
    try {
      new URL(input)
    } catch (e) {
      throw new InvalidInputError(`"${redactUserinfo(input)}" is not a valid URL`, { cause: e })
    }
    const authority = m[2]!
    const at = authority.lastIndexOf('@')
    const userinfo = at < 0 ? '' : authority.slice(0, at)
    let hostPort = at < 0 ? authority : authority.slice(at + 1)
    // host, [v6]:port or host:port
    const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort)
    if (!pm) throw new InvalidInputError(`"${redactUserinfo(input)}" has an invalid host`)
    const host = pm[1]!.toLowerCase()
    noOption(userinfo || host, input)
    const port = pm[2] ?? ''
    hostPort = port === '' || DEFAULT_PORTS[scheme] === port ? host : `${host}:${port}`
    return {
      originUrl: `${scheme}://${hostPort}${m[3]!}`,
      fetchUrl: input,
      secrets: secretsOf(userinfo, scheme),
    }
  }
  const scp = SCP_LIKE.exec(input)
  if (scp && !input.startsWith('/') && !input.startsWith('.')) {
    const userinfo = scp[1] ?? ''
    noOption(userinfo || scp[2]!, input)
    return {
      originUrl: `${scp[2]!.toLowerCase()}:${scp[3]!}`,
      fetchUrl: input,
      secrets: secretsOf(userinfo, 'ssh'),
    }
  }
  return local(input, cwd)
}

/** A host or user starting with "-" would be read by ssh as an option (`-oProxyCommand=…`). */
function noOption(start: string, input: string): void {
  if (start.startsWith('-'))
    throw new InvalidInputError(
      `"${redactUserinfo(input)}" names a host or user starting with "-", which is refused`,
    )
}

function local(path: string, cwd: string): RemoteUrl {
  const absolute = resolve(cwd, path)
  return { originUrl: pathToFileURL(absolute).href, fetchUrl: absolute, secrets: [] }
}

/** `scheme://user:password@host…` with the userinfo removed, wherever it occurs in `text`. */
export function redactUserinfo(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@'"]*@/g, '$1')
}

/**
 * `text` safe to show, log or store: the fetch URL replaced by the origin URL, any URL userinfo
 * removed, and every secret of `remote` replaced by `***`.
 */
export function scrubRemote(text: string, remote: RemoteUrl): string {
  // the fetch URL shown as the origin URL, except inside the origin URL itself (a local path
  // is part of its file:// URL)
  let out = text
    .split(remote.originUrl)
    .map((part) => part.split(remote.fetchUrl).join(remote.originUrl))
    .join(remote.originUrl)
  out = redactUserinfo(out)
  for (const s of [...remote.secrets].sort((a, b) => b.length - a.length))
    out = out.split(s).join('***')
  return out
}

/**
 * How to hand `fetchUrl` to the git binary without putting its credentials on a command line
 * (readable by every local user): HTTP(S) credentials go in an `Authorization` header passed
 * through git's configuration environment (`GIT_CONFIG_COUNT`), readable only by this user.
 */
export function gitFetchArgs(fetchUrl: string): { url: string; env: Record<string, string> } {
  const m = /^(https?:\/\/)([^/?#@]*)@(.*)$/is.exec(fetchUrl)
  if (!m) return { url: fetchUrl, env: {} }
  const userinfo = m[2]!
  const colon = userinfo.indexOf(':')
  const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon))
  const password = colon < 0 ? '' : decode(userinfo.slice(colon + 1))
  const basic = Buffer.from(`${user}:${password}`).toString('base64')
  return {
    url: `${m[1]!}${m[3]!}`,
    env: {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    },
  }
}
