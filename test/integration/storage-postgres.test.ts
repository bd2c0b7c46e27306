import { join } from 'node:path'

import { describe } from 'vitest'

import { FsObjStorage } from '../../src/objstorage/fs/fs-objstorage.js'
import type { ObjStorage } from '../../src/objstorage/interface.js'
import { openStorage } from '../../src/storage/factory.js'
import type { Storage } from '../../src/storage/interface.js'
import type { SqlStorage } from '../../src/storage/sql/sql-storage.js'
import { storageConformanceTests } from '../conformance/storage/index.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const available = await postgresAvailable()
const cleanups = new Map<Storage, () => Promise<void>>()
const stores = new Map<Storage, ObjStorage>()

describe.runIf(available)('PostgreSQL backend', () => {
  storageConformanceTests({
    async setup() {
      const db = await createTestDatabase()
      const dir = makeTemp('arca-pg-')
      const objstorage = new FsObjStorage({ root: join(dir, 'objects'), fsync: false })
      const s = await openStorage(db.url, { objstorage })
      stores.set(s, objstorage)
      cleanups.set(s, async () => {
        await db.drop()
        removeTemp(dir)
      })
      return s
    },
    async teardown(s) {
      await s.close()
      await cleanups.get(s)!()
    },
    objstorage: (s) => stores.get(s)!,
    removal: (s) => s as SqlStorage,
  })
})
