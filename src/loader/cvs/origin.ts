/**
 * CVS origin URLs, as Software Heritage records them: `file:///root/module` (a local
 * repository: the CVSROOT folder's parent path, then the module), `rsync://host/root/module`
 * and `pserver://user@host/root/module`; a trailing `/` is dropped. The module is the URL
 * path's last name and the CVS root the path before it. A local path names the module folder
 * inside a repository (`/srv/cvs/mod`). A password in a pserver URL is used, never recorded.
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { InvalidInputError } from '../../errors.js'

/** A CVS source, split. */
export interface CvsSource {
  readonly scheme: 'file' | 'rsync' | 'pserver'
  /** The URL the archive records (no password). */
  readonly origin: string
  /** The module's name (the path's last name). */
  readonly module: string
  /** The CVS root as the server names it (the URL path before the module). */
  readonly root: string
  /** file: the local CVS root folder. */
  readonly localRoot?: string
  readonly host?: string
  readonly port?: number
  readonly user?: string
  /** pserver: the password (decoded), '' when none. */
  readonly password?: string
  /** Secrets to scrub from messages. */
  readonly secrets: readonly string[]
}

/** Whether a URL names a CVS source by its scheme. */
export function isCvsScheme(url: string): boolean {
  return /^(rsync|pserver):\/\//i.test(url)
}

/**
 * Splits a CVS URL or local module path.
 *
 * @example
 * ```ts
 * parseCvsUrl('pserver://anonymous:pw@cvs.example.org/cvsroot/proj').origin
 * // 'pserver://anonymous@cvs.example.org/cvsroot/proj'
 * ```
 */
export function parseCvsUrl(input: string, cwd: string = process.cwd()): CvsSource {
  const trimmed = input.replace(/\/+$/, '')
  if (trimmed === '') throw new InvalidInputError('The CVS repository URL is empty')
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(trimmed)
  if (!m || m[1]!.toLowerCase() === 'file') {
    let path: string
    try {
      path = m ? fileURLToPath(new URL(trimmed)) : resolve(cwd, trimmed)
    } catch (e) {
      throw new InvalidInputError(`"${input}" is not a local file:// URL`, { cause: e })
    }
    path = path.replace(/\/+$/, '')
    const root = dirname(path)
    const module = path.slice(root.length + 1)
    if (module === '') throw new InvalidInputError(`"${input}" names no CVS module`)
    return {
      scheme: 'file',
      origin: pathToFileURL(path).href,
      module,
      root,
      localRoot: root,
      secrets: [],
    }
  }
  const scheme = m[1]!.toLowerCase()
  if (scheme !== 'rsync' && scheme !== 'pserver')
    throw new InvalidInputError(
      `"${scheme}://" is not a CVS URL scheme (rsync://, pserver:// or a local path)`,
    )
  let url: URL
  try {
    url = new URL(trimmed)
  } catch (e) {
    throw new InvalidInputError(`"${redact(input)}" is not a valid URL`, { cause: e })
  }
  const path = decodeURIComponent(url.pathname)
  const root = path.slice(0, path.lastIndexOf('/'))
  const module = path.slice(path.lastIndexOf('/') + 1)
  if (module === '' || root === '')
    throw new InvalidInputError(
      `"${redact(input)}" names no CVS root and module (${scheme}://host/root/module)`,
    )
  if (url.hostname.startsWith('-') || url.username.startsWith('-'))
    throw new InvalidInputError(`"${redact(input)}" names a host or user starting with "-"`)
  const password = decodeURIComponent(url.password)
  const user = decodeURIComponent(url.username)
  const authority = `${url.username ? `${url.username}@` : ''}${url.host.toLowerCase()}`
  return {
    scheme,
    origin: `${scheme}://${authority}${url.pathname}`,
    module,
    root,
    host: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    ...(user ? { user } : {}),
    password,
    secrets: password ? [...new Set([password, url.password])] : [],
  }
}

function redact(url: string): string {
  return url.replace(/^([a-z+.-]+:\/\/)[^@/]*@/i, '$1')
}

/** Whether a local folder is a CVS module: its parent holds `CVSROOT`, or it holds `,v` files. */
export function isLocalCvsModule(path: string): boolean {
  return existsSync(join(dirname(path), 'CVSROOT')) && existsSync(path)
}
