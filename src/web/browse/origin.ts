/**
 * Origin pages: an origin's code (directory and file views at a branch or release), its
 * history, branches and releases.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { formatDateRfc3339, utf8 } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { renderContentEntry } from './content.js'
import { originContext, pathBytes } from './context.js'
import { renderDirectory } from './directory.js'
import { type Fragment, listTable, page, show } from './layout.js'
import { renderLog } from './log.js'
import { orMasked, q } from './shared.js'
import { branchChoices, originHeader } from './views.js'

/** Route handlers of the origin pages. */
export function originPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const originDirectory = async (c: Context): Promise<Response> => {
    const p = q(c)
    let ctx = await originContext(s, p)
    if (p['branch']?.startsWith('refs/tags/')) {
      // The branch selector may point at a release.
      const snpId = ctx.snapshot
      if (snpId)
        ctx = await originContext(s, {
          ...p,
          branch: undefined,
          release: p['branch'].slice('refs/tags/'.length),
        }).catch(() => ctx)
    }
    const header = originHeader(ctx, 'directory', await branchChoices(wctx, ctx))
    if (!ctx.root) {
      return c.html(
        page({
          title: ctx.origin ?? 'Origin',
          body: html`${header}
            <p>No archived code for this context yet.</p>`,
        }),
      )
    }
    return renderDirectory(c, wctx, ctx, header)
  }

  const originContent = async (c: Context): Promise<Response> => {
    const ctx = await originContext(s, q(c))
    if (!ctx.root) throw new NotFoundError('This origin has no archived code')
    const entry = await s.directoryEntryGetByPath(ctx.root, pathBytes(ctx.path))
    if (!entry || entry.type !== 'file')
      throw new NotFoundError(`File /${ctx.path.join('/')} not found`)
    return renderContentEntry(
      c,
      wctx,
      ctx,
      entry.target,
      originHeader(ctx, 'directory', await branchChoices(wctx, ctx)),
    )
  }

  const originLog = async (c: Context): Promise<Response> => {
    const p = q(c)
    const ctx = await originContext(s, p)
    const header = originHeader(ctx, 'log', await branchChoices(wctx, ctx))
    return renderLog(c, wctx, ctx, header, p)
  }

  const branchTable = async (c: Context, kind: 'branches' | 'releases'): Promise<Response> => {
    const p = q(c)
    const ctx = await originContext(s, { ...p, branch: undefined, release: undefined })
    const header = originHeader(ctx, kind, await branchChoices(wctx, ctx))
    if (!ctx.snapshot)
      return c.html(
        page({
          title: kind,
          body: html`${header}
            <p>No snapshot.</p>`,
        }),
      )
    const from = p['branches_from']
    const pageData = await s.snapshotGetBranches(ctx.snapshot, {
      branchesCount: 100,
      ...(from ? { branchesFrom: utf8(from) } : {}),
      targetTypes:
        kind === 'releases'
          ? ['release']
          : ['revision', 'alias', 'directory', 'content', 'snapshot'],
    })
    const rows: Fragment[] = []
    for (const b of pageData?.branches ?? []) {
      const name = show(b.name)
      const t = b.target
      if (!t) {
        rows.push(
          html`<tr>
            <td>${name}</td>
            <td>dangling</td>
            <td></td>
            <td></td>
          </tr>`,
        )
        continue
      }
      if (t.targetType === 'alias') {
        rows.push(
          html`<tr>
            <td>${name}</td>
            <td>alias</td>
            <td>→ ${show(t.target)}</td>
            <td></td>
          </tr>`,
        )
        continue
      }
      let message = ''
      let date = ''
      if (t.targetType === 'revision') {
        const [r] = await orMasked(s.revisionGet([t.target]), [null])
        if (r) {
          message = r.message === null ? '' : show(r.message).split('\n')[0]!
          date = r.committerDate ? formatDateRfc3339(r.committerDate) : ''
        }
      } else if (t.targetType === 'release') {
        const [r] = await orMasked(s.releaseGet([t.target]), [null])
        if (r) {
          message = r.message === null ? '' : show(r.message).split('\n')[0]!
          date = r.date ? formatDateRfc3339(r.date) : ''
        }
      }
      const view =
        kind === 'releases'
          ? `/browse/origin/directory/?origin_url=${encodeURIComponent(ctx.origin!)}&release=${encodeURIComponent(name.replace(/^refs\/tags\//, ''))}`
          : `/browse/origin/directory/?origin_url=${encodeURIComponent(ctx.origin!)}&branch=${encodeURIComponent(name)}`
      rows.push(
        html`<tr>
          <td><a href="${view}">${name}</a></td>
          <td>${t.targetType}</td>
          <td>${message}</td>
          <td>${date}</td>
        </tr>`,
      )
    }
    const next = pageData?.nextBranch
      ? `${new URL(c.req.url).pathname}?origin_url=${encodeURIComponent(ctx.origin!)}&branches_from=${encodeURIComponent(show(pageData.nextBranch))}`
      : null
    const body = html`${header}
      <h2>${kind === 'releases' ? 'Releases' : 'Branches'}</h2>
      ${listTable(['Name', 'Target', 'Message', 'Date'], rows)}
      ${next ? html`<nav class="pager"><a class="button" rel="next" href="${next}">Next</a></nav>` : ''}`
    return c.html(page({ title: kind, body }))
  }

  return {
    originDirectory,
    originContent,
    originLog,
    originBranches: (c: Context) => branchTable(c, 'branches'),
    originReleases: (c: Context) => branchTable(c, 'releases'),
  }
}
