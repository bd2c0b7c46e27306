/**
 * Reading the HTML pages of web front-ends (cgit, gitweb, hgweb) with htmlparser2: a small
 * vocabulary over its DOM (elements by tag and class, attributes, text), and the checks that
 * tell a whole page from a truncated one.
 *
 * @module
 */

import { DomUtils, parseDocument } from 'htmlparser2'

import { CorruptError } from '../errors.js'

/** An element of a parsed page. */
export type HtmlElement = ReturnType<typeof DomUtils.findAll>[number]

/** A parsed page (its root's children are searched). */
export interface HtmlPage {
  readonly root: readonly HtmlElement[]
}

/** Parses `text` as HTML (entities decoded in text and attributes). */
export function parseHtml(text: string): HtmlPage {
  const doc = parseDocument(text, { decodeEntities: true })
  return { root: DomUtils.getChildren(doc).filter(DomUtils.isTag) }
}

/** Whether `el` has the class `cls` among its classes. */
export function hasClass(el: HtmlElement, cls: string): boolean {
  return (el.attribs['class'] ?? '').split(/\s+/).includes(cls)
}

/** Every element under `within` (all depths) that is a `tag` and satisfies `pred`. */
export function select(
  within: HtmlPage | HtmlElement | readonly HtmlElement[],
  tag: string,
  pred: (el: HtmlElement) => boolean = () => true,
): HtmlElement[] {
  const nodes: readonly HtmlElement[] = isPage(within)
    ? within.root
    : Array.isArray(within)
      ? (within as readonly HtmlElement[])
      : [within as HtmlElement]
  const out: HtmlElement[] = []
  for (const n of nodes) {
    if (n.name === tag && pred(n)) out.push(n)
    out.push(...DomUtils.findAll((e) => e.name === tag && pred(e), n.children))
  }
  return out
}

function isPage(x: HtmlPage | HtmlElement | readonly HtmlElement[]): x is HtmlPage {
  return !Array.isArray(x) && 'root' in x
}

/** The first element of {@link select}, or null. */
export function selectOne(
  within: HtmlPage | HtmlElement | readonly HtmlElement[],
  tag: string,
  pred?: (el: HtmlElement) => boolean,
): HtmlElement | null {
  return select(within, tag, pred)[0] ?? null
}

/** The attribute `name` of `el`, or null. */
export function attr(el: HtmlElement, name: string): string | null {
  return el.attribs[name] ?? null
}

/** The text content of `el`. */
export function textOf(el: HtmlElement): string {
  return DomUtils.textContent(el)
}

/** The element children of `el` named `tag`. */
export function childrenNamed(el: HtmlElement, tag: string): HtmlElement[] {
  return el.children.filter(DomUtils.isTag).filter((c) => c.name === tag)
}

/**
 * Throws (a retried failure) unless `text` is a whole HTML page: it ends with `</html>` (after
 * whitespace), which every page of cgit, gitweb and hgweb does.
 */
export function checkWholePage(url: string): (text: string) => void {
  return (text) => {
    if (!/<\/html>\s*$/i.test(text))
      throw new CorruptError(`${url}: the page is truncated (no closing </html>)`)
  }
}

/** `url` resolved against `base`, without its fragment. */
export function resolveUrl(base: string, href: string): string {
  const u = new URL(href, base)
  u.hash = ''
  return u.href
}

/** Dates as `YYYY-MM-DD HH:MM:SS +ZZZZ` (cgit's title attributes, gitweb's) in ms, or null. */
export function parseOffsetDate(s: string | null | undefined): number | null {
  const m =
    /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*(?:([+-])(\d{2}):?(\d{2})|(UTC|GMT|Z))?/.exec(
      (s ?? '').trim(),
    )
  if (!m) return null
  const zone = m[3] !== undefined ? `${m[3]}${m[4]}:${m[5]}` : 'Z'
  const t = Date.parse(`${m[1]}T${m[2]}${zone}`)
  return Number.isNaN(t) ? null : t
}
