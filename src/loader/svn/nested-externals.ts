/**
 * What an `svn export` with externals would connect to. `svn export` follows the externals of
 * the tree it exports, and theirs, connecting to every host they name by itself: under a
 * network policy, a public repository could make the node read a private one over `svn://`, or
 * a repository on the node's own disk over `file://`. Before such an export,
 * {@link checkExternalsReach} reads the externals the tree defines (`svn propget -R
 * svn:externals`), checks under the policy every host they name (`LoadContext.pinUrl`), and
 * reads each external's own tree the same way, so that the export reaches only what the policy
 * allows. HTTP(S) goes through the load's egress proxy besides. What is left: svn resolves an
 * absolute `svn://` host name of such an external again when it connects, after the check.
 *
 * @module
 */

import { ForbiddenError } from '../../errors.js'
import type { PinnedUrl } from '../../net/index.js'
import { parseExternals } from './externals.js'
import { type SvnAccess, svnInfo, toolArgs, toolOpts, xmlText } from './repo.js'
import { runTool, ToolError } from './tools.js'

/** How deep externals of externals are followed before the export is refused. */
const MAX_DEPTH = 8

/** What {@link checkExternalsReach} needs. */
export interface ReachOptions {
  readonly access: SvnAccess
  /** `LoadContext.pinUrl`: throws a ForbiddenError for what the policy refuses. */
  readonly pin: (url: string) => Promise<PinnedUrl>
  /** Whether externals may name repositories on this machine's disk (a `file://` origin). */
  readonly allowDisk: boolean
}

const scheme = (url: string): string => /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1] ?? ''
const serverOf = (url: string): string => /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(url)?.[0] ?? ''

/**
 * Throws a ForbiddenError naming the first external, at any depth under `url` (as `svn export
 * -r rev url@peg` reads it; null: HEAD), that names a host the policy refuses or another
 * repository on this machine's disk, when the externals of a tree cannot be read, or when
 * externals nest deeper than {@link MAX_DEPTH}.
 */
export async function checkExternalsReach(
  url: string,
  rev: number | null,
  peg: number | null,
  opts: ReachOptions,
): Promise<void> {
  const seen = new Set<string>()
  const walk = async (
    at: string,
    r: number | null,
    p: number | null,
    depth: number,
  ): Promise<void> => {
    const key = `${at}@${p ?? ''}-r${r ?? ''}`
    if (seen.has(key)) return
    seen.add(key)
    if (depth > MAX_DEPTH)
      throw new ForbiddenError(`svn:externals nested deeper than ${MAX_DEPTH} levels at ${at}`)
    const found = await externalsUnder(at, r, p, opts.access)
    if (found.length === 0) return
    // relative definitions (`^/`, `../`, `/`, `//`) read as svn reads them: against the root
    // of the repository holding the property and the directory's path in it
    const root = (await svnInfo(`${at}@${p ?? ''}`, opts.access)).root.replace(/\/+$/, '')
    for (const [dirUrl, value] of found) {
      const dir = dirUrl.startsWith(root) ? dirUrl.slice(root.length).replace(/^\/+/, '') : ''
      for (const defs of parseExternals(value, dir, root).values())
        for (const d of defs) {
          const onDisk = scheme(d.url).toLowerCase() === 'file'
          const inRepository = d.url === root || d.url.startsWith(`${root}/`)
          if (onDisk && !opts.allowDisk && !inRepository)
            throw new ForbiddenError(`the svn:externals ${d.url} is on this machine's disk`)
          let next = d.url
          if (!onDisk && serverOf(d.url) !== serverOf(at)) {
            const pinned = await opts.pin(d.url)
            if (/^svn(\+ssh)?$/i.test(scheme(d.url))) next = pinned.url
          }
          await walk(
            next,
            d.revision,
            d.pegRevision ?? (d.legacyFormat ? d.revision : null),
            depth + 1,
          )
        }
    }
  }
  await walk(url, rev, peg, 0)
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
