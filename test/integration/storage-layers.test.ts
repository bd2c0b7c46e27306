/**
 * Each write layer on its own, over a real SQLite storage (and a real embedded journal for the
 * journal layer). Expected ids come from ../shared/vectors (computed by the reference
 * implementation and git); objects are built field by field from them, never by Arca's
 * constructors. A `Tap` is a pass-through layer over the real backend that records the calls
 * reaching it (what a layer forwards, and in which order).
 */
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { CorruptError } from '../../src/errors.js'
import { EmbeddedJournal } from '../../src/journal/embedded/embedded-journal.js'
import type { JournalRecord, Topic } from '../../src/journal/interface.js'
import { decodeValue } from '../../src/journal/serde.js'
import type {
  Content,
  Directory,
  Release,
  Revision,
  SkippedContent,
  Snapshot,
  SnapshotBranch,
} from '../../src/model/objects.js'
import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { openStorage } from '../../src/storage/factory.js'
import type { AddSummary, ContentWithData, Storage } from '../../src/storage/interface.js'
import { BufferingStorage } from '../../src/storage/proxies/buffer.js'
import { FilteringStorage } from '../../src/storage/proxies/filter.js'
import { ForwardingStorage } from '../../src/storage/proxies/forwarding.js'
import { JournalWritingStorage } from '../../src/storage/proxies/journal-writer.js'
import { ValidatingStorage } from '../../src/storage/proxies/validate.js'
import { WRITER_STACKS } from '../../src/storage/stack.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { b64, loadVectors } from '../helpers/vectors.js'

// -- objects from the vectors ---------------------------------------------------------------

interface PersonV {
  fullname_b64: string
}
interface DateV {
  seconds: number
  microseconds: number
  offset_bytes_b64: string
}
const person = (p: PersonV | null): { fullname: Uint8Array } | null =>
  p ? { fullname: b64(p.fullname_b64) } : null
const date = (d: DateV | null): Revision['date'] =>
  d
    ? {
        timestamp: { seconds: d.seconds, microseconds: d.microseconds },
        offsetBytes: b64(d.offset_bytes_b64),
      }
    : null
const idOf = (swhid: string): string => swhid.split(':')[3]!
function vector<C extends { name: string }>(kind: string, name: string): C {
  const c = loadVectors<C>(kind).cases.find((x) => x.name === name)
  if (!c) throw new Error(`no ${kind} vector "${name}"`)
  return c
}

function contentVector(name: string): ContentWithData {
  const c = vector<{
    name: string
    data_b64: string
    length: number
    sha1: string
    sha1_git: string
    sha256: string
    blake2s256: string
  }>('content', name)
  return {
    sha1: c.sha1,
    sha1Git: c.sha1_git,
    sha256: c.sha256,
    blake2s256: c.blake2s256,
    length: c.length,
    status: 'visible',
    ctime: null,
    data: b64(c.data_b64),
  }
}

function directoryVector(name: string): Directory {
  const c = vector<{
    name: string
    entries: {
      name_b64: string
      type: 'file' | 'dir' | 'rev'
      perms_octal: string
      target: string
    }[]
    swhid: string
  }>('directory', name)
  return {
    id: idOf(c.swhid),
    entries: c.entries.map((e) => ({
      name: b64(e.name_b64),
      type: e.type,
      perms: parseInt(e.perms_octal, 8),
      target: e.target,
    })),
    rawManifest: null,
  }
}

function revisionVector(name: string): Revision {
  const c = vector<{
    name: string
    directory: string
    parents: string[]
    author: PersonV | null
    committer: PersonV | null
    date: DateV | null
    committer_date: DateV | null
    extra_headers: [string, string][]
    message_b64: string | null
    swhid: string
  }>('revision', name)
  return {
    id: idOf(c.swhid),
    message: c.message_b64 === null ? null : b64(c.message_b64),
    author: person(c.author),
    committer: person(c.committer),
    date: date(c.date),
    committerDate: date(c.committer_date),
    type: 'git',
    directory: c.directory,
    synthetic: false,
    parents: c.parents,
    metadata: null,
    extraHeaders: c.extra_headers.map(([k, v]) => [b64(k), b64(v)] as const),
    rawManifest: null,
  }
}

