/**
 * The diff of a revision against its parent: the changed files of two trees, and each file's
 * unified diff, highlighted; masked parts, binary and large files are named but not diffed.
 *
 * @module
 */

import { structuredPatch } from 'diff'
import { html, raw } from 'hono/html'

import { decodeForDisplay } from '../../model/index.js'
import type { DirectoryEntryInfo } from '../../storage/index.js'
import type { WebContext } from '../context.js'
import { highlightLine, languageOf } from './highlight.js'
import { type Fragment, show } from './layout.js'
import { isBinary, orMasked, readContent } from './shared.js'

/** Files of a revision diff, at most. */
export const DIFF_MAX_FILES = 200
/** Contents above this size are not diffed. */
export const DIFF_MAX_BYTES = 256 * 1024

/** A changed file (or masked part) between two trees. */
export interface FileChange {
  path: string
  /** `masked`: a masked directory or file, not shown. */
  kind: 'added' | 'removed' | 'modified' | 'masked'
  from: string | null
  to: string | null
}

/** Appends to `out` the files changed from tree `from` to tree `to`, at most DIFF_MAX_FILES. */
export async function treeChanges(
  wctx: WebContext,
  from: string | null,
  to: string | null,
  prefix: string,
  out: FileChange[],
): Promise<void> {
  if (out.length >= DIFF_MAX_FILES || from === to) return
  const s = wctx.archive.storage
  const lists = await orMasked(
    Promise.all([
      from ? s.directoryLs(from).then((l) => l ?? []) : [],
      to ? s.directoryLs(to).then((l) => l ?? []) : [],
    ]),
    null,
  )
  if (lists === null) {
    out.push({ path: prefix || '/', kind: 'masked', from, to })
    return
  }
  const [a, b] = lists
  const key = (e: DirectoryEntryInfo): string => Buffer.from(e.name).toString('latin1')
  const am = new Map(a.map((e) => [key(e), e]))
  const bm = new Map(b.map((e) => [key(e), e]))
  const names = [...new Set([...am.keys(), ...bm.keys()])].sort()
  for (const n of names) {
    if (out.length >= DIFF_MAX_FILES) return
    const x = am.get(n)
    const y = bm.get(n)
    const path = prefix + show(Buffer.from(n, 'latin1'))
    if (x && y && x.target === y.target && x.type === y.type) continue
    const xd = x?.type === 'dir' ? x.target : null
    const yd = y?.type === 'dir' ? y.target : null
    if (xd || yd) await treeChanges(wctx, xd, yd, path + '/', out)
    const xf = x && x.type === 'file' ? x.target : null
    const yf = y && y.type === 'file' ? y.target : null
    if (xf || yf)
      out.push({ path, kind: xf && yf ? 'modified' : xf ? 'removed' : 'added', from: xf, to: yf })
  }
}

/** The highlighted diff of one changed file. */
export async function fileDiff(wctx: WebContext, ch: FileChange): Promise<Fragment> {
  const s = wctx.archive.storage
  const load = async (id: string | null): Promise<string | null> => {
    if (!id) return ''
    const [cnt] = await s.contentGet([id])
    if (!cnt || cnt.length > DIFF_MAX_BYTES) return null
    const bytes = await readContent(wctx, cnt)
    return isBinary(bytes) ? null : decodeForDisplay(bytes).text
  }
  const both =
    ch.kind === 'masked' ? null : await orMasked(Promise.all([load(ch.from), load(ch.to)]), null)
  if (both === null) return html`<p class="muted">Masked (takedown): not shown.</p>`
  const [a, b] = both
  if (a === null || b === null) return html`<p class="muted">Binary or large file: not diffed.</p>`
  const patch = structuredPatch(ch.path, ch.path, a, b, '', '', { context: 3 })
  const lang = languageOf(ch.path)
  const rows: string[] = []
  for (const h of patch.hunks) {
    rows.push(
      `<tr class="hunk"><td class="ln"></td><td>@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@</td></tr>`,
    )
    for (const l of h.lines) {
      const cls = l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : ''
      rows.push(
        `<tr class="${cls}"><td class="ln">${l[0] === ' ' ? '' : l[0]}</td><td class="hljs">${highlightLine(l.slice(1), lang)}</td></tr>`,
      )
    }
  }
  return html`<div class="code diff">
    <table>
      <tbody>
        ${raw(rows.join(''))}
      </tbody>
    </table>
  </div>`
}
