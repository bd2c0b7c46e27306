/**
 * Shell-style patterns, one translator for every matcher of Arca: `*` matches any run of
 * characters (`/` included), `?` one character, everything else literally, and the whole
 * subject must match. With `sets`, `[seq]` / `[!seq]` also match a character in or not in the
 * set, following Python's `fnmatch.translate` (an unterminated `[` is a literal `[`, a `]`
 * right after `[` or `[!` is part of the set, `-` forms ranges); without, `[` is literal.
 *
 * A "character" is a UTF-16 code unit of the text given; byte-wise callers (fnmatch on raw
 * paths) translate the latin1 view of their bytes.
 *
 * @module
 */

/** Options of {@link globSource} and {@link globRegExp}. */
export interface GlobOptions {
  /** Whether `[seq]` and `[!seq]` are sets (default false: `[` is a literal). */
  readonly sets?: boolean
}

function escapeRegexChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c
}

/** Escapes a char for use inside a regex character class. */
function escapeClassChar(c: string): string {
  return /[\\\]^-]/.test(c) ? '\\' + c : c
}

/** A pattern as the source of a regular expression (not anchored). */
export function globSource(pattern: string, options: GlobOptions = {}): string {
  const pat = pattern
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
    } else if (c === '[' && options.sets) {
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
        // "[]" cannot match, "[!]" matches any character: Python's translate gives the same.
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

/**
 * A pattern as a regular expression matching whole subjects.
 *
 * @example
 * ```ts
 * globRegExp('https://example.org/*').test('https://example.org/a/b') // true
 * ```
 */
export function globRegExp(pattern: string, options: GlobOptions = {}): RegExp {
  return new RegExp(`^(?:${globSource(pattern, options)})$`)
}
