/**
 * The author of an npm package version, from its package.json, as Software Heritage's npm
 * loader reads it: the `author` field, else `authors`; a string is the fullname as is; an
 * object is `name` (the first of a list) then ` <email>`; a list gives its first item; null or
 * none is the empty person.
 *
 * @module
 */

import { type Person, utf8 } from '../../model/index.js'

function authorText(data: unknown): string {
  if (Array.isArray(data)) return data.length > 0 ? authorText(data[0]) : ''
  if (data !== null && typeof data === 'object') {
    const o = data as Record<string, unknown>
    let s = ''
    const name = o['name']
    if (typeof name === 'string') s += name
    else if (Array.isArray(name)) s += name.length > 0 ? authorText(name[0]) : ''
    const email = o['email']
    // Python formats any value present (a number too); null is absent
    if (email !== undefined && email !== null) s += ` <${pyStr(email)}>`
    return s
  }
  return typeof data === 'string' ? data : pyStr(data)
}

/** Python's `str()` of a JSON value, for the odd non-string fields registries hold. */
function pyStr(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (v === null || v === undefined) return 'None'
  return typeof v === 'number' ? String(v) : JSON.stringify(v)
}

/**
 * The author of a parsed package.json.
 *
 * @example
 * ```ts
 * npmAuthor({ author: { name: 'Ann', email: 'ann@example.org' } }) // fullname "Ann <ann@example.org>"
 * ```
 */
export function npmAuthor(packageJson: Readonly<Record<string, unknown>>): Person {
  for (const key of ['author', 'authors']) {
    if (!Object.hasOwn(packageJson, key)) continue
    const data = packageJson[key]
    if (data === null) return { fullname: new Uint8Array() }
    return { fullname: utf8(authorText(data)) }
  }
  return { fullname: new Uint8Array() }
}