function releaseVector(name: string): Release {
  const c = vector<{
    name: string
    tag_name_b64: string
    target: string
    target_type: Release['targetType']
    author: PersonV | null
    date: DateV | null
    message_b64: string | null
    swhid: string
  }>('release', name)
  return {
    id: idOf(c.swhid),
    name: b64(c.tag_name_b64),
    message: c.message_b64 === null ? null : b64(c.message_b64),
    target: c.target,
    targetType: c.target_type,
    synthetic: false,
    author: person(c.author),
    date: date(c.date),
    rawManifest: null,
  }
}

function snapshotVector(name: string): Snapshot {
  const c = vector<{
    name: string
    branches: {
      name_b64: string
      target_type: Release['targetType'] | 'alias' | null
      target?: string
      target_b64?: string
    }[]
    swhid: string
  }>('snapshot', name)
  return {
    id: idOf(c.swhid),
    branches: c.branches.map((b): SnapshotBranch => {
      if (b.target_type === null) return { name: b64(b.name_b64), target: null }
      if (b.target_type === 'alias')
        return {
          name: b64(b.name_b64),
          target: { targetType: 'alias', target: b64(b.target_b64!) },
        }
      return { name: b64(b.name_b64), target: { targetType: b.target_type, target: b.target! } }
    }),
  }
}

const rows = ({ data: _data, ...c }: ContentWithData): Content => c
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

// -- a real backend per test ------------------------------------------------------------------

let dir: string
let objstorage: FsObjStorage
let backend: Storage

beforeEach(async () => {
  dir = makeTemp('arca-layers-unit-')
  objstorage = new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
  backend = await openStorage(`sqlite:${join(dir, 'graph.sqlite')}`, { objstorage })
})

afterEach(async () => {
  await backend.close()
  removeTemp(dir)
})

/** Records the add calls reaching the storage under it (kind and ids, in call order). */
class Tap extends ForwardingStorage {
  readonly calls: string[] = []
  readonly #note = (kind: string, ids: readonly string[]): void => {
    this.calls.push(`${kind} ${ids.join(',')}`)
  }
  override contentAdd(cs: readonly ContentWithData[]): Promise<AddSummary> {
    this.#note(
      'content',
      cs.map((c) => c.sha1Git),
    )
    return super.contentAdd(cs)
  }
  override contentAddMetadata(cs: readonly Content[]): Promise<AddSummary> {
    this.#note(
      'content_rows',
      cs.map((c) => c.sha1Git),
    )
    return super.contentAddMetadata(cs)
  }
  override skippedContentAdd(cs: readonly SkippedContent[]): Promise<AddSummary> {
    this.#note(
      'skipped_content',
      cs.map((c) => c.sha1Git ?? ''),
    )
    return super.skippedContentAdd(cs)
  }
  override directoryAdd(ds: readonly Directory[]): Promise<AddSummary> {
    this.#note(
      'directory',
      ds.map((d) => d.id),
    )
    return super.directoryAdd(ds)
  }
  override revisionAdd(rs: readonly Revision[]): Promise<AddSummary> {
    this.#note(
      'revision',
      rs.map((r) => r.id),
    )
    return super.revisionAdd(rs)
  }
  override releaseAdd(rs: readonly Release[]): Promise<AddSummary> {
    this.#note(
      'release',
      rs.map((r) => r.id),
    )
    return super.releaseAdd(rs)
  }
  override snapshotAdd(ss: readonly Snapshot[]): Promise<AddSummary> {
    this.#note(
      'snapshot',
      ss.map((s) => s.id),
    )
    return super.snapshotAdd(ss)
  }
}

// -- validate -----------------------------------------------------------------------------------

