/**
 * A Debian `Sources` index (Debian Policy §5.5, RFC 822-style stanzas): the stanzas of one
 * source package, and each one's files with their checksums (`Files` = md5sum,
 * `Checksums-Sha1`, `Checksums-Sha256`, `Checksums-Sha512`: lines `<digest> <size> <name>`)
 * and URLs (`<mirror>/<Directory>/<name>`), as Software Heritage's Debian lister gathers them
 * for its loader.
 *
 * @module
 */

import type { ChecksumAlgo, PackageArtifact } from '../pkginfo/types.js'

/** One stanza: lower-cased field name → value (continuation lines kept, one per line). */
export type Stanza = ReadonlyMap<string, string>

/** The stanzas of a control file's text. */
export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = []
  let cur = new Map<string, string>()
  let last: string | null = null
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.trim() === '') {
      if (cur.size > 0) out.push(cur)
      cur = new Map()
      last = null
      continue
    }
    if (/^[ \t]/.test(raw)) {
      if (last !== null) cur.set(last, `${cur.get(last)!}\n${raw.trim()}`)
      continue
    }
    const colon = raw.indexOf(':')
    if (colon <= 0) continue
    last = raw.slice(0, colon).trim().toLowerCase()
    cur.set(last, raw.slice(colon + 1).trim())
  }
  if (cur.size > 0) out.push(cur)
  return out
}

const SUM_FIELDS: readonly (readonly [string, ChecksumAlgo])[] = [
  ['files', 'md5'],
  ['checksums-sha1', 'sha1'],
  ['checksums-sha256', 'sha256'],
  ['checksums-sha512', 'sha512'],
]

/** One source package version of an index. */
export interface SourceVersion {
  readonly name: string
  readonly version: string
  readonly files: readonly PackageArtifact[]
}

/** The files of a stanza, their URLs under `mirror` (sorted by name, as a dict of the lister's). */
export function stanzaFiles(stanza: Stanza, mirror: string): PackageArtifact[] {
  const files = new Map<string, { size: number; sums: Partial<Record<ChecksumAlgo, string>> }>()
  for (const [field, algo] of SUM_FIELDS) {
    for (const line of (stanza.get(field) ?? '').split('\n')) {
      const parts = line.trim().split(/\s+/)
      if (parts.length !== 3) continue
      const [sum, size, name] = parts as [string, string, string]
      const f = files.get(name) ?? { size: Number(size), sums: {} }
      f.sums[algo] = sum.toLowerCase()
      files.set(name, f)
    }
  }
  const dir = (stanza.get('directory') ?? '').replace(/^\/+|\/+$/g, '')
  const base = mirror.replace(/\/+$/, '')
  return [...files.entries()].map(([filename, f]) => ({
    url: `${base}/${dir ? `${dir}/` : ''}${filename}`,
    filename,
    checksums: f.sums,
    size: f.size,
  }))
}

/** Every version of source package `name` in an index's text. */
export function sourceVersions(text: string, name: string, mirror: string): SourceVersion[] {
  return parseStanzas(text)
    .filter((s) => s.get('package') === name && s.has('version'))
    .map((s) => ({ name, version: s.get('version')!, files: stanzaFiles(s, mirror) }))
}
