/**
 * `jsonSpan` (src/loader/pkginfo/json-span.ts): the bytes of a value inside a JSON document as
 * the document holds them. Expected spans from python3's own JSON decoder (`raw_decode` at the
 * value's position, found by walking with the decoder), on documents with escapes, nested
 * containers, repeated keys, multi-byte UTF-8 and odd whitespace.
 */
import { execFileSync } from 'node:child_process'

import { describe, expect, it } from 'vitest'

import { jsonSpan } from '../../src/loader/pkginfo/json-span.js'

const PY = String.raw`
import json, sys
text = sys.stdin.buffer.read().decode("utf-8")
dec = json.JSONDecoder()
def ws(i):
    while i < len(text) and text[i] in " \t\r\n": i += 1
    return i
def find(i, path):
    i = ws(i)
    if not path: return i, dec.raw_decode(text, i)[1]
    step, found, k = path[0], None, 0
    if text[i] != ("{" if isinstance(step, str) else "["): return None
    i = ws(i + 1)
    while text[i] not in "}]":
        if isinstance(step, str):
            key, i = dec.raw_decode(text, i)
            i = ws(ws(i) + 1)
        else:
            key = k
        _, end = dec.raw_decode(text, i)
        if key == step: found = i
        k += 1
        i = ws(end)
        if text[i] == ",": i = ws(i + 1)
    return None if found is None else find(found, path[1:])
r = find(0, json.loads(sys.argv[1]))
print(json.dumps(None if r is None else [len(text[:r[0]].encode()), len(text[:r[1]].encode())]))
`

function expected(doc: string, path: (string | number)[]): string | null {
  const r = JSON.parse(
    execFileSync('python3', ['-c', PY, JSON.stringify(path)], { input: doc }).toString(),
  ) as [number, number] | null
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
