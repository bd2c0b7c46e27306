/**
 * What the package loaders' suites share: loads into an archive directory on loopback (SSRF
 * checks on, loopback allowed), python3's reading of dates, branch expectations, downloads by
 * curl, and the snapshot's branches as read back.
 */

import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'

import { loadOrigin, type OriginLoadOptions } from '../../src/loader/registry.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { pythonJsonSpan } from './json-span-py.js'

export const NET = { allowNetworks: ['127.0.0.1/32'] }

export async function withArchive<T>(data: string, f: (a: Archive) => Promise<T>): Promise<T> {
  const archive = await openArchive({ dataDir: data, writer: 'loader' })
  try {
    return await f(archive)
  } finally {
    await archive.close()
  }
}

export type Extra = Omit<OriginLoadOptions, 'storage' | 'scratchDir'>

export function load(data: string, type: string, url: string, extra: Extra) {
  return withArchive(data, (a) =>
    loadOrigin(type, url, { storage: a.storage, scratchDir: a.tmpDir, network: NET, ...extra }),
  )
}

/** `[seconds, microseconds]` of an ISO date, by python3 (UTC when naive). */
export function pySeconds(iso: string): [number, number] {
  return JSON.parse(
    execFileSync('python3', [
      '-c',
      `import datetime, json, sys
d = datetime.datetime.fromisoformat(sys.argv[1].replace('Z', '+00:00'))
if d.tzinfo is None: d = d.replace(tzinfo=datetime.timezone.utc)
print(json.dumps([int(d.timestamp() // 1), d.microsecond]))`,
      iso,
    ]).toString(),
  ) as [number, number]
}

export const rel = (id: string) => ({ type: 'release', target: Buffer.from(id, 'hex') })
export const alias = (name: string) => ({ type: 'alias', target: Buffer.from(name) })

/** GET `url` with curl (undici's fetch trips over Verdaccio's keep-alive). */
export function get(url: string): Buffer {
  return execFileSync('curl', ['-sSf', url])
}

export function download(url: string, to: string): string {
  writeFileSync(to, get(url))
  return to
}

export async function branchTargets(data: string, snapshot: string): Promise<Map<string, string>> {
  return withArchive(data, async (a) => {
    const page = await a.storage.snapshotGetBranches(snapshot)
    const out = new Map<string, string>()
    for (const b of page?.branches ?? [])
      out.set(
        Buffer.from(b.name).toString(),
        b.target === null
          ? 'null'
          : b.target.targetType === 'alias'
            ? `alias:${Buffer.from(b.target.target).toString()}`
            : `${b.target.targetType}:${b.target.target}`,
      )
    return out
  })
}

/** The bytes of the value at `path` of the JSON document `text`, by python3's decoder. */
export function pySpan(text: string, path: (string | number)[]): Buffer {
  const span = pythonJsonSpan(text, path)
  if (span === null) throw new Error(`no value at ${JSON.stringify(path)}`)
  return Buffer.from(text).subarray(span[0], span[1])
}
