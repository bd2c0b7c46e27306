/**
 * Command-line arguments as raw bytes. Node decodes `process.argv` as UTF-8 and replaces bytes
 * that are not, so a path with a non-UTF-8 name would be lost; on Linux the kernel keeps the
 * exact bytes in `/proc/self/cmdline`, which we read back and match to `process.argv`.
 *
 * @module
 */

import { readFileSync } from 'node:fs'

import { utf8 } from '../model/index.js'

let cache: Map<string, Uint8Array[]> | undefined

function rawArgs(): Map<string, Uint8Array[]> {
  if (cache) return cache
  const map = new Map<string, Uint8Array[]>()
  cache = map
  let raw: Buffer
  try {
    raw = readFileSync('/proc/self/cmdline')
  } catch {
    return map
  }
  const parts: Buffer[] = []
  let start = 0
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      parts.push(raw.subarray(start, i))
      start = i + 1
    }
  }
  const user = process.argv.slice(2)
  const tail = parts.slice(parts.length - user.length)
  if (tail.length !== user.length) return map
  tail.forEach((bytes, i) => {
    // Only trust the match when the lossy decoding is what Node gave us.
    if (bytes.toString('utf8') !== user[i]) return
    const list = map.get(user[i]) ?? []
    list.push(bytes)
    map.set(user[i], list)
  })
  return map
}

/** The raw bytes of a command-line argument Node decoded as `arg`. */
export function rawArg(arg: string): Uint8Array {
  const found = rawArgs().get(arg)
  if (found && found.length > 0) return found.length === 1 ? found[0]! : found.shift()!
  return utf8(arg)
}
