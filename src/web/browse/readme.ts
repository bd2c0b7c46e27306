/**
 * The README of a directory page: found by name among the entries, Markdown rendered and
 * sanitised, other text shown as is; a masked README is named but not shown.
 *
 * @module
 */

import { html, raw } from 'hono/html'
import { marked } from 'marked'
import sanitizeHtml from 'sanitize-html'

import { decodeForDisplay } from '../../model/index.js'
import type { DirectoryEntryInfo } from '../../storage/index.js'
import type { WebContext } from '../context.js'
import { type Fragment, show } from './layout.js'
import { orMasked, readContent } from './shared.js'

/** READMEs above this size are not shown. */
export const README_MAX_BYTES = 512 * 1024

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'h1', 'h2', 'details', 'summary']),
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'title'], '*': ['id'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https', 'http'] },
}

/** The README section of a directory listing, or '' when it has none. */
export async function readmeSection(
  wctx: WebContext,
  entries: readonly DirectoryEntryInfo[],
): Promise<Fragment> {
  const readme = entries.find(
    (e) => e.type === 'file' && /^readme(\.(md|markdown|txt|rst))?$/i.test(show(e.name)),
  )
  if (!readme || (readme.length ?? 0) > README_MAX_BYTES) return ''
  const readmeCnt = await orMasked(
    wctx.archive.storage
      .contentGet([readme.target])
      .then(async ([cnt]) => (cnt ? { bytes: await readContent(wctx, cnt) } : null)),
    'masked' as const,
  )
  const name = show(readme.name)
  if (readmeCnt === 'masked') {
    return html`<section class="readme" aria-label="${name}">
      <h2>${name}</h2>
      <p class="muted">This file is masked (takedown): it is not shown.</p>
    </section>`
  }
  if (readmeCnt === null) return ''
  const text = decodeForDisplay(readmeCnt.bytes).text
  const body = /\.(md|markdown)$/i.test(name)
    ? raw(sanitizeHtml(await marked.parse(text, { async: true }), SANITIZE))
    : html`<pre>${text}</pre>`
  return html`<section class="readme" aria-label="${name}">
    <h2>${name}</h2>
    ${body}
  </section>`
}
