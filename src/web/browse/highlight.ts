/**
 * Server-side syntax highlighting (highlight.js), language chosen from the file name, output
 * split into lines for the numbered code view. highlight.js escapes the text it is given, so
 * its output only ever contains its own `<span class="hljs-…">` markup.
 *
 * Files above {@link HIGHLIGHT_MAX_BYTES} are shown escaped but unhighlighted, so that a large
 * file never holds the server for long.
 *
 * @module
 */

import hljs from 'highlight.js'

import { escapeHtml } from '../http.js'

/** Files larger than this are not highlighted. */
export const HIGHLIGHT_MAX_BYTES = 128 * 1024

const BY_NAME: Readonly<Record<string, string>> = {
  makefile: 'makefile',
  gnumakefile: 'makefile',
  dockerfile: 'dockerfile',
  'cmakelists.txt': 'cmake',
  'package.json': 'json',
  gemfile: 'ruby',
  rakefile: 'ruby',
  'cargo.lock': 'toml',
  '.gitignore': 'plaintext',
}

/** The highlight.js language for a file name, or null. */
export function languageOf(filename: string): string | null {
  const base = filename.split('/').pop()!.toLowerCase()
  if (BY_NAME[base]) return BY_NAME[base]
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return null
  const ext = base.slice(dot + 1)
  const lang = hljs.getLanguage(ext)
  if (!lang) return null
  return ext
}

/** Splits highlighted HTML into lines, closing and re-opening spans across line breaks. */
export function splitLines(highlighted: string): string[] {
  const lines: string[] = []
  const open: string[] = []
  let line = ''
  const re = /(<span[^>]*>|<\/span>|\n)/g
  let last = 0
  for (const m of highlighted.matchAll(re)) {
    line += highlighted.slice(last, m.index)
    last = m.index + m[0].length
    const tok = m[0]
    if (tok === '\n') {
      lines.push(line + '</span>'.repeat(open.length))
      line = open.join('')
    } else if (tok === '</span>') {
      open.pop()
      line += tok
    } else {
      open.push(tok)
      line += tok
    }
  }
  line += highlighted.slice(last)
  lines.push(line + '</span>'.repeat(open.length))
  return lines
}

/** Highlighted (or escaped) lines of `text` for a file named `filename`, with the language used. */
export function highlightLines(
  text: string,
  filename: string,
): { lines: string[]; language: string | null } {
  const lang = text.length <= HIGHLIGHT_MAX_BYTES ? languageOf(filename) : null
  let out: string
  if (lang) {
    try {
      out = hljs.highlight(text, { language: lang, ignoreIllegals: true }).value
    } catch {
      out = escapeHtml(text)
    }
  } else out = escapeHtml(text)
  const lines = splitLines(out)
  // A final newline does not make an extra, empty line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return { lines, language: lang }
}

/**
 * The table rows (`<tr id="L…">`) of `text`: highlighted when small enough; for larger texts,
 * escaped in slices of lines with a yield to the event loop between slices, so that rendering a
 * big file never holds the server for long.
 */
export async function renderCodeRows(
  text: string,
  filename: string,
): Promise<{ rows: string; lines: number; language: string | null }> {
  const row = (l: string, n: number): string =>
    `<tr id="L${n}"><td class="ln"><a href="#L${n}" data-line="${n}">${n}</a></td><td class="hljs">${l}</td></tr>`
  if (text.length <= HIGHLIGHT_MAX_BYTES) {
    const h = highlightLines(text, filename)
    return {
      rows: h.lines.map((l, i) => row(l, i + 1)).join(''),
      lines: h.lines.length,
      language: h.language,
    }
  }
  const parts: string[] = []
  let n = 0
  let start = 0
  while (start < text.length) {
    let end = start
    for (let k = 0; k < 2000 && end < text.length; k++) {
      const nl = text.indexOf('\n', end)
      end = nl < 0 ? text.length : nl + 1
    }
    const slice = text.slice(start, end)
    const lines = slice.split('\n')
    if (end === text.length && lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
    else if (slice.endsWith('\n')) lines.pop()
    for (const l of lines) parts.push(row(escapeHtml(l), ++n))
    start = end
    if (start < text.length) await new Promise((resolve) => setImmediate(resolve))
  }
  return { rows: parts.join(''), lines: n, language: null }
}

/** One highlighted line (for diffs), or the escaped line. */
export function highlightLine(line: string, language: string | null): string {
  if (!language) return escapeHtml(line)
  try {
    return hljs.highlight(line, { language, ignoreIllegals: true }).value
  } catch {
    return escapeHtml(line)
  }
}
