/**
 * The revision page (metadata, message, diff against the first parent) and its history.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { formatDateRfc3339 } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { citePanel } from './cite.js'
import { type BrowseContext, EMPTY_CONTEXT, originContext, qualifiers } from './context.js'
import { DIFF_MAX_FILES, type FileChange, fileDiff, treeChanges } from './diff.js'
import { type Fragment, page, show } from './layout.js'
import { renderLog } from './log.js'
import { idParam, q } from './shared.js'
import { contextPermalinks } from './views.js'

/** Route handlers of the revision pages. */
export function revisionPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const revisionOrLog = async (c: Context, log: boolean): Promise<Response> => {
    const id = idParam(c, 'revision')
    const [r] = await s.revisionGet([id])
    if (!r) throw new NotFoundError(`Revision ${id} not found`)
    const p = q(c)
    let ctx: BrowseContext = { ...EMPTY_CONTEXT, revision: r.id, root: r.directory }
    if (p['origin_url']) {
      const oc = await originContext(s, p).catch(() => null)
      if (oc) ctx = { ...oc, revision: r.id, root: r.directory, releaseId: null }
    }
    if (log) return renderLog(c, wctx, ctx, html`<h1>History of revision ${r.id}</h1>`, p)
    const parent = r.parents[0] ? ((await s.revisionGet([r.parents[0]]))[0] ?? null) : null
    const changes: FileChange[] = []
    await treeChanges(wctx, parent?.directory ?? null, r.directory, '', changes)
    const diffs: Fragment[] = []
    for (const ch of changes) {
      diffs.push(
        html`<section aria-label="${ch.path}">
          <h3 class="mono">
            ${{ added: 'A', removed: 'D', modified: 'M', masked: 'X' }[ch.kind]} ${ch.path}
          </h3>
          ${await fileDiff(wctx, ch)}
        </section>`,
      )
    }
    const person = (label: string, fullname: Uint8Array | null, date: string | null): Fragment =>
      fullname
        ? html`<tr>
            <th>${label}</th>
            <td>${show(fullname)}${date ? html` <span class="muted">${date}</span>` : ''}</td>
          </tr>`
        : ''
    const body = html`<div class="layout">
      <div>
        <h1>Revision <span class="mono">${r.id}</span></h1>
        <table>
          ${person('Author', r.author?.fullname ?? null, r.date ? formatDateRfc3339(r.date) : null)}
          ${person('Committer', r.committer?.fullname ?? null, r.committerDate ? formatDateRfc3339(r.committerDate) : null)}
          <tr>
            <th>Parents</th>
            <td>
              ${r.parents.length === 0 ? 'none' : r.parents.map((pid) => html`<a class="mono" href="/browse/revision/${pid}/">${pid.slice(0, 10)}</a> `)}
            </td>
          </tr>
          <tr>
            <th>Directory</th>
            <td>
              <a class="mono" href="/browse/directory/${r.directory}/?revision=${r.id}"
                >${r.directory}</a
              >
            </td>
          </tr>
          ${r.extraHeaders.map(
            ([k, v]) =>
              html`<tr>
                <th>${show(k)}</th>
                <td><pre>${show(v)}</pre></td>
              </tr>`,
          )}
        </table>
        <h2>Message</h2>
        <pre>${show(r.message)}</pre>
        <h2>
          Changes${parent ? html` against <a class="mono" href="/browse/revision/${parent.id}/">${parent.id.slice(0, 10)}</a>` : ''}
        </h2>
        ${changes.length >= DIFF_MAX_FILES ? html`<p class="muted">Only the first ${String(DIFF_MAX_FILES)} changed files are shown.</p>` : ''}
        ${changes.length === 0 ? html`<p class="muted">No changed files.</p>` : diffs}
      </div>
      <div>
        ${contextPermalinks(ctx, { dir: r.directory, path: '' })}
        ${citePanel(wctx, ctx, `swh:1:rev:${r.id}${qualifiers(ctx, { anchor: false })}`, r.directory)}
      </div>
    </div>`
    return c.html(page({ title: `Revision ${r.id.slice(0, 10)}`, body }))
  }

  return {
    revision: (c: Context) => revisionOrLog(c, false),
    // The route tells the history from the revision: the app matches paths without their
    // trailing slash, so `c.req.path` of `…/log/` has none.
    revisionLog: (c: Context) => revisionOrLog(c, true),
  }
}
