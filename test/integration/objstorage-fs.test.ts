import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'

import { describe, expect, it } from 'vitest'

import { FsObjStorage, type FsObjStorageInit } from '../../src/objstorage/fs/fs-objstorage.js'
import type { ObjStorage } from '../../src/objstorage/interface.js'
import { objStorageConformanceTests } from '../conformance/objstorage/index.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

function findFile(root: string, id: string): string {
  const walk = (d: string): string | null => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) {
        const r = walk(p)
        if (r) return r
      } else if (e.name.startsWith(id)) return p
    }
    return null
  }
  return walk(root)!
}

for (const [label, init] of [
  ['plain, 0:2/2:4', {}],
  ['gzip, 0:1/1:3/3:5', { compression: 'gzip', slicing: '0:1/1:3/3:5' }],
] as const) {
  const roots = new Map<ObjStorage, string>()
  objStorageConformanceTests(label, {
    async setup() {
      const root = makeTemp('arca-objs-')
      const s = new FsObjStorage({ root, ...(init as Partial<FsObjStorageInit>) })
      await s.open()
      roots.set(s, root)
      return s
    },
    async teardown(s) {
      await s.close()
      removeTemp(roots.get(s)!)
    },
    corrupt(s, id) {
      const file = findFile(roots.get(s)!, id)
      const bytes = file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file)
      bytes[0] = bytes[0]! ^ 0xff
      writeFileSync(file, file.endsWith('.gz') ? gzipSync(bytes) : bytes)
      return Promise.resolve()
    },
  })
}

describe('fs objstorage specifics', () => {
  it('uses the slicing recorded at creation, and reads objects written with another compression', async () => {
    const root = makeTemp('arca-objs-')
    try {
      const a = new FsObjStorage({ root, slicing: '0:3', compression: 'gzip' })
      await a.open()
      const data = Buffer.from('hello\n')
      await a.add('ce013625030ba8dba906f756967f9e9ca394464a', data)
      const b = new FsObjStorage({ root, slicing: '0:2/2:4' })
      await b.open()
      expect(
        Buffer.from(
          await b.getBytes('ce013625030ba8dba906f756967f9e9ca394464a', { verify: true }),
        ).toString(),
      ).toBe('hello\n')
      expect(readdirSync(join(root, 'ce0'))).toEqual([
        'ce013625030ba8dba906f756967f9e9ca394464a.gz',
      ])
    } finally {
      removeTemp(root)
    }
  })

  it('reads bytes synchronously, plain or gzip, and says when an object is absent', async () => {
    const root = makeTemp('arca-objs-')
    try {
      // `printf 'hello\n' | git hash-object --stdin` and `printf 'bye\n' | …`
      const hello = 'ce013625030ba8dba906f756967f9e9ca394464a'
      const bye = 'b023018cabc396e7692c70bbf5784a93d3f738ab'
      const gz = new FsObjStorage({ root, compression: 'gzip' })
      await gz.open()
      await gz.add(hello, Buffer.from('hello\n'))
      const plain = new FsObjStorage({ root })
      await plain.open()
      await plain.add(bye, Buffer.from('bye\n'))
      expect(Buffer.from(plain.getBytesSync(hello)).toString()).toBe('hello\n')
      expect(Buffer.from(plain.getBytesSync(bye)).toString()).toBe('bye\n')
      expect(() => plain.getBytesSync('0'.repeat(40))).toThrow(/not in the content store/)
      expect(() => plain.getBytesSync('xyz')).toThrow(/Invalid content id/)
    } finally {
      removeTemp(root)
    }
  })

  it('rejects a bad slicing', async () => {
    const root = makeTemp('arca-objs-')
    try {
      await expect(new FsObjStorage({ root, slicing: '0:2/3:5' }).open()).rejects.toThrow(
        /consecutive/,
      )
    } finally {
      removeTemp(root)
    }
  })
})
