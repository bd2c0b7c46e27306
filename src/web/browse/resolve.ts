/**
 * SWHID resolution: a permalink (`/<swhid>`, `/browse/<swhid>/`) redirects to its object's
 * page with the qualifiers applied.
 *
 * @module
 */

import type { Context } from 'hono'

import { parseQualifiedSwhid } from '../../model/index.js'
import type { WebContext } from '../context.js'

/** Route handlers of SWHID resolution. */
export function resolvePages(wctx: WebContext) {
  const s = wctx.archive.storage

  /** `/<swhid>` and `/browse/<swhid>/`: redirect to the object's page, qualifiers applied. */
  const resolve = async (c: Context, text: string): Promise<Response> => {
    const sw = parseQualifiedSwhid(text.replace(/\/+$/, ''))
    // A masked object's permalink answers 403 itself (unknown ones still lead to the page).
    await s.objectExists({ type: sw.type, id: sw.id })
    const qs = sw.qualifiers
    const params = new URLSearchParams()
    if (qs.origin) params.set('origin_url', qs.origin)
    if (qs.visit) params.set('snapshot', qs.visit.id)
    const path =
      qs.path !== undefined
        ? Buffer.from(qs.path)
            .toString('utf8')
            .replace(/^\/+|\/+$/g, '')
        : ''
    if (qs.anchor?.type === 'rev') params.set('revision', qs.anchor.id)
    if (qs.anchor?.type === 'rel') params.set('release_id', qs.anchor.id)
    if (qs.anchor?.type === 'dir') params.set('root', qs.anchor.id)
    const hash = qs.lines
      ? `#L${qs.lines[0]}${qs.lines[1] !== null && qs.lines[1] !== qs.lines[0] ? `-L${qs.lines[1]}` : ''}`
      : ''
    let target: string
    switch (sw.type) {
      case 'cnt':
        if (path) params.set('path', path)
        target = `/browse/content/sha1_git:${sw.id}/`
        break
      case 'dir':
        if (qs.anchor?.type === 'dir' && path) {
          params.delete('root')
          target = `/browse/directory/${qs.anchor.id}/${path.split('/').map(encodeURIComponent).join('/')}/`
        } else target = `/browse/directory/${sw.id}/`
        break
      case 'rev':
        target = `/browse/revision/${sw.id}/`
        break
      case 'rel':
        target = `/browse/release/${sw.id}/`
        break
      case 'snp':
        target = `/browse/snapshot/${sw.id}/`
        break
    }
    const query = params.toString()
    return c.redirect(`${target}${query ? `?${query}` : ''}${hash}`, 302)
  }

  return { resolve }
}
