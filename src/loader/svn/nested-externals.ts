/**
 * Exports whose externals are followed by Arca, not by `svn`, under a network policy. `svn
 * export` follows the externals of the tree it exports, and theirs, connecting by itself to
 * every host they name, by name: under a network policy, a public repository could make the
 * node read a private one over `svn://` (a name checked first and resolved again by svn, or
 * never checked), or a repository on the node's own disk over `file://`. So under a policy,
 * {@link exportPinned} exports each tree with `--ignore-externals`, reads the externals it
 * defines (`svn propget -R svn:externals`), checks every host they name under the policy
 * (`LoadContext.pinUrl`) and exports each external itself, into its place, by the address
 * that was checked (`svn://` and `svn+ssh://`; HTTP(S) goes through the load's egress proxy),
 * and so on at every depth. What svn does is kept: an external that cannot be exported leaves
 * the rest (and its parent directories), later definitions of one path are exported over
 * earlier ones. Beyond svn: a definition whose target leaves its directory (`..`, absolute)
 * or passes through a symbolic link of the exported tree is left out, and externals nested
 * deeper than {@link MAX_DEPTH} levels (svn follows a cycle until paths grow too long) or
 * more than {@link MAX_EXPORTS} exports refuse the whole export.
 *
 * @module
 */

import { lstatSync, mkdirSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

import { ForbiddenError } from '../../errors.js'
import type { PinnedUrl } from '../../net/index.js'
import { type ExternalDef, parseExternals, quoteSvnUrl } from './externals.js'
import { pinnedSvnUrl, type SvnAccess, svnInfo, toolArgs, toolOpts, xmlText } from './repo.js'
import { runTool, ToolError } from './tools.js'

/** How deep externals of externals are followed before the export is refused. */
export const MAX_DEPTH = 8
/** How many exports (the tree's and its externals') one export may take before it is refused. */
export const MAX_EXPORTS = 256

/** What {@link exportPinned} needs. */
export interface ReachOptions {
  readonly access: SvnAccess
  /** `LoadContext.pinUrl`: throws a ForbiddenError for what the policy refuses. */
  readonly pin: (url: string) => Promise<PinnedUrl>
  /** Whether externals may name repositories on this machine's disk (a `file://` origin). */
  readonly allowDisk: boolean
}

const scheme = (url: string): string => /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1] ?? ''
const serverOf = (url: string): string => /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(url)?.[0] ?? ''
/** The decoded path of a URL, without its trailing `/`. */
const pathOf = (url: string): string => {
  const path = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, '').replace(/\/+$/, '')
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/**
 * `svn export -r rev url@peg dest` (null: HEAD) with its externals at every depth, each
 * exported by Arca at the address the policy checked. Throws a ForbiddenError naming the first
 * external that names a host the policy refuses or another repository on this machine's disk,
 * when the externals of an exported tree cannot be read, or past the depth and export limits;
 * a ToolError when the tree itself cannot be exported.
 */
export async function exportPinned(
  url: string,
  rev: number | null,
  peg: number | null,
  dest: string,
  opts: ReachOptions,
): Promise<void> {
  let exports = 0
  const one = async (
    at: string,
    access: SvnAccess,
    r: number | null,
    p: number | null,
    to: string,
    depth: number,
  ): Promise<void> => {
    if (depth > MAX_DEPTH)
      throw new ForbiddenError(`svn:externals nested deeper than ${MAX_DEPTH} levels at ${at}`)
    if (++exports > MAX_EXPORTS)
      throw new ForbiddenError(`svn:externals under ${url} take more than ${MAX_EXPORTS} exports`)
    await svnExport(at, r, p, to, access, true)
    const found = await externalsUnder(at, r, p, access)
    if (found.length === 0) return
    // relative definitions (`^/`, `../`, `/`, `//`) read as svn reads them: against the root
    // of the repository holding the property and the directory's path in it
    const root = (await svnInfo(`${at}@${p ?? ''}`, access)).root.replace(/\/+$/, '')
    const base = pathOf(at)
    for (const [dirUrl, value] of found) {
      const inRoot = dirUrl.startsWith(root) ? dirUrl.slice(root.length).replace(/^\/+/, '') : ''
      // where the directory holding the property is in the export (svn prints it encoded)
      const dir = pathOf(dirUrl)
      const inExport =
        dir === base ? '' : dir.startsWith(`${base}/`) ? dir.slice(base.length + 1) : null
      if (inExport === null) continue
      for (const defs of parseExternals(value, inRoot, root).values())
        for (const d of defs) {
          const target = placeOf(to, inExport, d)
          if (target === null) continue
          const next = await reach(d, at, root, access, opts)
          mkdirSync(dirname(target), { recursive: true })
          try {
            await one(
              next.url,
              next.access,
              d.revision,
              d.pegRevision ?? (d.legacyFormat ? d.revision : null),
              target,
              depth + 1,
            )
          } catch (e) {
            // an external that cannot be exported leaves the rest, as svn leaves it
            if (!(e instanceof ToolError)) throw e
          }
        }
    }
  }
  await one(url, opts.access, rev, peg, dest, 0)
}

