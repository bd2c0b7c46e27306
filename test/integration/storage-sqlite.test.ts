import { join } from 'node:path'

import { describe } from 'vitest'

import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import type { ObjStorage } from '../../src/objstorage/interface.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { openStorage } from '../../src/storage/factory.js'
import type { Storage } from '../../src/storage/interface.js'
import type { BufferThresholds } from '../../src/storage/proxies/buffer.js'
import type { SqlStorage } from '../../src/storage/sql/sql-storage.js'
import { storageConformanceTests } from '../conformance/storage/index.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const dirs = new Map<Storage, string>()
const stores = new Map<Storage, ObjStorage>()

describe('SQLite backend', () => {
  storageConformanceTests({
    async setup() {
      const dir = makeTemp('arca-sqlite-')
      const objstorage = new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
      const s = await openStorage(`sqlite:${join(dir, 'graph.sqlite')}`, { objstorage })
      dirs.set(s, dir)
      stores.set(s, objstorage)
      return s
    },
    async teardown(s) {
      await s.close()
      removeTemp(dirs.get(s)!)
    },
    objstorage: (s) => stores.get(s)!,
    removal: (s) => s as SqlStorage,
  })
})

/** The suite over SQLite behind the layers of the `import` writer. */
function layered(bufferThresholds: Partial<BufferThresholds>): void {
  const archives = new Map<Storage, Archive>()
  storageConformanceTests({
    async setup() {
      const dir = makeTemp('arca-layers-')
      const archive = await openArchive({ dataDir: dir, writer: 'import', bufferThresholds })
      archives.set(archive.storage, archive)
      return archive.storage
    },
    async teardown(s) {
      const archive = archives.get(s)!
      await archive.close()
      removeTemp(archive.dataDir)
    },
    objstorage: (s) => archives.get(s)!.objstorage,
    removal: (s) => archives.get(s)!.backend,
  })
}

describe('SQLite behind the full layer stack, flushing on every add', () => {
  // Thresholds of one: every add starts a background flush while the suite goes on.
  layered({
    content: 1,
    directory: 1,
    revision: 1,
    release: 1,
    snapshot: 1,
    extid: 1,
    skippedContent: 1,
  })
})

describe('SQLite behind the full layer stack, holding everything', () => {
  // Default thresholds: the suite's adds stay in the buffer until a read or a flush.
  layered({})
})