describe('ValidatingStorage', () => {
  const dirV = (): Directory => directoryVector('one-file')
  const revV = (): Revision => revisionVector('root-commit')
  const relV = (): Release => releaseVector('annotated-tag-to-revision')
  const snpV = (): Snapshot => snapshotVector('every-target-type')

  it('accepts each kind under the id of the reference implementation', async () => {
    const v = new ValidatingStorage(backend, { objstorage })
    const cnt = contentVector('hello-newline')
    await v.contentAdd([cnt])
    await v.directoryAdd([dirV()])
    await v.revisionAdd([revV()])
    await v.releaseAdd([relV()])
    await v.snapshotAdd([snpV()])
    expect(await backend.contentMissing([cnt.sha1Git])).toEqual([])
    expect(await backend.directoryMissing([dirV().id])).toEqual([])
    expect(await backend.revisionMissing([revV().id])).toEqual([])
    expect(await backend.releaseMissing([relV().id])).toEqual([])
    expect(await backend.snapshotMissing([snpV().id])).toEqual([])
  })

  const tampered: [string, string, (v: Storage) => Promise<unknown>][] = [
    [
      'a directory with a renamed entry',
      `swh:1:dir:${directoryVector('one-file').id}`,
      (v) => {
        const d = dirV()
        return v.directoryAdd([{ ...d, entries: [{ ...d.entries[0]!, name: utf8('README2') }] }])
      },
    ],
    [
      'a revision with another message',
      `swh:1:rev:${revisionVector('root-commit').id}`,
      (v) => v.revisionAdd([{ ...revV(), message: utf8('Initial commit!\n') }]),
    ],
    [
      'a release with another name',
      `swh:1:rel:${releaseVector('annotated-tag-to-revision').id}`,
      (v) => v.releaseAdd([{ ...relV(), name: utf8('v1.1') }]),
    ],
    [
      'a snapshot missing a branch',
      `swh:1:snp:${snapshotVector('every-target-type').id}`,
      (v) => v.snapshotAdd([{ ...snpV(), branches: snpV().branches.slice(1) }]),
    ],
    [
      'a content with a wrong sha256',
      `swh:1:cnt:${contentVector('hello-newline').sha1Git}`,
      (v) => v.contentAdd([{ ...contentVector('hello-newline'), sha256: '0'.repeat(64) }]),
    ],
    [
      'a content with a wrong length',
      `swh:1:cnt:${contentVector('hello-newline').sha1Git}`,
      (v) => v.contentAdd([{ ...contentVector('hello-newline'), length: 5 }]),
    ],
    [
      'a content whose bytes are another content’s',
      `swh:1:cnt:${contentVector('hello-newline').sha1Git}`,
      (v) =>
        v.contentAdd([{ ...contentVector('hello-newline'), data: contentVector('empty').data }]),
    ],
  ]

  it.each(tampered)('rejects %s with a CorruptError naming it', async (_, swhid, add) => {
    const v = new ValidatingStorage(backend, { objstorage })
    const err = await add(v).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CorruptError)
    expect((err as Error).message).toContain(swhid)
    const [, , tag, id] = swhid.split(':')
    const missing = {
      cnt: () => backend.contentMissing([id!]),
      dir: () => backend.directoryMissing([id!]),
      rev: () => backend.revisionMissing([id!]),
      rel: () => backend.releaseMissing([id!]),
      snp: () => backend.snapshotMissing([id!]),
    }[tag as 'cnt']
    expect(await missing()).toEqual([id])
  })

  it('refuses the whole batch: a good directory beside a bad one is not stored', async () => {
    const v = new ValidatingStorage(backend, { objstorage })
    const good = directoryVector('all-perm-kinds')
    const bad = { ...dirV(), entries: [] }
    await expect(v.directoryAdd([good, bad])).rejects.toBeInstanceOf(CorruptError)
    expect(await backend.directoryMissing([good.id])).toEqual([good.id])
  })

  it('checks contents added as rows against the bytes in the content store', async () => {
    const v = new ValidatingStorage(backend, { objstorage })
    const hello = contentVector('hello-newline')
    // No bytes at all.
    await expect(v.contentAddMetadata([rows(hello)])).rejects.toThrow(`swh:1:cnt:${hello.sha1Git}`)
    // Other bytes under its name.
    await objstorage.add(hello.sha1Git, utf8('hello\r\n'))
    await expect(v.contentAddMetadata([rows(hello)])).rejects.toBeInstanceOf(CorruptError)
    expect(await backend.contentMissing([hello.sha1Git])).toEqual([hello.sha1Git])
    // Its own bytes.
    const empty = contentVector('empty')
    await objstorage.add(empty.sha1Git, empty.data)
    await v.contentAddMetadata([rows(empty)])
    expect(await backend.contentMissing([empty.sha1Git])).toEqual([])
  })

  describe.each(['loader', 'mirror', 'import'] as const)('in the %s stack', (writer) => {
    it('is the outermost layer, so a wrong id fails the add that carries it', async () => {
      expect(WRITER_STACKS[writer][0]).toBe('validate')
      const data = makeTemp('arca-layers-archive-')
      const archive: Archive = await openArchive({ dataDir: data, writer })
      try {
        const d = dirV()
        await expect(archive.storage.directoryAdd([{ ...d, entries: [] }])).rejects.toThrow(
          `swh:1:dir:${d.id}`,
        )
        await archive.storage.flush()
        expect(await archive.backend.directoryMissing([d.id])).toEqual([d.id])
      } finally {
        await archive.close()
        removeTemp(data)
      }
    })
  })
})

