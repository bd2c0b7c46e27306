/**
 * Badges: an SVG saying whether an origin is archived, or showing an object's SWHID.
 *
 * @module
 */

import type { Context } from 'hono'

import {
  formatSwhid,
  isSha1Hex,
  parseQualifiedSwhid,
  SWHID_TYPE_OF_KIND,
  swhidString,
} from '../../model/index.js'
import type { WebContext } from '../context.js'
import { escapeHtml } from '../http.js'

/** Route handlers of the badges. */
export function badgePages(wctx: WebContext) {
  const s = wctx.archive.storage

  const badge = async (c: Context, what: string): Promise<Response> => {
    let label = 'Software Heritage'
    let value: string
    let color: string
    if (what.startsWith('origin/')) {
      const url = what
        .slice('origin/'.length)
        .replace(/\/+$/, '')
        .replace(/^([a-z][a-z0-9+.-]*):\/(?!\/)/i, '$1://')
      const latest = (await s.originGet([url]))[0]
        ? await s.originVisitGetLatest(url, { requireSnapshot: true })
        : null
      value = latest ? 'archived' : 'not archived'
      color = latest ? '#e37b22' : '#9f9f9f'
    } else {
      let swhid = what.replace(/\/+$/, '')
      const m = /^(content|directory|revision|release|snapshot)\/(.*)$/s.exec(swhid)
      if (m && isSha1Hex(m[2]!))
        swhid = swhidString(SWHID_TYPE_OF_KIND[m[1] as keyof typeof SWHID_TYPE_OF_KIND], m[2]!)
      const sw = parseQualifiedSwhid(swhid)
      await s.objectExists({ type: sw.type, id: sw.id }) // 403 when masked
      label = 'SWHID'
      value = formatSwhid({ type: sw.type, id: sw.id })
      color = '#0074d9'
    }
    const w1 = 7 * label.length + 12
    const w2 = 6.5 * value.length + 12
    const esc = escapeHtml
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w1 + w2}" height="20" role="img" aria-label="${esc(label)}: ${esc(value)}"><title>${esc(label)}: ${esc(value)}</title><rect width="${w1}" height="20" fill="#555"/><rect x="${w1}" width="${w2}" height="20" fill="${color}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="6" y="14">${esc(label)}</text><text x="${w1 + 6}" y="14">${esc(value)}</text></g></svg>`
    return c.body(svg, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=300' })
  }

  return { badge }
}
