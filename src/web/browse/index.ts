/**
 * Mounts the browse pages on the app: `/`, `/browse/…` (Software Heritage's URL scheme, so an
 * existing permalink works after replacing the host), `/<swhid>`, `/badge/…`, `/embed/…` and the
 * local static assets.
 *
 * @module
 */

import type { Context, Hono } from 'hono'
import { etag, RETAINED_304_HEADERS } from 'hono/etag'
import { html } from 'hono/html'

import type { AppEnv } from '../app.js'
import type { WebContext } from '../context.js'
import { errorBody } from '../http.js'
import { addForgePages } from './add-forge.js'
import { ASSETS } from './assets.js'
import { badgePages } from './badge.js'
import { codeSearchPage } from './code-search.js'
import { contentPages } from './content.js'
import { directoryPages } from './directory.js'
import { embedPages } from './embed.js'
import { originForksPage } from './forks.js'
import { homePages } from './home.js'
import { page } from './layout.js'
import { originPages } from './origin.js'
import { releasePages } from './release.js'
import { resolvePages } from './resolve.js'
import { revisionPages } from './revision.js'
import { savePages } from './save.js'
import { saveBulkPages } from './save-bulk.js'
import { snapshotPages } from './snapshot.js'
import { visitsPages } from './visits.js'

/** The CORS headers `app.ts` sets on every answer. */
const CORS_RESPONSE_HEADERS = ['access-control-allow-origin', 'access-control-expose-headers']

type Handler = (c: Context) => Promise<Response> | Response

/** Renders errors of browse pages as HTML pages with the right status. */
function safe(h: Handler): Handler {
  return async (c) => {
    try {
      return await h(c)
    } catch (e) {
      const { status, body } = errorBody(e)
      const reason = typeof body['reason'] === 'string' ? body['reason'] : 'Error'
      if (body['masked'] !== undefined)
        return c.html(
          page({
            title: 'Masked',
            body: html`<h1>Masked</h1>
              <p>
                This object is masked: it is kept in the archive but not shown, following a
                takedown request.
              </p>
              <p class="muted">${reason}</p>
              <p><a href="/">Home</a></p>`,
          }),
          403,
        )
      const title =
        status === 404
          ? 'Not found'
          : status === 400
            ? 'Bad request'
            : status === 403
              ? 'Forbidden'
              : 'Error'
      return c.html(
        page({
          title,
          body: html`<h1>${title}</h1>
            <p>${reason}</p>
            <p><a href="/">Home</a></p>`,
        }),
        status as 404,
      )
    }
  }
}

/** Route handlers of every browse page family. */
function browseHandlers(wctx: WebContext) {
  return {
    ...homePages(wctx),
    ...originPages(wctx),
    originForks: originForksPage(wctx),
    ...visitsPages(wctx),
    ...directoryPages(wctx),
    ...contentPages(wctx),
    ...revisionPages(wctx),
    ...releasePages(wctx),
    ...snapshotPages(wctx),
    ...resolvePages(wctx),
    ...badgePages(wctx),
    ...embedPages(wctx),
    ...savePages(wctx),
    ...saveBulkPages(wctx),
    ...addForgePages(wctx),
  }
}

/** Mounts every browse route on `app`. */
export function mountBrowse(app: Hono<AppEnv>, wctx: WebContext): void {
  const h = browseHandlers(wctx)
  // `hono/etag` answers a matching If-None-Match with a 304 (keeping ETag, Cache-Control and
  // the CORS headers); the assets carry their precomputed ETag, so it hashes nothing.
  app.use(
    '/static/*',
    etag({ retainedHeaders: [...RETAINED_304_HEADERS, ...CORS_RESPONSE_HEADERS] }),
  )
  for (const [path, asset] of Object.entries(ASSETS))
    app.get(path, (c) =>
      c.body(asset.body, 200, {
        'Content-Type': asset.type,
        ETag: asset.etag,
        'Cache-Control': 'public, max-age=3600',
      }),
    )
  app.get('/', safe(h.home))
  app.get('/save', safe(h.savePage))
  app.post('/save', safe(h.saveSubmit))
  app.get('/save/status', safe(h.saveStatus))
  app.get('/save/bulk', safe(h.saveBulkPage))
  app.post('/save/bulk', safe(h.saveBulkSubmit))
  app.get('/add-forge', safe(h.addForgePage))
  app.post('/add-forge', safe(h.addForgeSubmit))
  app.get('/browse/search', safe(h.search))
  app.get('/browse/code/search', safe(codeSearchPage(wctx)))
  app.get('/browse/origin/directory', safe(h.originDirectory))
  app.get('/browse/origin/content', safe(h.originContent))
  app.get('/browse/origin/log', safe(h.originLog))
  app.get('/browse/origin/branches', safe(h.originBranches))
  app.get('/browse/origin/releases', safe(h.originReleases))
  app.get('/browse/origin/visits', safe(h.originVisits))
  app.get('/browse/origin/forks', safe(h.originForks))
  app.get('/browse/directory/:id', safe(h.directory))
  app.get('/browse/directory/:id/*', safe(h.directory))
  app.get('/browse/content/:q/raw', safe(h.contentRaw))
  app.get('/browse/content/:q', safe(h.content))
  app.get('/browse/revision/:id/log', safe(h.revisionLog))
  app.get('/browse/revision/:id', safe(h.revision))
  app.get('/browse/release/:id', safe(h.release))
  app.get('/browse/snapshot/:id', safe(h.snapshot))
  const swhidOf = (c: Context, prefix: string): string => {
    const path = new URL(c.req.url).pathname
    return decodeURIComponent(path.slice(path.indexOf(prefix) + prefix.length))
  }
  app.get(
    '/browse/swh:*',
    safe((c) => h.resolve(c, swhidOf(c, '/browse/'))),
  )
  app.get(
    '/badge/*',
    safe((c) => h.badge(c, swhidOf(c, '/badge/'))),
  )
  app.get(
    '/embed/*',
    safe((c) => h.embed(c, swhidOf(c, '/embed/'))),
  )
  app.get(
    '/swh:*',
    safe((c) => h.resolve(c, swhidOf(c, '/'))),
  )
}
