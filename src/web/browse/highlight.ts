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

function escape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c]!,
  )
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
      out = escape(text)
    }
  } else out = escape(text)
  const lines = splitLines(out)
  // A final newline does not make an extra, empty line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return { lines, language: lang }
}

/** One highlighted line (for diffs), or the escaped line. */
export function highlightLine(line: string, language: string | null): string {
  if (!language) return escape(line)
  try {
    return hljs.highlight(line, { language, ignoreIllegals: true }).value
  } catch {
    return escape(line)
  }
}
