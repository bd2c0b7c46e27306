/**
 * `jsonSpan` (src/loader/pkginfo/json-span.ts): the bytes of a value inside a JSON document as
 * the document holds them. Expected spans from python3's own JSON decoder (`raw_decode` at the
 * value's position, found by walking with the decoder), on documents with escapes, nested
 * containers, repeated keys, multi-byte UTF-8 and odd whitespace.
 */
import { describe, expect, it } from 'vitest'

import { jsonSpan } from '../../src/loader/pkginfo/json-span.js'
import { pythonJsonSpan } from '../helpers/json-span-py.js'

function expected(doc: string, path: (string | number)[]): string | null {
  const r = pythonJsonSpan(doc, path)
  return r === null ? null : Buffer.from(doc).subarray(r[0], r[1]).toString()
}

const DOC = `{ "name" : "x\\"}{",
  "versions": {
    "1.0": {"a": [1, 2, {"b": "]"}], "é": "ü\\u00e9"} ,
    "2.0":{"dist":{"tarball":"http://h/x-2.0.tgz","shasum":"ab"}},
    "1.0": { "dup": true }
  },
  "list": [ 0, -1.5e3 , null, "s\\\\", [ ], {} ],
  "τ": "🦀"
}`

describe('jsonSpan', () => {
  const cases: (string | number)[][] = [
    ['name'],
    ['versions', '2.0'],
    ['versions', '2.0', 'dist', 'tarball'],
    ['versions', '1.0'],
    ['list', 1],
    ['list', 3],
    ['list', 4],
    ['list', 5],
    ['τ'],
    ['versions', 'none'],
    ['list', 9],
    ['name', 0],
  ]
  for (const path of cases)
    it(`finds ${JSON.stringify(path)} as python3's decoder does`, () => {
      const got = jsonSpan(Buffer.from(DOC), path)
      expect(got === null ? null : Buffer.from(got).toString()).toBe(expected(DOC, path))
    })
})
