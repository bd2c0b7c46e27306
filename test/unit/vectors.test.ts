/**
 * Golden vectors from ../shared/vectors, computed by the reference implementation: every case
 * of every model file must pass. (identify-fs.json is exercised by the from-disk tests.)
 */
import { describe, expect, it } from 'vitest'

import {
  type BranchTarget,
  type DirectoryEntry,
  directoryManifest,
  type EntryType,
  formatSwhid,
  makeContent,
  makeDirectory,
  makeRelease,
  makeRevision,
  makeSnapshot,
  originId,
  parseCoreSwhid,
  parseExtendedSwhid,
  parseQualifiedSwhid,
  type Person,
  releaseManifest,
  type ReleaseTargetType,
  revisionManifest,
  snapshotManifest,
  type TimestampWithTimezone,
  toHex,
} from '../../src/index.js'
import { b64, loadVectors } from '../helpers/vectors.js'

interface PersonV {
  fullname_b64: string
}
interface DateV {
  seconds: number
  microseconds: number
  offset_bytes_b64: string
}

const person = (p: PersonV | null): Person | null => (p ? { fullname: b64(p.fullname_b64) } : null)
const date = (d: DateV | null): TimestampWithTimezone | null =>
  d
    ? {
        timestamp: { seconds: d.seconds, microseconds: d.microseconds },
        offsetBytes: b64(d.offset_bytes_b64),
      }
    : null
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('content vectors', () => {
  const v = loadVectors<{
    name: string
    data_b64: string
    length: number
    sha1: string
    sha1_git: string
    sha256: string
    blake2s256: string
    swhid: string
  }>('content')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const content = makeContent(b64(c.data_b64))
    expect(content.length).toBe(c.length)
    expect(content.sha1).toBe(c.sha1)
    expect(content.sha1Git).toBe(c.sha1_git)
    expect(content.sha256).toBe(c.sha256)
    expect(content.blake2s256).toBe(c.blake2s256)
    expect(formatSwhid({ type: 'cnt', id: content.sha1Git })).toBe(c.swhid)
  })
})

describe('directory vectors', () => {
  const v = loadVectors<{
    name: string
    entries: { name_b64: string; type: EntryType; perms_octal: string; target: string }[]
    raw_manifest_b64?: string
    manifest_b64: string
    swhid: string
    canonical_manifest_b64?: string
    canonical_swhid_would_be?: string
  }>('directory')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const entries: DirectoryEntry[] = c.entries.map((e) => ({
      name: b64(e.name_b64),
      type: e.type,
      perms: parseInt(e.perms_octal, 8),
      target: e.target,
    }))
    const raw = c.raw_manifest_b64 ? b64(c.raw_manifest_b64) : null
    const dir = makeDirectory({ entries, rawManifest: raw })
    expect(formatSwhid({ type: 'dir', id: dir.id })).toBe(c.swhid)
    if (raw) {
      expect(hexOf(raw)).toBe(hexOf(b64(c.manifest_b64)))
      if (c.canonical_manifest_b64) {
        expect(hexOf(directoryManifest(entries))).toBe(hexOf(b64(c.canonical_manifest_b64)))
      }
      if (c.canonical_swhid_would_be) {
        expect(formatSwhid({ type: 'dir', id: makeDirectory({ entries }).id })).toBe(
          c.canonical_swhid_would_be,
        )
      }
    } else {
      expect(hexOf(directoryManifest(entries))).toBe(hexOf(b64(c.manifest_b64)))
    }
  })
})

describe('revision vectors', () => {
  const v = loadVectors<{
    name: string
    directory: string
    parents: string[]
    author: PersonV | null
    committer: PersonV | null
    date: DateV | null
    committer_date: DateV | null
    extra_headers: [string, string][]
    message_b64: string | null
    raw_manifest_b64?: string
    manifest_b64: string
    swhid: string
    canonical_swhid_would_be?: string
  }>('revision')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const fields = {
      directory: c.directory,
      parents: c.parents,
      author: person(c.author),
      committer: person(c.committer),
      date: date(c.date),
      committerDate: date(c.committer_date),
      extraHeaders: c.extra_headers.map(([k, val]) => [b64(k), b64(val)] as const),
      message: c.message_b64 === null ? null : b64(c.message_b64),
    }
    const raw = c.raw_manifest_b64 ? b64(c.raw_manifest_b64) : null
    const rev = makeRevision({ ...fields, rawManifest: raw })
    expect(formatSwhid({ type: 'rev', id: rev.id })).toBe(c.swhid)
    if (raw) {
      expect(hexOf(raw)).toBe(hexOf(b64(c.manifest_b64)))
      if (c.canonical_swhid_would_be) {
        expect(formatSwhid({ type: 'rev', id: makeRevision(fields).id })).toBe(
          c.canonical_swhid_would_be,
        )
      }
    } else {
      expect(hexOf(revisionManifest(fields))).toBe(hexOf(b64(c.manifest_b64)))
    }
  })
})

