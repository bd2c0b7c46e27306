/**
 * Content pages: a file shown highlighted (or as an image, or not at all when binary or too
 * large) with its permalinks, and its raw bytes served inert.
 *
 * @module
 */

import type { Context } from 'hono'
import { html, raw } from 'hono/html'

import { NotFoundError } from '../../errors.js'
import { type Content, decodeForDisplay, isSha1Hex } from '../../model/index.js'
import type { WebContext } from '../context.js'
import { parseHashQuery } from '../hash-query.js'
import { citePanel } from './cite.js'
import {
  type BrowseContext,
  EMPTY_CONTEXT,
  originContext,
  qualifiers,
  splitPath,
} from './context.js'
import { renderCodeRows } from './highlight.js'
import { type Fragment, page, size } from './layout.js'
import { provenancePanel } from './provenance.js'
import { imageType, isBinary, q, readContent } from './shared.js'
import { contextPermalinks, crumbs, dirLinkFor } from './views.js'

/** Contents above this size are not displayed inline (raw and download links remain). */
export const DISPLAY_MAX_BYTES = 2 * 1024 * 1024

/** The page of the file `sha1Git` of the context. */
export async function renderContentEntry(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  sha1Git: string,
  header: Fragment,
): Promise<Response> {
  const [cnt] = await wctx.archive.storage.contentGet([sha1Git])
  if (!cnt) throw new NotFoundError(`Content ${sha1Git} not found`)
  return renderContent(c, wctx, ctx, cnt, header, false)
}

/** The page of a content: highlighted text, an image, or a note why it is not shown. */
export async function renderContent(
  c: Context,
  wctx: WebContext,
  ctx: BrowseContext,
  cnt: Content,
  header: Fragment,
  embed: boolean,
): Promise<Response> {
  const name = ctx.path.length > 0 ? ctx.path[ctx.path.length - 1]! : cnt.sha1Git
  const rawUrl = `/browse/content/sha1_git:${cnt.sha1Git}/raw/?filename=${encodeURIComponent(name)}`
  const download = `/api/1/content/sha1_git:${cnt.sha1Git}/raw/?filename=${encodeURIComponent(name)}`
  let view: Fragment
  let language: string | null = null
  const img = imageType(name)
  if (cnt.status !== 'visible') view = html`<p>This content is not available.</p>`
  else if (img) view = html`<p><img class="content" src="${rawUrl}" alt="${name}" /></p>`
  else if (cnt.length > DISPLAY_MAX_BYTES)
    view = html`<p>
      This file is too large to be displayed (${size(cnt.length)}). Use the raw or download links.
    </p>`
  else {
    const bytes = await readContent(wctx, cnt)
    if (isBinary(bytes)) view = html`<p>Binary content (${size(cnt.length)}), not displayed.</p>`
    else {
      const text = decodeForDisplay(bytes).text
      const h = await renderCodeRows(text, name)
      language = h.language
      view = html`<div class="code" data-lines="${String(h.lines)}">
        <table>
          <tbody>
            ${raw(h.rows)}
          </tbody>
        </table>
      </div>`
    }
  }
  const dirLink = ctx.root ? dirLinkFor(ctx) : null
  const body = html`${header}
    <div class="layout">
      <div>
        ${dirLink ? crumbs(ctx, dirLink, name) : html`<h1>Content ${cnt.sha1Git}</h1>`}
        <p class="muted">
          ${size(cnt.length)}${language ? ` · ${language}` : ''} ·
          <a class="button" href="${rawUrl}">Raw</a>
          <a class="button" href="${download}" download="${name}">Download</a>
        </p>
        ${view}
      </div>
      ${
        embed
          ? ''
          : html`<div>
            ${contextPermalinks(ctx, { cnt: cnt.sha1Git, path: ctx.path.join('/') })}
            ${ctx.root ? citePanel(wctx, ctx, `swh:1:cnt:${cnt.sha1Git}${qualifiers(ctx, { path: `/${ctx.path.join('/')}` })}`) : ''}
            ${provenancePanel(wctx, { type: 'cnt', id: cnt.sha1Git })}
          </div>`
      }
    </div>`
  return c.html(page({ title: name, body, embed }))
}

/** Route handlers of the content pages. */
export function contentPages(wctx: WebContext) {
  const s = wctx.archive.storage

  const content = async (c: Context): Promise<Response> => {
    const { algo, hash } = parseHashQuery(c.req.param('q') ?? '')
    const [cnt] = await s.contentGet([hash], algo)
    if (!cnt) throw new NotFoundError(`Content with ${algo} ${hash} not found`)
    const p = q(c)
    let ctx: BrowseContext = { ...EMPTY_CONTEXT, path: splitPath(p['path']) }
    if (p['origin_url']) {
      const oc = await originContext(s, p).catch(() => null)
      if (oc) ctx = { ...oc, path: ctx.path }
    } else {
      if (p['revision'] && isSha1Hex(p['revision'])) {
        const [r] = await s.revisionGet([p['revision']])
        if (r) ctx = { ...ctx, revision: r.id, root: r.directory }
      }
      if (p['root'] && isSha1Hex(p['root'])) ctx = { ...ctx, root: p['root'] }
      if (p['snapshot'] && isSha1Hex(p['snapshot'])) ctx = { ...ctx, snapshot: p['snapshot'] }
    }
    return renderContent(c, wctx, ctx, cnt, '', false)
  }

  const contentRaw = async (c: Context): Promise<Response> => {
    const { algo, hash } = parseHashQuery(c.req.param('q') ?? '')
    const [cnt] = await s.contentGet([hash], algo)
    if (!cnt) throw new NotFoundError(`Content with ${algo} ${hash} not found`)
    const name = q(c)['filename'] ?? cnt.sha1Git
    const img = imageType(name)
    const bytes = await readContent(wctx, cnt)
    // Archived bytes are served inert: images as images, everything else as plain text or
    // octet-stream, never as HTML, and sandboxed.
    const type = img ?? (isBinary(bytes) ? 'application/octet-stream' : 'text/plain; charset=utf-8')
    return new Response(new Uint8Array(bytes), {
      headers: {
        'Content-Type': type,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}`,
      },
    })
  }

  return { content, contentRaw }
}
