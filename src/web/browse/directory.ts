/**
 * Directory pages: the listing of a directory (by id, or of an origin's code at a path) with
 * its README and permalinks.
 *
 * @module
 */

import type { Context } from 'hono'
import { html } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { isSha1Hex } from '../../model/index.js'
import type { DirectoryEntryInfo } from '../../storage/index.js'
import type { WebContext } from '../context.js'
import { citePanel } from './cite.js'
import { renderContentEntry } from './content.js'
import {
  type BrowseContext,
  EMPTY_CONTEXT,
  originContext,
  pathBytes,
  qualifiers,
  splitPath,
} from './context.js'
import { type Fragment, listTable, page, show, size } from './layout.js'
import { provenancePanel } from './provenance.js'
import { readmeSection } from './readme.js'
import { idParam, q } from './shared.js'
import { contentLinkFor, contextPermalinks, crumbs, dirLinkFor } from './views.js'

const PERMS = (p: number): string => p.toString(8).padStart(6, '0')

/** The listing of the context's directory at its path (or the file there), README below. */
export async function renderDirectory(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  header: Fragment,
): Promise<Response> {
  const s = wctx.archive.storage
  if (!ctx.root) throw new NotFoundError('This context has no directory to show')
  let dirId = ctx.root
  if (ctx.path.length > 0) {
    const entry = await s.directoryEntryGetByPath(ctx.root, pathBytes(ctx.path))
    if (!entry) throw new NotFoundError(`Path /${ctx.path.join('/')} not found`)
    if (entry.type === 'file') return renderContentEntry(c, wctx, ctx, entry.target, header)
    if (entry.type !== 'dir')
      throw new NotFoundError(
        `Path /${ctx.path.join('/')} is a submodule (revision ${entry.target})`,
      )
    dirId = entry.target
  }
  const entries = (await s.directoryLs(dirId)) ?? []
  const dirLink = dirLinkFor(ctx)
  const rows = entries.map((e: DirectoryEntryInfo) => {
    const name = show(e.name)
    const path = [...ctx.path, name]
    const href =
      e.type === 'dir'
        ? dirLink(path)
        : e.type === 'file'
          ? contentLinkFor(ctx, e.target, path)
          : `/browse/revision/${e.target}/`
    const kind =
      e.type === 'dir'
        ? 'directory'
        : e.type === 'rev'
          ? 'submodule'
          : e.perms === 0o120000
            ? 'symlink'
            : 'file'
    return html`<tr>
      <td><a href="${href}">${name}${e.type === 'dir' ? '/' : ''}</a></td>
      <td>${kind}</td>
      <td class="num">${e.type === 'file' ? size(e.length) : ''}</td>
      <td class="mono">${PERMS(e.perms)}</td>
    </tr>`
  })
  const readmeHtml = await readmeSection(wctx, entries)
  const body = html`${header}
    <div class="layout">
      <div>
        ${crumbs(ctx, dirLink)}
        ${listTable(
          ['Name', 'Type', { label: 'Size', num: true }, 'Permissions'],
          rows,
          'Directory listing',
        )}
        ${readmeHtml}
      </div>
      <div>
        ${contextPermalinks(ctx, { dir: dirId, path: ctx.path.join('/') })}
        ${citePanel(wctx, ctx, `swh:1:dir:${dirId}${qualifiers(ctx, { path: ctx.path.length > 0 ? `/${ctx.path.join('/')}/` : '/' })}`)}
        ${provenancePanel(wctx, { type: 'dir', id: dirId })}
      </div>
    </div>`
  return c.html(
    page({
      title: ctx.origin ? `${ctx.origin} /${ctx.path.join('/')}` : `Directory ${dirId}`,
      body,
    }),
  )
}

/** Route handlers of the directory pages. */
export function directoryPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const directory = async (c: Context): Promise<Response> => {
    const id = idParam(c, 'directory')
    const url = new URL(c.req.url)
    const prefix = `/browse/directory/${id}/`
    const rest = decodeURIComponent(
      url.pathname.slice(url.pathname.indexOf(prefix) + prefix.length),
    )
    const p = q(c)
    let ctx: BrowseContext = { ...EMPTY_CONTEXT, root: id, path: splitPath(rest) }
    if (p['origin_url']) {
      const oc = await originContext(s, p).catch(() => null)
      if (oc) ctx = { ...oc, root: id, path: ctx.path }
    } else if (p['revision'] && isSha1Hex(p['revision'])) ctx = { ...ctx, revision: p['revision'] }
    if ((await s.directoryMissing([id])).length > 0)
      throw new NotFoundError(`Directory ${id} not found`)
    return renderDirectory(c, wctx, ctx, '')
  }

  return { directory }
}
