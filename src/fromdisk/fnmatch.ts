/**
 * Shell-style patterns with the semantics of Python's `fnmatch` (used by `swh identify -x`):
 * `*` matches any run of bytes, `/` included; `?` one byte; `[seq]` / `[!seq]` a byte in or not
 * in the set; everything else literally; the whole path must match.
 *
 * Matching runs on bytes: the pattern's UTF-8 bytes against raw path bytes, through a latin1
 * text view so a JavaScript regular expression can do the work. The translation is the model's
 * one ({@link globSource}, with sets).
 *
 * @module
 */

import { globSource, latin1, utf8 } from '../model/index.js'

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
  const re = new RegExp(`^(?:${globSource(latin1(utf8(pattern)), { sets: true })})$`)
  return { pattern, matches: (path) => re.test(latin1(path)) }
}
