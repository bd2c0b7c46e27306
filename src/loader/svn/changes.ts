/**
 * The revisions `from` to `to` of a remote repository as dump records, without a mirror (for a
 * re-visit, which reads only the new revisions): `svn log -v --xml` gives each revision's
 * changed paths (action, kind, copy source, whether the text and the properties changed), each
 * revision's properties come from `svn proplist --revprop`, a changed text from
 * `svn cat --ignore-keywords` and changed properties from `svn proplist -v`, so every record is
 * what a full-text `svnadmin dump` would hold (all the properties of a node whose properties
 * changed, the full text of a changed file).
 *
 * @module
 */

import { CorruptError } from '../../errors.js'
import type { DumpNode, DumpRecord, SvnProps } from './dump.js'
import {
  encodePath,
  nodeProps,
  revisionProps,
  type SvnAccess,
  svnCat,
  toolArgs,
  toolOpts,
  xmlText,
} from './repo.js'
import { runTool } from './tools.js'

interface LoggedPath {
  readonly path: Uint8Array
  readonly action: string
  readonly kind: string
  readonly textMods: boolean
  readonly propMods: boolean
  readonly copyfromPath: Uint8Array | null
  readonly copyfromRev: number | null
}

function attr(attrs: string, name: string): string | null {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)
  return m ? xmlText(m[1]!) : null
}

/** A path of svn's log (`/a/b`, UTF-8 text) as bytes without the leading `/`. */
function logPath(s: string): Uint8Array {
  const b = Buffer.from(s, 'utf8')
  let i = 0
  while (i < b.length && b[i] === 0x2f) i++
  return b.subarray(i)
}

/** The dump records of revisions `from` to `to` of the repository at `rootUrl`. */
export async function* remoteChanges(
  rootUrl: string,
  from: number,
  to: number,
  access: SvnAccess,
): AsyncGenerator<DumpRecord> {
  const xml = (
    await runTool(
      'svn',
      ['log', '-v', '--xml', ...toolArgs(access), '-r', `${from}:${to}`, rootUrl],
      toolOpts(access),
    )
  ).toString('utf8')
  const base = rootUrl.replace(/\/+$/, '')
  const url = (p: Uint8Array): string => (p.length === 0 ? base : `${base}/${encodePath(p)}`)
  for (const entry of xml.matchAll(/<logentry\s+revision="(\d+)"\s*>([\s\S]*?)<\/logentry>/g)) {
    const rev = Number(entry[1])
    const props: SvnProps = await revisionProps(rootUrl, rev, access)
    yield { kind: 'revision', rev, props }
    const paths: LoggedPath[] = []
    for (const p of entry[2]!.matchAll(/<path\b([^>]*)>([^<]*)<\/path>/g)) {
      const a = p[1]!
      const cf = attr(a, 'copyfrom-path')
      const cr = attr(a, 'copyfrom-rev')
      paths.push({
        path: logPath(xmlText(p[2]!)),
        action: attr(a, 'action') ?? '',
        kind: attr(a, 'kind') ?? '',
        textMods: attr(a, 'text-mods') !== 'false',
        propMods: attr(a, 'prop-mods') !== 'false',
        copyfromPath: cf === null ? null : logPath(cf),
        copyfromRev: cr === null ? null : Number(cr),
      })
    }
    // parents before their children, as in a dump
    paths.sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)))
    for (const p of paths) yield await node(p, rev, url(p.path), access)
  }
}

async function node(p: LoggedPath, rev: number, url: string, access: SvnAccess): Promise<DumpNode> {
  const actions: Record<string, DumpNode['action']> = {
    A: 'add',
    D: 'delete',
    R: 'replace',
    M: 'change',
  }
  const action = actions[p.action]
  if (action === undefined) throw new CorruptError(`svn log names an unknown action "${p.action}"`)
  const base = {
    kind: 'node' as const,
    path: p.path,
    action,
    copyfromPath: p.copyfromPath,
    copyfromRev: p.copyfromRev,
  }
  if (action === 'delete') return { ...base, nodeKind: null, props: null, text: null }
  const kind = p.kind === 'file' || p.kind === 'dir' ? p.kind : await kindOf(url, rev, access)
  const copied = p.copyfromPath !== null
  const props =
    p.propMods || (!copied && action !== 'change') ? await nodeProps(url, rev, access) : null
  const text =
    kind === 'file' && (p.textMods || (!copied && action !== 'change'))
      ? await svnCat(url, rev, access)
      : null
  return { ...base, nodeKind: kind, props, text }
}

async function kindOf(url: string, rev: number, access: SvnAccess): Promise<'file' | 'dir'> {
  const xml = (
    await runTool('svn', ['info', '--xml', ...toolArgs(access), `${url}@${rev}`], toolOpts(access))
  ).toString('utf8')
  return /\bkind="dir"/.test(xml) ? 'dir' : 'file'
}
