/**
 * Page layout and small rendering helpers of the browse pages. Every interpolation goes through
 * Hono's `html` tag, which escapes it: archived bytes (names, messages, branch names, origin
 * URLs) can never become markup. Only highlighter output and sanitised Markdown are inserted
 * raw, both produced from escaped text.
 *
 * @module
 */

import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

import { decodeForDisplay } from '../../model/index.js'

/** A rendered fragment. */
export type Fragment = HtmlEscapedString | Promise<HtmlEscapedString> | string

/** Text of archived bytes for display (invalid UTF-8 as `\xNN`). */
export function show(bytes: Uint8Array | null): string {
  return bytes === null ? '' : decodeForDisplay(bytes).text
}

/** `1234567` → `1.2 MB`. */
export function size(n: number | null): string {
  if (n === null) return ''
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

/** A link to an origin URL only when it is a web URL; other schemes stay text. */
export function originLink(url: string): Fragment {
  return /^https?:\/\//i.test(url)
    ? html`<a href="${url}" rel="nofollow noopener">${url}</a>`
    : html`<span>${url}</span>`
}

/** Inline SVG icons for visit types (decorative: the type is also in text). */
export function visitTypeIcon(type: string): Fragment {
  const color =
    (
      {
        git: '#f05133',
        hg: '#999',
        svn: '#809cc9',
        bzr: '#5a5',
        cvs: '#a87',
        tarball: '#777',
      } as Record<string, string>
    )[type] ?? '#57606a'
  return html`<span class="icon" title="${type}"
      ><svg aria-hidden="true" width="14" height="14" viewBox="0 0 14 14">
        <circle cx="7" cy="7" r="6" fill="${color}" /></svg></span
    ><span class="visually-type">${type}</span>`
}

/** The page shell. */
export function page(opts: {
  title: string
  body: Fragment
  search?: string
  /** Extra `<head>` content. */
  head?: Fragment
  embed?: boolean
}): Fragment {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} – Arca</title>
        <link rel="stylesheet" href="/static/arca.css" />
        <link rel="stylesheet" href="/static/highlight.css" />
        ${opts.head ?? ''}
      </head>
      <body>
        ${
          opts.embed
            ? ''
            : html`<a class="skip" href="#main">Skip to content</a>
                <header class="top">
                  <a class="brand" href="/">Arca</a>
                  <form action="/browse/search/" method="get" role="search">
                    <label for="q" class="skip">Search origins</label>
                    <input
                      type="search"
                      id="q"
                      name="q"
                      placeholder="Search origins by URL"
                      value="${opts.search ?? ''}"
                    />
                    <button type="submit">Search</button>
                  </form>
                  <nav aria-label="Site"><a href="/save/">Save code now</a> · <a href="/api/1/">API</a></nav>
                </header>`
        }
        <main id="main">${opts.body}</main>
        ${opts.embed ? '' : html`<footer>Arca source-code archive · identifiers are <a href="https://www.swhid.org/">SWHIDs</a></footer>`}
        <script src="/static/arca.js" defer></script>
      </body>
    </html>`
}

/** One SWHID line of the permalinks panel. */
export interface PermalinkItem {
  readonly label: string
  /** Core SWHID. */
  readonly core: string
  /** With contextual qualifiers. */
  readonly contextual: string
  /** Whether the `lines` qualifier applies (contents). */
  readonly lines?: boolean
}

/** A `git clone` command of the panel: what it clones and the path of its git URL. */
export interface GitCloneItem {
  readonly label: string
  /** `/git/<origin URL or SWHID>` (the page's host is put before it). */
  readonly path: string
}

/**
 * The permalinks panel: the SWHID of each object in context, with a checkbox adding the
 * contextual qualifiers (origin, visit, anchor, path, and lines from the selection), copy
 * buttons, and badges. Without JavaScript, the contextual SWHIDs are shown.
 */
export function permalinksPanel(
  items: readonly PermalinkItem[],
  badges: readonly { label: string; url: string }[] = [],
  clones: readonly GitCloneItem[] = [],
): Fragment {
  return html`<aside class="panel" aria-labelledby="permalinks-title">
    <h2 id="permalinks-title">Permalinks</h2>
    <p class="muted">
      Software Heritage identifiers (SWHIDs) that will always resolve to these objects.
    </p>
    <label class="needs-js" hidden
      ><input type="checkbox" id="swhid-context" checked /> Add contextual information</label
    >
    ${items.map((it, i) => {
      const id = `swhid-${i}`
      return html`<div>
        <b>${it.label}</b>
        <code
          class="swhid"
          id="${id}"
          data-swhid-core="${it.core}"
          data-swhid-context="${it.contextual}"
          data-swhid-lines="${it.lines ? '1' : '0'}"
          >${it.contextual}</code
        >
        <button type="button" class="needs-js" hidden data-copy="${id}">Copy</button>
        <a class="button" data-for="${id}" href="/${it.contextual}/">Permalink</a>
      </div>`
    })}
    ${
      clones.length > 0
        ? html`<div class="git-clone">
            <b>Clone with git</b>
            ${clones.map(
              (cl, i) =>
                html`<div>
                  <code class="swhid" id="clone-${i}" data-clone-path="${cl.path}"
                    >git clone ${cl.path}</code
                  >
                  <button type="button" class="needs-js" hidden data-copy="clone-${i}">Copy</button>
                  <small class="muted">${cl.label}</small>
                </div>`,
            )}
          </div>`
        : ''
    }
    ${
      badges.length > 0
        ? html`<details>
            <summary>Badges</summary>
            <div class="badge-list">
              ${badges.map(
                (b) =>
                  html`<p>
                    <img src="${b.url}" alt="${b.label} badge" /><br /><code class="swhid"
                      >${`<img src="${b.url}">`}</code
                    >
                  </p>`,
              )}
            </div>
          </details>`
        : ''
    }
  </aside>`
}

/** A navigation tab bar. */
export function tabs(
  items: readonly { label: string; href: string; current: boolean }[],
): Fragment {
  return html`<nav class="tabs" aria-label="Views">
    ${items.map(
      (t) =>
        html`<a href="${t.href}" ${t.current ? raw(' aria-current="page"') : ''}>${t.label}</a>`,
    )}
  </nav>`
}

/** A date for humans, in UTC. */
export function when(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
}

/** A column of {@link listTable}: its heading, `num` when its cells are right-aligned numbers. */
export type Column = string | { readonly label: string; readonly num: true }

/** A table of `rows` under a heading row of `columns`, with a caption for screen readers. */
export function listTable(
  columns: readonly Column[],
  rows: readonly Fragment[],
  caption?: string,
): Fragment {
  return html`<table>
    ${caption ? html`<caption class="skip">${caption}</caption>` : ''}
    <thead>
      <tr>
        ${columns.map((c) =>
          typeof c === 'string' ? html`<th>${c}</th>` : html`<th class="num">${c.label}</th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`
}
