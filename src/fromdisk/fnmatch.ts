/**
 * Shell-style patterns with the semantics of Python's `fnmatch` (used by `swh identify -x`):
 * `*` matches any run of bytes, `/` included; `?` one byte; `[seq]` / `[!seq]` a byte in or not
 * in the set; everything else literally; the whole path must match.
 *
 * Matching runs on bytes: the pattern's UTF-8 bytes against raw path bytes, through a latin1
 * text view so a JavaScript regular expression can do the work.
 *
 * @module
 */

import { latin1, utf8 } from '../model/bytes.js'

function escapeRegexChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c
}

/** Escapes a char for use inside a regex character class. */
function escapeClassChar(c: string): string {
  return /[\\\]^-]/.test(c) ? '\\' + c : c
}

/**
 * Translates a pattern (given as latin1 text of its bytes) to a regular expression source,
 * following `fnmatch.translate`: an unterminated `[` is a literal `[`, a `]` right after `[` or
 * `[!` is part of the set, `-` forms ranges.
 */
function translate(pat: string): string {
  let i = 0
  const n = pat.length
  let out = ''
  while (i < n) {
    const c = pat[i++]!
    if (c === '*') {
      // Collapse runs of '*': they mean the same.
      while (pat[i] === '*') i++
      out += '[\\s\\S]*'
    } else if (c === '?') {
      out += '[\\s\\S]'
    } else if (c === '[') {
      let j = i
      if (pat[j] === '!') j++
      if (pat[j] === ']') j++
      while (j < n && pat[j] !== ']') j++
      if (j >= n) {
        out += '\\['
        continue
      }
      let body = pat.slice(i, j)
      i = j + 1
      let negate = false
      if (body.startsWith('!')) {
        negate = true
        body = body.slice(1)
      }
      if (body.length === 0) {
        // "[]" cannot match, "[!]" matches any byte: Python's translate gives the same.
        out += negate ? '[\\s\\S]' : '(?!)'
        continue
      }
      let cls = ''
      for (let k = 0; k < body.length; k++) {
        const a = body[k]!
        if (body[k + 1] === '-' && k + 2 < body.length) {
          const b = body[k + 2]!
          if (a <= b) cls += escapeClassChar(a) + '-' + escapeClassChar(b)
          k += 2
        } else {
          cls += escapeClassChar(a)
        }
      }
      out += cls === '' ? (negate ? '[\\s\\S]' : '(?!)') : `[${negate ? '^' : ''}${cls}]`
    } else {
      out += escapeRegexChar(c)
    }
  }
  return out
}

/** A compiled pattern. */
export interface Fnmatcher {
  readonly pattern: string
  /** True when the whole `path` (raw bytes) matches. */
  matches(path: Uint8Array): boolean
}

/**
 * Compiles a pattern for whole-path matching on bytes.
 *
 * @example
 * ```ts
 * compileFnmatch('*.git').matches(new TextEncoder().encode('sub/x.git')) // true
 * ```
 */
export function compileFnmatch(pattern: string): Fnmatcher {
  const re = new RegExp(`^(?:${translate(latin1(utf8(pattern)))})$`)
  return { pattern, matches: (path) => re.test(latin1(path)) }
}
