/**
 * Whether a URL is a git repository, for `arca save` without `--type`: a local folder by its
 * layout, `git://` and scp-like `host:path` by their syntax, HTTP(S) by one request for the
 * smart-HTTP advertisement (a dumb server by its `info/refs`).
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { HttpClient, type NetPolicy } from '../../net/index.js'

/** Time a probe request may take. */
const PROBE_TIMEOUT_MS = 10_000

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** A working tree (`.git` folder or file) or a bare repository (`HEAD`, `objects/`, `refs/`). */
export function isLocalGitRepository(dir: string): boolean {
  if (existsSync(join(dir, '.git'))) return true
  return existsSync(join(dir, 'HEAD')) && isDir(join(dir, 'objects')) && isDir(join(dir, 'refs'))
}

/** A local path of a URL as `arca save` takes it (`file://…` or a path), else null. */
export function localPathOf(url: string): string | null {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url)
    } catch {
      return null
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return null
  if (/^[^/]+:/.test(url) && !existsSync(url)) return null // scp-like host:path
  return url
}

/**
 * Whether `url` is a git repository. Under a network policy a local path is not looked at,
 * and the request (and its redirects) is checked like a fetch.
 */
export async function probeGit(
  url: string,
  signal?: AbortSignal,
  network?: NetPolicy,
): Promise<boolean> {
  const local = localPathOf(url)
  if (local !== null) return network ? false : isLocalGitRepository(local)
  if (/^(git|git\+ssh|ssh\+git):\/\//i.test(url)) return true
  if (/^ssh:\/\//i.test(url)) return /\.git\/?$/.test(url)
  if (!/^https?:\/\//i.test(url)) return /^[^/]+:/.test(url) && /\.git\/?$/.test(url)
  const base = url.replace(/\/+$/, '')
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS)
  const client = new HttpClient(network)
  try {
    const res = await client.request(`${base}/info/refs?service=git-upload-pack`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { 'git-protocol': 'version=2' },
    })
    res.cancel()
    if (!res.ok) return false
    const type = res.header('content-type') ?? ''
    return (
      type.startsWith('application/x-git-upload-pack-advertisement') ||
      type.startsWith('text/plain')
    )
  } catch {
    return false
  } finally {
    client.close()
  }
}
