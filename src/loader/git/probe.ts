/**
 * Whether a URL is a git repository, for `arca save` without `--type`: a local folder by its
 * layout, `git://` and scp-like `host:path` by their syntax, HTTP(S) by one request for the
 * smart-HTTP advertisement (a dumb server by its `info/refs`).
 *
 * @module
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'

import { HttpClient, type NetPolicy } from '../../net/index.js'
import { isDir, localPathOf, probeSignal } from '../core/probe.js'

/** A working tree (`.git` folder or file) or a bare repository (`HEAD`, `objects/`, `refs/`). */
export function isLocalGitRepository(dir: string): boolean {
  if (existsSync(join(dir, '.git'))) return true
  return existsSync(join(dir, 'HEAD')) && isDir(join(dir, 'objects')) && isDir(join(dir, 'refs'))
}

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
  const client = new HttpClient(network)
  try {
    const res = await client.request(`${base}/info/refs?service=git-upload-pack`, {
      signal: probeSignal(signal),
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
