/**
 * fast-check arbitraries for model types (in the spirit of swh-model's hypothesis strategies).
 */
import fc from 'fast-check'

import {
  CORE_TYPES,
  type CoreSwhid,
  type Directory,
  makeContent,
  makeDirectory,
  makeRelease,
  makeRevision,
  makeSnapshot,
  type Person,
  type QualifiedSwhid,
  type Release,
  type Revision,
  type Snapshot,
  type SnapshotBranch,
  type SwhidQualifiers,
  type TimestampWithTimezone,
} from '../src/index.js'
import type { ContentWithData } from '../src/storage/interface.js'

/** 40 lowercase hex digits. */
export const sha1HexArb = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => Buffer.from(b).toString('hex'))

/** A core SWHID of any of the five types. */
export const coreSwhidArb: fc.Arbitrary<CoreSwhid> = fc.record({
  type: fc.constantFrom(...CORE_TYPES),
  id: sha1HexArb,
})

/** An origin URL as it can appear in a qualifier: non-empty, no whitespace. */
export const originUrlArb = fc
  .tuple(
    fc.constantFrom('https://', 'http://', 'git://', 'svn+ssh://', 'file:///'),
    fc.string({
      minLength: 1,
      maxLength: 40,
      unit: fc.constantFrom(...'abcXYZ09-._~/%;?&=:@é中'.split('')),
    }),
  )
  .map(([s, rest]) => s + rest)
  .filter((u) => !/\s/.test(u))

/** Qualifiers with each key present or not. */
export const qualifiersArb: fc.Arbitrary<SwhidQualifiers> = fc
  .record(
    {
      origin: originUrlArb,
      visit: sha1HexArb.map((id): CoreSwhid => ({ type: 'snp', id })),
      anchor: fc.record({
        type: fc.constantFrom('dir' as const, 'rev' as const, 'rel' as const, 'snp' as const),
        id: sha1HexArb,
      }),
      path: fc.uint8Array({ maxLength: 30 }),
      lines: fc.tuple(fc.nat({ max: 100000 }), fc.option(fc.nat({ max: 100000 }), { nil: null })),
    },
    { requiredKeys: [] },
  )
  .map((q) => q as SwhidQualifiers)

/** A qualified SWHID. */
export const qualifiedSwhidArb: fc.Arbitrary<QualifiedSwhid> = fc
  .tuple(coreSwhidArb, qualifiersArb)
  .map(([core, qualifiers]) => ({ ...core, qualifiers }))

// ---------------------------------------------------------------------------------------------
// Model objects, built with the model's factories so that their ids are right.

const bytesArb = (max = 24): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max })
const nameArb = fc
  .uint8Array({ minLength: 1, maxLength: 12 })
  .map((b) => b.map((x) => (x === 0x2f || x === 0 ? 0x61 : x)))

/** Content with its bytes. */
export const contentArb: fc.Arbitrary<ContentWithData> = bytesArb(256).map((data) => ({
  ...makeContent(data),
  data,
}))

/** A person with any bytes. */
export const personArb: fc.Arbitrary<Person> = bytesArb(30).map((fullname) => ({ fullname }))

/** A timestamp with raw offset bytes (usual and odd ones). */
export const dateArb: fc.Arbitrary<TimestampWithTimezone> = fc.record({
  timestamp: fc.record({
    seconds: fc.integer({ min: -62135510961, max: 253402297199 }),
    microseconds: fc.integer({ min: 0, max: 999999 }),
  }),
  offsetBytes: fc
    .constantFrom('+0000', '-0000', '+0200', '-0530', '+051', '+abcd')
    .map((s) => new TextEncoder().encode(s)),
})

/** A directory whose entries point at random ids. */
export const directoryArb: fc.Arbitrary<Directory> = fc
  .uniqueArray(
    fc.record({
      name: nameArb,
      type: fc.constantFrom('file' as const, 'dir' as const, 'rev' as const),
      target: sha1HexArb,
      exec: fc.boolean(),
    }),
    { maxLength: 8, selector: (e) => Buffer.from(e.name).toString('hex') },
  )
  .map((entries) =>
    makeDirectory({
      entries: entries.map((e) => ({
        name: e.name,
        type: e.type,
        target: e.target,
        perms:
          e.type === 'dir' ? 0o40000 : e.type === 'rev' ? 0o160000 : e.exec ? 0o100755 : 0o100644,
      })),
    }),
  )

/** A revision. */
export const revisionArb: fc.Arbitrary<Revision> = fc
  .record({
    directory: sha1HexArb,
    parents: fc.array(sha1HexArb, { maxLength: 3 }),
    author: fc.option(personArb, { nil: null }),
    date: fc.option(dateArb, { nil: null }),
    committer: fc.option(personArb, { nil: null }),
    committerDate: fc.option(dateArb, { nil: null }),
    message: fc.option(bytesArb(60), { nil: null }),
    extraHeaders: fc.array(
      fc.tuple(
        nameArb.map((n) => n.map((x) => (x === 0x20 || x === 0x0a ? 0x62 : x))),
        bytesArb(20),
      ),
      { maxLength: 3 },
    ),
  })
  .map((r) =>
    makeRevision({
      ...r,
      date: r.author ? r.date : null,
      committerDate: r.committer ? r.committerDate : null,
      extraHeaders: r.extraHeaders.map(([k, v]) => [k, v] as const),
    }),
  )

/** A release. */
export const releaseArb: fc.Arbitrary<Release> = fc
  .record({
    name: bytesArb(16),
    target: sha1HexArb,
    targetType: fc.constantFrom(
      'content' as const,
      'directory' as const,
      'revision' as const,
      'release' as const,
      'snapshot' as const,
    ),
    author: fc.option(personArb, { nil: null }),
    date: fc.option(dateArb, { nil: null }),
    message: fc.option(bytesArb(40), { nil: null }),
  })
  .map((r) => makeRelease({ ...r, date: r.author ? r.date : null }))

/** A snapshot with object, alias and dangling branches. */
export const snapshotArb: fc.Arbitrary<Snapshot> = fc
  .uniqueArray(
    fc.record({
      name: bytesArb(20),
      kind: fc.constantFrom(
        'revision',
        'release',
        'alias',
        'dangling',
        'content',
        'directory',
        'snapshot',
      ),
      target: sha1HexArb,
      alias: bytesArb(12),
    }),
    { maxLength: 10, selector: (b) => Buffer.from(b.name).toString('hex') },
  )
  .map((bs) =>
    makeSnapshot(
      bs.map((b): SnapshotBranch => {
        if (b.kind === 'dangling') return { name: b.name, target: null }
        if (b.kind === 'alias')
          return { name: b.name, target: { targetType: 'alias', target: b.alias } }
        return {
          name: b.name,
          target: { targetType: b.kind, target: b.target },
        }
      }),
    ),
  )
