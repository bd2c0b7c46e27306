/**
 * The language of a file for code search, as the browse pages choose it for highlighting: by
 * a few well-known file names, else by extension, named by highlight.js (`js` → `javascript`).
 *
 * @module
 */

import { createRequire } from 'node:module'

import type { HLJSApi } from 'highlight.js'

// highlight.js is loaded on first use (a tenth of a second of start-up for every command that
// opens an archive, most of which never name a language).
const require = createRequire(import.meta.url)

const BY_NAME: Readonly<Record<string, string>> = {
  makefile: 'makefile',
  gnumakefile: 'makefile',
  dockerfile: 'dockerfile',
  'cmakelists.txt': 'cmake',
  gemfile: 'ruby',
  rakefile: 'ruby',
}

let aliases: Map<string, string> | null = null

/** highlight.js language names by every alias (and by themselves), lower case. */
function aliasMap(): Map<string, string> {
  if (aliases) return aliases
  const hljs = require('highlight.js') as HLJSApi
  const m = new Map<string, string>()
  for (const name of hljs.listLanguages()) {
    m.set(name, name)
    for (const a of hljs.getLanguage(name)?.aliases ?? [])
      if (!m.has(a)) m.set(a.toLowerCase(), name)
  }
  return (aliases = m)
}

/** The highlight.js language name of a language name or alias (`js`, `Python`), or null. */
export function codeLanguageName(nameOrAlias: string): string | null {
  return aliasMap().get(nameOrAlias.toLowerCase()) ?? null
}

/** The language of a path (by its last name), or null. */
export function codeLanguageOf(path: string): string | null {
  const base = (path.split('/').pop() ?? '').toLowerCase()
  const named = BY_NAME[base]
  if (named) return named
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return null
  return codeLanguageName(base.slice(dot + 1))
}

/** A path glob as a test: `**` any run of characters, `*` and `?` within one name. A pattern
 * without `/` is matched against the last name (`*.c`), one with `/` against the whole path. */
export function codePathTest(glob: string): (path: string) => boolean {
  const pattern = glob.replace(/^\/+/, '')
  let src = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      i++
      if (pattern[i + 1] === '/') {
        i++
        src += '(?:.*/)?'
      } else src += '.*'
    } else if (c === '*') src += '[^/]*'
    else if (c === '?') src += '[^/]'
    else src += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')
  }
  const re = new RegExp(`^${src}$`, 'u')
  const whole = pattern.includes('/')
  return (path) => re.test(whole ? path : (path.split('/').pop() ?? ''))
}