/** The URL and access exporting `d` takes, once the policy allowed what it names. */
async function reach(
  d: ExternalDef,
  at: string,
  root: string,
  access: SvnAccess,
  opts: ReachOptions,
): Promise<{ url: string; access: SvnAccess }> {
  const onDisk = scheme(d.url).toLowerCase() === 'file'
  const inRepository = d.url === root || d.url.startsWith(`${root}/`)
  if (onDisk) {
    if (!opts.allowDisk && !inRepository)
      throw new ForbiddenError(`the svn:externals ${d.url} is on this machine's disk`)
    return { url: d.url, access }
  }
  // the server of the tree holding the definition was checked (and pinned) already
  if (serverOf(d.url) === serverOf(at)) return { url: d.url, access }
  // another server: checked, never with the credentials of the origin
  const bare: SvnAccess = { auth: null, proxy: access.proxy, signal: access.signal }
  if (/^svn(\+ssh)?$/i.test(scheme(d.url))) return pinnedSvnUrl(d.url, bare, opts.pin)
  await opts.pin(d.url) // HTTP(S): checked here, and through the load's egress proxy besides
  return { url: d.url, access: bare }
}

/**
 * Where the external `d`, defined on the directory `dir` of an export at `to`, goes on disk;
 * null when its target leaves that directory or passes through a symbolic link.
 */
function placeOf(to: string, dir: string, d: ExternalDef): string | null {
  const parts = [...dir.split('/'), ...d.path.split('/')].filter((s) => s !== '' && s !== '.')
  if (d.path.startsWith('/') || parts.some((s) => s === '..' || s.includes(sep))) return null
  if (d.path.split('/').filter((s) => s !== '' && s !== '.').length === 0) return null
  const target = join(to, ...parts)
  const rel = relative(to, target)
  if (rel === '' || rel.startsWith('..')) return null
  // an exported tree may hold symbolic links (svn:special): nothing is written through one
  let at = to
  for (const s of parts) {
    at = join(at, s)
    try {
      if (lstatSync(at).isSymbolicLink()) return null
    } catch {
      break // the rest does not exist yet
    }
  }
  return target
}

/**
 * `svn export --ignore-keywords --force -r rev url@peg to` (null: HEAD, no peg), with
 * `--ignore-externals` when `ignoreExternals`; with externals, one of theirs that fails leaves
 * the rest (the svn library only notifies it; the command line then says E205011).
 */
export async function svnExport(
  url: string,
  rev: number | null,
  peg: number | null,
  to: string,
  access: SvnAccess,
  ignoreExternals: boolean,
): Promise<void> {
  await runTool(
    'svn',
    [
      'export',
      '-q',
      '--ignore-keywords',
      ...(ignoreExternals ? ['--ignore-externals'] : []),
      '--force',
      ...toolArgs(access),
      ...(rev === null ? [] : ['-r', String(rev)]),
      '--',
      `${quoteSvnUrl(url)}@${peg ?? ''}`,
      to,
    ],
    toolOpts(access, true),
  ).catch((e: unknown) => {
    if (ignoreExternals || !(e instanceof ToolError && e.stderr.includes('E205011'))) throw e
  })
}

/** The `svn:externals` of every directory under `url@peg` at `rev`, by the directory's URL. */
async function externalsUnder(
  url: string,
  rev: number | null,
  peg: number | null,
  access: SvnAccess,
): Promise<[string, Uint8Array][]> {
  let xml: string
  try {
    xml = (
      await runTool(
        'svn',
        [
          'propget',
          '-R',
          '--xml',
          ...toolArgs(access),
          ...(rev === null ? [] : ['-r', String(rev)]),
          'svn:externals',
          '--',
          `${url}@${peg ?? ''}`,
        ],
        toolOpts(access),
      )
    ).toString('utf8')
  } catch (e) {
    // what cannot be read cannot be checked
    if (e instanceof ToolError)
      throw new ForbiddenError(`cannot read the svn:externals under ${url}: ${e.message}`)
    throw e
  }
  const out: [string, Uint8Array][] = []
  for (const m of xml.matchAll(/<target\s+path="([^"]*)">([\s\S]*?)<\/target>/g)) {
    const p =
      /<property\s+name="svn:externals"(\s+encoding="base64")?\s*>([\s\S]*?)<\/property>/.exec(
        m[2]!,
      )
    if (!p) continue
    const value = p[1] ? Buffer.from(p[2]!, 'base64') : Buffer.from(xmlText(p[2]!), 'utf8')
    out.push([xmlText(m[1]!), value])
  }
  return out
}