// -- buffer -------------------------------------------------------------------------------------

describe('BufferingStorage', () => {
  const cnt = (): ContentWithData => contentVector('hello-newline')
  const d = (): Directory => directoryVector('one-file')
  const r = (): Revision => revisionVector('root-commit')
  const rel = (): Release => releaseVector('annotated-tag-to-revision')
  const snp = (): Snapshot => snapshotVector('single-revision')
  const skipped: SkippedContent = {
    sha1: null,
    sha1Git: contentVector('empty').sha1Git,
    sha256: null,
    blake2s256: null,
    length: 0,
    status: 'absent',
    reason: 'test',
    origin: null,
    ctime: null,
  }
  const unknown = 'f'.repeat(40)

  it('answers *Missing for what it holds, before any flush, without writing it', async () => {
    const buf = new BufferingStorage(backend)
    await buf.contentAdd([cnt()])
    await buf.skippedContentAdd([skipped])
    await buf.directoryAdd([d()])
    await buf.revisionAdd([r()])
    await buf.releaseAdd([rel()])
    await buf.snapshotAdd([snp()])
    // Held, not missing...
    expect(await buf.contentMissing([cnt().sha1Git, unknown])).toEqual([unknown])
    expect(await buf.skippedContentMissing([skipped])).toEqual([])
    expect(await buf.directoryMissing([d().id, unknown])).toEqual([unknown])
    expect(await buf.revisionMissing([r().id, unknown])).toEqual([unknown])
    expect(await buf.releaseMissing([rel().id, unknown])).toEqual([unknown])
    expect(await buf.snapshotMissing([snp().id, unknown])).toEqual([unknown])
    // ...and not written yet.
    expect(await backend.contentMissing([cnt().sha1Git])).toEqual([cnt().sha1Git])
    expect(await backend.skippedContentMissing([skipped])).toHaveLength(1)
    expect(await backend.directoryMissing([d().id])).toEqual([d().id])
    expect(await backend.revisionMissing([r().id])).toEqual([r().id])
    expect(await backend.releaseMissing([rel().id])).toEqual([rel().id])
    expect(await backend.snapshotMissing([snp().id])).toEqual([snp().id])
    const summary = await buf.flush()
    expect(summary).toMatchObject({
      'content:add': 1,
      'skipped_content:add': 1,
      'directory:add': 1,
      'revision:add': 1,
      'release:add': 1,
      'snapshot:add': 1,
    })
    expect(await backend.directoryMissing([d().id])).toEqual([])
    expect(await backend.snapshotMissing([snp().id])).toEqual([])
  })

  it('is not missing while a background flush writes it', async () => {
    // A threshold of one starts a flush in the background at each add.
    const buf = new BufferingStorage(backend, { directory: 1, content: 1 })
    await buf.contentAdd([cnt()])
    await buf.directoryAdd([d()])
    expect(await buf.contentMissing([cnt().sha1Git])).toEqual([])
    expect(await buf.directoryMissing([d().id])).toEqual([])
    await buf.flush()
    expect(await backend.directoryMissing([d().id])).toEqual([])
  })

  it('flushes bottom-up, whatever the order of the adds', async () => {
    const tap = new Tap(backend)
    const buf = new BufferingStorage(tap)
    await buf.snapshotAdd([snp()])
    await buf.releaseAdd([rel()])
    await buf.revisionAdd([r()])
    await buf.directoryAdd([d()])
    await buf.skippedContentAdd([skipped])
    await buf.contentAdd([cnt()])
    expect(tap.calls).toEqual([])
    await buf.flush()
    expect(tap.calls).toEqual([
      `content ${cnt().sha1Git}`,
      `skipped_content ${skipped.sha1Git}`,
      `directory ${d().id}`,
      `revision ${r().id}`,
      `release ${rel().id}`,
      `snapshot ${snp().id}`,
    ])
  })

  it('a full buffer flushes its kind and every kind below it, nothing above', async () => {
    const tap = new Tap(backend)
    const buf = new BufferingStorage(tap, { directory: 1 })
    await buf.revisionAdd([r()])
    await buf.contentAdd([cnt()])
    await buf.directoryAdd([d()]) // reaches the threshold
    await buf.snapshotMissing([]) // nothing else is written meanwhile
    await buf.contentMissing([])
    // The background flush is awaited by the next flush; its calls come first.
    await buf.flush()
    expect(tap.calls).toEqual([
      `content ${cnt().sha1Git}`,
      `directory ${d().id}`,
      `revision ${r().id}`,
    ])
  })

  it('a read sees the adds made before it', async () => {
    const buf = new BufferingStorage(backend)
    await buf.contentAdd([cnt()])
    await buf.directoryAdd([d()])
    await buf.revisionAdd([r()])
    expect((await buf.directoryGet([d().id]))[0]?.id).toBe(d().id)
    expect((await buf.revisionGet([r().id]))[0]?.id).toBe(r().id)
    const ls = await buf.directoryLs(d().id)
    expect(ls?.map((e) => e.target)).toEqual([d().entries[0]!.target])
  })
})

