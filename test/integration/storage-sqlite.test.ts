import { join } from 'node:path'

import { describe } from 'vitest'

import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import { openArchive, WRITER_LAYERS } from '../../src/storage/archive.js'
import { openStorage } from '../../src/storage/factory.js'
import type { Storage } from '../../src/storage/interface.js'
import { storageConformanceTests } from '../conformance/storage/index.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const dirs = new Map<Storage, string>()

describe('SQLite backend', () => {
  storageConformanceTests({
    async setup() {
      const dir = makeTemp('arca-sqlite-')
      const s = await openStorage(`sqlite:${join(dir, 'graph.sqlite')}`, {
        objstorage: new FsObjStorage({ root: join(dir, 'objects'), fsync: false }),
      })
      dirs.set(s, dir)
      return s
    },
    async teardown(s) {
      await s.close()
      removeTemp(dirs.get(s)!)
    },
  })
})

describe('SQLite behind the full layer stack', () => {
  storageConformanceTests({
    async setup() {
      const dir = makeTemp('arca-layers-')
      // Tiny thresholds so that buffering really batches and flushes during the suite.
      const archive = await openArchive({
        dataDir: dir,
        layers: WRITER_LAYERS,
        bufferThresholds: {
          content: 1,
          directory: 1,
          revision: 1,
          release: 1,
          snapshot: 1,
          extid: 1,
          skippedContent: 1,
        },
      })
      dirs.set(archive.storage, dir)
      return archive.storage
    },
    async teardown(s) {
      await s.close()
      removeTemp(dirs.get(s)!)
    },
  })
})
