/**
 * PKG-INFO (Python core metadata, an RFC 822 header block) read as Software Heritage reads it
 * through `pkginfo`: field names case-insensitive, continuation lines joined, the first value
 * of a field kept; and the author made from `Author` and `Author-email` (`name <email>`, just
 * the name without an email, the empty person with neither — a missing name with an email
 * gives Python's `None <email>`).
 *
 * @module
 */

import { type Person, utf8 } from '../../model/index.js'

/**
 * The header fields of a PKG-INFO file: lower-cased names → the first value (continuation
 * lines joined with a newline); `UNKNOWN`, which old setuptools wrote for an unset field, is
 * read as absent, as `pkginfo` does.
 */
export function parsePkgInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  let current: { name: string; value: string } | null = null
  const keep = (): void => {
    if (current && !fields.has(current.name)) fields.set(current.name, current.value)
  }
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '') break // the body (the long description) follows the first blank line
    if (/^[ \t]/.test(line)) {
      if (current) current.value += `\n${line}`
      continue
    }
    keep()
    const colon = line.indexOf(':')
    current =
      colon > 0
        ? { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() }
        : null
  }
  keep()
  for (const [k, v] of fields) if (v === 'UNKNOWN') fields.delete(k)
  return fields
}

/**
 * The release author of a PKG-INFO's fields.
 *
 * @example
 * ```ts
 * pypiAuthor(new Map([['author', 'Ann'], ['author-email', 'ann@example.org']])) // "Ann <ann@example.org>"
 * ```
 */
export function pypiAuthor(fields: ReadonlyMap<string, string>): Person {
  const name = fields.get('author')
  const email = fields.get('author-email')
  const fullname = email ? `${name ?? 'None'} <${email}>` : (name ?? '')
  return { fullname: utf8(fullname) }
}
