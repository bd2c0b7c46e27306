/**
 * The `package.authors` of a Cargo.toml, the only field of it a crate's release is made from;
 * a file that is not TOML, or whose authors are not a list, has none (Software Heritage's
 * loader reads such a file as empty). Non-string authors are formatted as Python would.
 *
 * @module
 */

import { parse } from 'smol-toml'

/** The authors listed by a Cargo.toml's text, or null when it lists none. */
export function readCargoAuthors(text: string): string[] | null {
  let doc: Record<string, unknown>
  try {
    doc = parse(text)
  } catch {
    return null
  }
  const pkg = doc['package']
  if (pkg === null || typeof pkg !== 'object') return null
  const authors = (pkg as Record<string, unknown>)['authors']
  if (!Array.isArray(authors) || authors.length === 0) return null
  return authors.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
}
