/**
 * The repositories an `svn:externals` property names, as absolute URLs, to record as origins for
 * a later visit (as the git loader records submodules). Both formats are read: `[-r N] URL[@PEG]
 * PATH` (Subversion 1.5 and later, with relative URLs `^/…`, `//…`, `/…`, `../…`) and the older
 * `PATH [-r N] URL`. The externals themselves are not part of the archived tree (see
 * docs/loader-svn.md).
 *
 * @module
 */

const RELATIVE = /^(\^\/|\/\/|\/|\.\.\/)/

/**
 * The absolute URLs of the definitions in `value`, set on the directory `dirUrl` of the
 * repository at `rootUrl`; lines that cannot be read are skipped, as Subversion skips them.
 */
export function externalUrls(value: Uint8Array, dirUrl: string, rootUrl: string): string[] {
  const out: string[] = []
  for (const raw of Buffer.from(value).toString('utf8').split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const tokens = line.split(/\s+/).filter((t) => !/^-r\d*$/.test(t) && !/^\d+$/.test(t))
    if (tokens.length < 2) continue
    const first = tokens[0]!
    const url = first.includes('://') || RELATIVE.test(first) ? first : tokens[tokens.length - 1]!
    const abs = resolve(url.replace(/@[^/@]*$/, ''), dirUrl, rootUrl)
    if (abs !== null) out.push(abs.replace(/\/+$/, ''))
  }
  return out
}

function resolve(url: string, dirUrl: string, rootUrl: string): string | null {
  try {
    if (url.includes('://')) return new URL(url).toString()
    if (url.startsWith('^/')) return `${rootUrl.replace(/\/+$/, '')}/${url.slice(2)}`
    if (url.startsWith('//')) return new URL(`${new URL(rootUrl).protocol}${url}`).toString()
    if (url.startsWith('/')) return new URL(url, rootUrl).toString()
    if (url.startsWith('../')) return new URL(url, dirUrl.replace(/\/*$/, '/')).toString()
  } catch {
    return null
  }
  return null
}
