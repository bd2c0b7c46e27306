/**
 * The "Cite" panel of origin, directory, content and revision pages: the citation of what is
 * shown (its SWHID with context) in BibTeX, CITATION.cff, CSL-JSON and CodeMeta, made from
 * the intrinsic metadata of the tree's root directory (docs/citation.md). Each format is a
 * `<details>` block (open without JavaScript), with a copy button when scripts run and a link
 * to the API answer. A citation that cannot be made leaves a short note, never a broken page.
 *
 * @module
 */

import { html, raw } from 'hono/html'

import { MaskedError } from '../../errors.js'
import { type CitationFormat } from '../../metadata/index.js'
import { citationAnswer, sourcesOfContext } from '../citation.js'
import type { WebContext } from '../context.js'
import type { BrowseContext } from './context.js'
import type { Fragment } from './layout.js'

const FORMATS: readonly { format: CitationFormat; label: string }[] = [
  { format: 'bibtex', label: 'BibTeX' },
  { format: 'cff', label: 'CITATION.cff' },
  { format: 'csl', label: 'CSL-JSON' },
  { format: 'codemeta', label: 'CodeMeta' },
]

/**
 * The Cite panel of `target` (a qualified SWHID) seen in `ctx`, its metadata read from
 * `root` (default: the context's root directory).
 */
export async function citePanel(
  wctx: WebContext,
  ctx: BrowseContext,
  target: string,
  root: string | null = ctx.root,
): Promise<Fragment> {
  let sources
  try {
    sources = await sourcesOfContext(wctx.archive, { ...ctx, root }, target)
  } catch (err) {
    const why = err instanceof MaskedError ? 'its metadata is withheld' : (err as Error).message
    return html`<aside class="panel" aria-labelledby="cite-title">
      <h2 id="cite-title">Cite</h2>
      <p class="muted">No citation: ${why}</p>
    </aside>`
  }
  const answers = FORMATS.map((f) => ({ ...f, a: citationAnswer(sources, f.format, '') }))
  const first = answers[0]!.a
  const src = sources.found.source
  const api = (format: string): string =>
    `/api/1/raw-intrinsic-metadata/citation/swhid/?${new URLSearchParams({ target_swhid: target, citation_format: format }).toString()}`
  return html`<aside class="panel" aria-labelledby="cite-title">
    <h2 id="cite-title">Cite</h2>
    <p class="muted">
      ${
        src
          ? html`From <a href="/browse/content/sha1_git:${src.id}/">${src.name}</a>.`
          : 'No metadata file: made from the origin and the visit date.'
      }
    </p>
    ${first.warning ? html`<p class="muted cite-warning">${first.warning}</p>` : ''}
    ${answers.map(
      ({ format, label, a }, i) =>
        html`<details ${i === 0 ? raw('open') : ''} class="cite-format">
          <summary>${label}</summary>
          <pre id="cite-${format}" class="cite">${a.content}</pre>
          <button type="button" class="needs-js" hidden data-copy="cite-${format}">Copy</button>
          <a class="button" href="${api(format)}">API</a>
        </details>`,
    )}
  </aside>`
}
