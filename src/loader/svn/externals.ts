/**
 * `svn:externals` definitions read as Software Heritage's svn loader reads them
 * (`parse_external_definition`, `svn_urljoin`, `is_recursive_external` in swh-loader-svn's
 * `utils.py`): both formats, `[-r N] URL[@PEG] PATH` (Subversion 1.5 and later) and the older
 * `PATH [-r N] URL`; relative URLs `^/…` (joined to the origin URL, as SWH does), `//…` (the
 * origin's scheme), `/…` (the origin's server) and `../…` (the directory's URL, from the
 * origin URL). A line that cannot be read makes the whole property ignored, as Subversion
 * does.
 *
 * @module
 */

/** One external definition (SWH's `ExternalDefinition`). */
export interface ExternalDef {
  /** Where it goes, relative to the directory holding the property (no trailing `/`). */
  readonly path: string
  /** Absolute URL, percent-decoded. */
  readonly url: string
  readonly revision: number | null
  readonly pegRevision: number | null
  /** A relative URL that leads out of the origin. */
  readonly relativeUrl: boolean
  /** The pre-1.5 format (`PATH [-r N] URL`): its revision is also its peg revision. */
  readonly legacyFormat: boolean
}

/** A key equal for equal definitions. */
export function defKey(d: ExternalDef): string {
  return JSON.stringify([d.path, d.url, d.revision, d.pegRevision, d.relativeUrl, d.legacyFormat])
}

/** Percent-encodes `s` as Python's `urllib.parse.quote(s, safe)` does (UTF-8). */
export function quote(s: string, safe = '/'): string {
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    out +=
      /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c)
        ? c
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** A Subversion URL quoted for the tools (SWH's `quote_svn_url`). */
export function quoteSvnUrl(url: string): string {
  return quote(url, "/:!$&'()*+,=@")
}

function unquote(s: string): string {
  try {
    return decodeURIComponent(s.replace(/%(?![0-9a-fA-F]{2})/g, '%25'))
  } catch {
    return s
  }
}

/** `scheme://host[:port]` and path of a URL, as Python's `urlparse` splits them. */
function splitUrl(url: string): { scheme: string; netloc: string; path: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)/.exec(url)
  if (!m) return { scheme: '', netloc: '', path: url }
  return { scheme: m[1]!.toLowerCase(), netloc: m[2] ?? '', path: m[3] ?? '' }
}

/** POSIX `abspath` of an absolute path (`.`, `..`, repeated and trailing `/` resolved). */
function absPath(p: string): string {
  const out: string[] = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return '/' + out.join('/')
}

/** SWH's `svn_urljoin`: the URL's path joined with `parts` (each trimmed of `/`), normalised. */
export function svnUrljoin(base: string, ...parts: string[]): string {
  const u = splitUrl(base)
  let path = u.path || '/'
  for (const a of parts) {
    const t = a.replace(/^\/+|\/+$/g, '')
    path = path.endsWith('/') ? path + t : `${path}/${t}`
  }
  return `${u.scheme}://${u.netloc}${absPath(path)}`
}

/**
 * The definition in one line of an `svn:externals` property set on `dirPath` (from the
 * repository root) of the origin `originUrl`; throws when it cannot be read.
 */
