/**
 * The bytes of one value inside a JSON document, exactly as the document holds them (no
 * re-serialisation): what a package loader keeps as a version's raw extrinsic metadata (npm's
 * `versions[<v>]`, PyPI's `releases[<v>][<i>]`, crates.io's `versions[<i>]`), so that the
 * record is the registry's own bytes. A key present twice names its last value, as
 * `JSON.parse` reads it. The document must be valid JSON (it was parsed before).
 *
 * @module
 */

/** One step of a path: an object key or an array index. */
export type JsonStep = string | number

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && WS.has(b[i]!)) i++
  return i
}

/** The end (exclusive) of the string starting at `i` (a `"`). */
function stringEnd(b: Uint8Array, i: number): number {
  i++
  while (i < b.length) {
    const c = b[i]!
    if (c === 0x5c) i += 2
    else if (c === 0x22) return i + 1
    else i++
  }
  throw new SyntaxError('unterminated JSON string')
}

/** The end (exclusive) of the value starting at `i`. */
function valueEnd(b: Uint8Array, i: number): number {
  const c = b[i]
  if (c === 0x22) return stringEnd(b, i)
  if (c === 0x7b || c === 0x5b) {
    let depth = 0
    while (i < b.length) {
      const d = b[i]!
      if (d === 0x22) {
        i = stringEnd(b, i)
        continue
      }
      if (d === 0x7b || d === 0x5b) depth++
      else if (d === 0x7d || d === 0x5d) {
        depth--
        if (depth === 0) return i + 1
      }
      i++
    }
    throw new SyntaxError('unterminated JSON value')
  }
  // number, true, false, null
  while (i < b.length && !WS.has(b[i]!) && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++
  return i
}

/** The span `[start, end)` of the member `step` of the container at `i`, or null. */
function member(b: Uint8Array, i: number, step: JsonStep): [number, number] | null {
  const open = b[i]
  if (typeof step === 'string' ? open !== 0x7b : open !== 0x5b) return null
  let found: [number, number] | null = null
  let k = 0
  i = skipWs(b, i + 1)
  if (b[i] === 0x7d || b[i] === 0x5d) return null
  for (;;) {
    let match: boolean
    if (typeof step === 'string') {
      const end = stringEnd(b, i)
      match = JSON.parse(Buffer.from(b.subarray(i, end)).toString('utf8')) === step
      i = skipWs(b, end) + 1 // the colon
      i = skipWs(b, i)
    } else match = k === step
    const end = valueEnd(b, i)
    if (match) found = [i, end]
    k++
    i = skipWs(b, end)
    if (b[i] !== 0x2c) break
    i = skipWs(b, i + 1)
  }
  return found
}

/**
 * The bytes of the value at `path` in the JSON document `doc`, or null when there is none.
 *
 * @example
 * ```ts
 * jsonSpan(Buffer.from('{"versions": {"1.0": {"a":1}}}'), ['versions', '1.0']) // '{"a":1}'
 * ```
 */
export function jsonSpan(doc: Uint8Array, path: readonly JsonStep[]): Uint8Array | null {
  let start = skipWs(doc, 0)
  if (doc[0] === 0xef && doc[1] === 0xbb && doc[2] === 0xbf) start = skipWs(doc, 3)
  let end = valueEnd(doc, start)
  for (const step of path) {
    const m = member(doc, start, step)
    if (m === null) return null
    ;[start, end] = m
  }
  return doc.subarray(start, end)
}
