/**
 * The validating and filtering write layers on their own, over a real SQLite storage. Expected
 * ids come from ../shared/vectors (computed by the reference implementation and git); objects
 * are built field by field from them, never by Arca's constructors (../helpers/storage-layers.ts).
 * The buffering and journal-writing layers: storage-layers-buffer-journal.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { CorruptError } from '../../src/errors.js'
import type { Directory, Release, Revision, Snapshot } from '../../src/model/objects.js'
import { verify } from '../../src/model/verify.js'
import type { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import type { Storage } from '../../src/storage/interface.js'
import { FilteringStorage } from '../../src/storage/proxies/filter.js'
import { ValidatingStorage } from '../../src/storage/proxies/validate.js'
import { WRITER_STACKS } from '../../src/storage/stack.js'
import {
  contentVector,
  directoryVector,
  type LayerBackend,
  openLayerBackend,
  releaseVector,
  revisionVector,
  rows,
  snapshotVector,
  Tap,
  utf8,
} from '../helpers/storage-layers.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

// -- a real backend per test ------------------------------------------------------------------

let objstorage: FsObjStorage
let backend: Storage
let opened: LayerBackend

beforeEach(async () => {
  opened = await openLayerBackend()
  ;({ objstorage, backend } = opened)
})

afterEach(async () => {
  await opened.close()
})

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

  it('hashes once: the very object checked before is not hashed again, a copy of it is', async () => {
    const v = new ValidatingStorage(backend, { objstorage })
    const hello = contentVector('hello-newline')
    const hasRows = rows(hello)
    // Other bytes under its name: a copy (never checked) is read back and refused.
    await objstorage.add(hello.sha1Git, utf8('hello\r\n'))
    await expect(v.contentAddMetadata([{ ...hasRows }])).rejects.toBeInstanceOf(CorruptError)
    // The object checked against its own bytes (as the mirror checks what it stores): trusted.
    verify.content(hasRows, hello.data)
    expect(verify.checked(hasRows)).toBe(true)
    expect(verify.checked(hasRows, utf8('hello\r\n'))).toBe(false)
    await v.contentAddMetadata([hasRows])
    expect(await backend.contentMissing([hello.sha1Git])).toEqual([])
    // Still no rows without bytes in the content store, checked or not.
    const empty = rows(contentVector('empty'))
    verify.content(empty, contentVector('empty').data)
    await expect(v.contentAddMetadata([empty])).rejects.toThrow(`swh:1:cnt:${empty.sha1Git}`)
    // A directory that failed its check is not marked: the layer refuses it.
    const bad = { ...dirV(), entries: [] }
    expect(() => verify.directory(bad)).toThrow(CorruptError)
    expect(verify.checked(bad)).toBe(false)
    await expect(v.directoryAdd([bad])).rejects.toBeInstanceOf(CorruptError)
    const good = dirV()
    verify.directory(good)
    await v.directoryAdd([good])
    expect(await backend.directoryMissing([good.id])).toEqual([])
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