describe('release vectors', () => {
  const v = loadVectors<{
    name: string
    tag_name_b64: string
    target: string
    target_type: ReleaseTargetType
    author: PersonV | null
    date: DateV | null
    message_b64: string | null
    raw_manifest_b64?: string
    manifest_b64: string
    swhid: string
  }>('release')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const fields = {
      name: b64(c.tag_name_b64),
      target: c.target,
      targetType: c.target_type,
      author: person(c.author),
      date: date(c.date),
      message: c.message_b64 === null ? null : b64(c.message_b64),
    }
    const raw = c.raw_manifest_b64 ? b64(c.raw_manifest_b64) : null
    const rel = makeRelease({ ...fields, rawManifest: raw })
    expect(formatSwhid({ type: 'rel', id: rel.id })).toBe(c.swhid)
    if (!raw) expect(hexOf(releaseManifest(fields))).toBe(hexOf(b64(c.manifest_b64)))
  })
})

describe('snapshot vectors', () => {
  const v = loadVectors<{
    name: string
    branches: {
      name_b64: string
      target_type: ReleaseTargetType | 'alias' | null
      target?: string
      target_b64?: string
    }[]
    manifest_b64: string
    swhid: string
  }>('snapshot')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const branches = c.branches.map((b) => {
      let target: BranchTarget | null = null
      if (b.target_type === 'alias') target = { targetType: 'alias', target: b64(b.target_b64!) }
      else if (b.target_type !== null) target = { targetType: b.target_type, target: b.target! }
      return { name: b64(b.name_b64), target }
    })
    const snp = makeSnapshot(branches)
    expect(formatSwhid({ type: 'snp', id: snp.id })).toBe(c.swhid)
    expect(hexOf(snapshotManifest(branches))).toBe(hexOf(b64(c.manifest_b64)))
  })
})

describe('origin vectors', () => {
  const v = loadVectors<{ name: string; url: string; swhid: string }>('origin')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(formatSwhid({ type: 'ori', id: originId(c.url) })).toBe(c.swhid)
  })
})

describe('swhid-parse vectors', () => {
  const v = loadVectors<{
    name: string
    input: string
    parser: 'core' | 'extended' | 'qualified'
    valid: boolean
    spec_valid?: boolean
    canonical?: string
    object_type?: string
    object_id?: string
    qualifiers?: {
      origin: string | null
      visit: string | null
      anchor: string | null
      path_b64: string | null
      lines: [number, number | null] | null
    }
  }>('swhid-parse')
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const parse =
      c.parser === 'core'
        ? parseCoreSwhid
        : c.parser === 'extended'
          ? parseExtendedSwhid
          : parseQualifiedSwhid
    // Arca applies the SWHID grammar to line numbers (digits only, spec §2.2 recommendation):
    // where only swh-model's lenient Python int() accepts them (spec_valid false), they are refused.
    const strictLines = c.spec_valid === false && /;lines=[^;]*[^0-9;-]/.test(c.input)
    if (!c.valid || strictLines) {
      expect(() => parse(c.input)).toThrowError(/Invalid SWHID/)
      return
    }
    const s = parse(c.input)
    expect(s.type).toBe(c.object_type)
    expect(s.id).toBe(c.object_id)
    expect(formatSwhid(s)).toBe(c.canonical)
    if (c.qualifiers) {
      const q = parseQualifiedSwhid(c.input).qualifiers
      expect(q.origin ?? null).toBe(c.qualifiers.origin)
      expect(q.visit ? formatSwhid(q.visit) : null).toBe(c.qualifiers.visit)
      expect(q.anchor ? formatSwhid(q.anchor) : null).toBe(c.qualifiers.anchor)
      expect(q.path ? toHex(q.path) : null).toBe(
        c.qualifiers.path_b64 === null ? null : toHex(b64(c.qualifiers.path_b64)),
      )
      expect(q.lines ?? null).toEqual(c.qualifiers.lines)
    }
  })
})
