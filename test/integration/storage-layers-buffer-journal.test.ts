/**
 * The buffering and journal-writing layers on their own, over a real SQLite storage (and a real
 * embedded journal for the journal layer). Expected ids come from ../shared/vectors; objects are
 * built field by field from them (../helpers/storage-layers.ts). A `Tap` records the calls a
 * layer forwards to the real backend, and in which order.
 */
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

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
} from '../../src/model/objects.js'
import type { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import type { AddSummary, ContentWithData, Storage } from '../../src/storage/interface.js'
import { BufferingStorage } from '../../src/storage/proxies/buffer.js'
import { ForwardingStorage } from '../../src/storage/proxies/forwarding.js'
import { JournalWritingStorage } from '../../src/storage/proxies/journal-writer.js'
import {
  contentVector,
  directoryVector,
  type LayerBackend,
  openLayerBackend,
  releaseVector,
  revisionVector,
  snapshotVector,
  Tap,
} from '../helpers/storage-layers.js'

// -- a real backend per test ------------------------------------------------------------------

let dir: string
let objstorage: FsObjStorage
let backend: Storage
let opened: LayerBackend

beforeEach(async () => {
  opened = await openLayerBackend()
  ;({ dir, objstorage, backend } = opened)
})

afterEach(async () => {
  await opened.close()
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