export function parseExternal(line: string, dirPath: string, originUrl: string): ExternalDef {
  let path = ''
  let url = ''
  let revision: number | null = null
  let pegRevision: number | null = null
  let relativeUrl = false
  let prev: string | null = null
  const int = (s: string): number => {
    if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new Error(`not a revision: ${s}`)
    return Number(s)
  }
  for (const part of line.split(/\s+/).filter((p) => p !== '')) {
    if (prev === '-r') revision = int(part)
    else if (part.startsWith('-r') && part !== '-r') revision = int(part.slice(2))
    else if (part.startsWith('^/')) {
      url = svnUrljoin(originUrl, part.slice(2))
      relativeUrl = !url.startsWith(originUrl)
    } else if (part.startsWith('//')) {
      url = `${splitUrl(originUrl).scheme}:${part}`
      relativeUrl = !url.startsWith(originUrl)
    } else if (part.startsWith('/')) {
      const o = splitUrl(originUrl)
      url = svnUrljoin(`${o.scheme}://${o.netloc}`, part)
      relativeUrl = !url.startsWith(originUrl)
    } else if (part.startsWith('../')) {
      url = svnUrljoin(originUrl, dirPath, part)
      relativeUrl = !url.startsWith(originUrl)
    } else if (/^.*:*\/\/.*/.test(part)) url = part
    else if (part.startsWith('\\"')) {
      const found = line.split('\\"').find((e) => e.startsWith(part.slice(2)))
      path = `"${(found ?? '').replace(/\\ /g, ' ')}"`
    } else if (part.endsWith('\\"')) {
      // the end of a quoted path, read above
    } else if (part.startsWith('"') || part.startsWith("'")) {
      const q = part[0]!
      const prefix = part.replace(new RegExp(`^${q}+|${q}+$`, 'g'), '')
      path = line.split(q).find((e) => e.startsWith(prefix)) ?? ''
    } else if (part.endsWith('"') || part.endsWith("'")) {
      // the end of a quoted path, read above
    } else if (!part.startsWith('\\') && part !== '-r') {
      path = part.replace(/\\\\/g, '\\')
      if (path === part) path = part.replace(/\\/g, '')
      if (path.startsWith('./')) path = path.slice(2)
    }
    prev = part
  }
  const hadUser = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*@/.test(url)
  if (url.includes('@')) {
    const at = url.lastIndexOf('@')
    const base = url.slice(0, at)
    const r = url.slice(at + 1)
    if (/^[+-]?\d+$/.test(r)) {
      pegRevision = Number(r)
      url = base
    } else if (!hadUser) url = base
    // a date peg (`@{2024-01-01}`) is not resolved: the external is taken at HEAD
  }
  if (url === '' || path === '') throw new Error(`cannot read the external definition '${line}'`)
  const trimmed = line.trim()
  return {
    path: path.replace(/\/+$/, ''),
    url: unquote(url),
    revision,
    pegRevision,
    relativeUrl,
    legacyFormat: trimmed.startsWith(path) && trimmed.endsWith(url),
  }
}

/**
 * The definitions of an `svn:externals` value set on `dirPath`, by target path (in order);
 * empty when a line cannot be read (then none is followed, as Subversion does).
 */
export function parseExternals(
  value: Uint8Array,
  dirPath: string,
  originUrl: string,
): Map<string, ExternalDef[]> {
  const out = new Map<string, ExternalDef[]>()
  try {
    for (const raw of Buffer.from(value).toString('utf8').split('\n')) {
      const line = raw.replace(/^[ \t\r]+|[ \t\r]+$/g, '')
      if (line === '' || line.startsWith('#')) continue
      const d = parseExternal(line, dirPath, originUrl)
      const list = out.get(d.path)
      if (list) list.push(d)
      else out.set(d.path, [d])
    }
  } catch {
    return new Map()
  }
  return out
}

/**
 * Whether exporting the external would export its own directory again (the external's URL
 * is an ancestor of where it goes): SWH's `is_recursive_external`.
 */
export function isRecursiveExternal(
  originUrl: string,
  dirPath: string,
  externalPath: string,
  externalUrl: string,
): boolean {
  const o = splitUrl(originUrl)
  const e = splitUrl(externalUrl)
  const rest = externalUrl.slice(externalUrl.indexOf(':') + 1)
  const ext = quoteSvnUrl(e.scheme ? `${o.scheme}:${rest}` : externalUrl).replace(/\/+$/, '')
  const url = svnUrljoin(originUrl, quote(dirPath), quote(externalPath)).replace(/\/+$/, '')
  return url !== ext && url.startsWith(ext + '/')
}
