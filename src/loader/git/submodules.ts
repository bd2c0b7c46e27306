/**
 * Submodules: the repositories a `.gitmodules` file names, resolved against the superproject's
 * URL, so they can be recorded as origins for a later visit.
 *
 * @module
 */

import { splitRemoteUrl } from '../origin-url.js'

/**
 * The submodule URLs of a `.gitmodules` file (git config syntax: `url = …` keys in
 * `[submodule "name"]` sections). Relative URLs (`../other.git`) are resolved against the
 * superproject's URL, as git does.
 *
 * @example
 * ```ts
 * parseGitmodules(Buffer.from('[submodule "a"]\\n\\turl = ../a.git\\n'), 'https://example.org/x/repo.git')
 * // ['https://example.org/x/a.git']
 * ```
 */
export function parseGitmodules(data: Uint8Array, superUrl: string): string[] {
  const text = Buffer.from(data).toString('utf8')
  const urls: string[] = []
  let inSubmodule = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim()
    if (line.startsWith('[')) {
      inSubmodule = /^\[submodule\s+"[^"]*"\s*\]$/.test(line)
      continue
    }
    if (!inSubmodule) continue
    const m = /^url\s*=\s*(.+)$/i.exec(line)
    if (!m) continue
    let url = m[1]!.trim()
    if (url.startsWith('"') && url.endsWith('"')) url = url.slice(1, -1)
    const resolved = resolveSubmoduleUrl(url, superUrl)
    const origin = resolved === null ? null : submoduleOrigin(resolved)
    if (origin && !urls.includes(origin)) urls.push(origin)
  }
  return urls
}

/** Resolves `./x` and `../x` against the superproject URL; absolute URLs are kept. */
export function resolveSubmoduleUrl(url: string, superUrl: string): string | null {
  if (!url.startsWith('./') && !url.startsWith('../')) return url
  let base = superUrl.replace(/\/+$/, '')
  let rest = url
  for (;;) {
    if (rest.startsWith('./')) rest = rest.slice(2)
    else if (rest.startsWith('../')) {
      const slash = base.lastIndexOf('/')
      if (slash < 0) return null
      base = base.slice(0, slash)
      rest = rest.slice(3)
    } else break
  }
  return `${base}/${rest}`
}

/**
 * The origin URL of a resolved submodule URL (normalised, credentials dropped); a path that is
 * neither absolute nor a URL is kept as written (there is no directory to resolve it against).
 */
function submoduleOrigin(url: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) && !url.startsWith('/')) return url
  try {
    return splitRemoteUrl(url, '/').originUrl
  } catch {
    return null
  }
}
