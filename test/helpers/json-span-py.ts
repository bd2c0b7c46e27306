/**
 * The span of a value inside a JSON document as python3's own JSON decoder finds it: the
 * independent reference of `jsonSpan` (src/loader/pkginfo/json-span.ts) and of the raw metadata
 * the package loaders keep. The document is walked with `raw_decode` (the last of a repeated key
 * wins, as in Python and JavaScript).
 *
 * @module
 */
import { execFileSync } from 'node:child_process'

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

/**
 * `[start, end)` in UTF-8 bytes of the value at `path` (keys and indexes) in `doc`, or null
 * when there is none.
 */
export function pythonJsonSpan(
  doc: string | Uint8Array,
  path: readonly (string | number)[],
): [number, number] | null {
  return JSON.parse(
    execFileSync('python3', ['-c', PY, JSON.stringify(path)], { input: doc }).toString(),
  ) as [number, number] | null
}