// -- filter -------------------------------------------------------------------------------------

describe('FilteringStorage', () => {
  it('forwards only what the storage under it lacks, once each', async () => {
    const a = directoryVector('one-file')
    const b = directoryVector('all-perm-kinds')
    const hello = contentVector('hello-newline')
    const empty = contentVector('empty')
    await backend.directoryAdd([a])
    await backend.contentAdd([hello])
    const tap = new Tap(backend)
    const f = new FilteringStorage(tap)
    expect((await f.directoryAdd([a, b, b]))['directory:add']).toBe(1)
    await f.contentAdd([hello, empty, empty])
    await f.directoryAdd([a, b])
    expect(tap.calls).toEqual([`directory ${b.id}`, `content ${empty.sha1Git}`])
    expect(await backend.directoryMissing([a.id, b.id])).toEqual([])
  })
})

// -- journal ------------------------------------------------------------------------------------

describe('JournalWritingStorage', () => {
  let journal: EmbeddedJournal
  beforeEach(async () => {
    journal = new EmbeddedJournal({ root: join(dir, 'journal'), fsync: false })
    await journal.open()
  })
  afterEach(async () => {
    await journal.close()
  })

  async function records(topic: Topic): Promise<JournalRecord[]> {
    const out: JournalRecord[] = []
    for await (const rec of journal.read(topic, 0)) out.push(rec)
    return out
  }
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

  it('journals one record per object, in the order given, keyed by its id', async () => {
    const w = new JournalWritingStorage(backend, { journal, objstorage })
    const contents = [contentVector('hello-newline'), contentVector('empty')]
    const dirs = [directoryVector('all-perm-kinds'), directoryVector('one-file')]
    const revs = [revisionVector('root-commit'), revisionVector('one-parent-plus0200')]
    await w.contentAdd(contents)
    await w.directoryAdd(dirs)
    await w.revisionAdd([revs[0]!])
    await w.revisionAdd([revs[1]!])
    await w.releaseAdd([releaseVector('annotated-tag-to-revision')])
    await w.snapshotAdd([snapshotVector('every-target-type')])
    const cnt = await records('content')
    expect(cnt.map((x) => [x.offset, hex(x.key)])).toEqual([
      [0, contents[0]!.sha1Git],
      [1, contents[1]!.sha1Git],
    ])
    expect(decodeValue('content', cnt[0]!.value)).toMatchObject({
      sha256: contents[0]!.sha256,
      length: contents[0]!.length,
    })
    expect((await records('directory')).map((x) => hex(x.key))).toEqual(dirs.map((x) => x.id))
    expect((await records('revision')).map((x) => hex(x.key))).toEqual(revs.map((x) => x.id))
    expect((await records('revision')).map((x) => decodeValue('revision', x.value).id)).toEqual(
      revs.map((x) => x.id),
    )
    expect((await records('release')).map((x) => hex(x.key))).toEqual([
      releaseVector('annotated-tag-to-revision').id,
    ])
    expect((await records('snapshot')).map((x) => hex(x.key))).toEqual([
      snapshotVector('every-target-type').id,
    ])
    expect(await backend.directoryMissing(dirs.map((x) => x.id))).toEqual([])
  })

  it('stores the bytes, then the journal record, then the rows', async () => {
    const hello = contentVector('hello-newline')
    const seen: { bytes: boolean; records: number }[] = []
    class Probe extends ForwardingStorage {
      override async contentAddMetadata(cs: readonly Content[]): Promise<AddSummary> {
        seen.push({
          bytes: (await objstorage.missing([hello.sha1Git])).length === 0,
          records: (await records('content')).length,
        })
        return super.contentAddMetadata(cs)
      }
    }
    const w = new JournalWritingStorage(new Probe(backend), { journal, objstorage })
    await w.contentAdd([hello])
    expect(seen).toEqual([{ bytes: true, records: 1 }])
    expect(await backend.contentMissing([hello.sha1Git])).toEqual([])
  })
})
