import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import type { ObjStorage } from '../../src/objstorage/interface.js'
import {
  PackObjStorage,
  type PackObjStorageInit,
} from '../../src/objstorage/pack/pack-objstorage.js'
import { objStorageConformanceTests } from '../conformance/objstorage/index.js'
import { flipPackedByte, packedBytes, replacePackedContent } from '../helpers/stored-content.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

// `printf 'hello\n' | git hash-object --stdin`
const HELLO = 'ce013625030ba8dba906f756967f9e9ca394464a'

for (const [label, init] of [
  ['pack, brotli', {}],
  // small packs (rollover) and a low threshold: large contents stream in and out
  [
    'pack, uncompressed, streamed',
    { compression: 'none', maxPackSize: 64 << 10, streamThreshold: 1 << 20 },
  ],
  ['pack, brotli, streamed', { maxPackSize: 64 << 10, streamThreshold: 1 << 20 }],
] as const) {
  const roots = new Map<ObjStorage, string>()
  objStorageConformanceTests(label, {
    async setup() {
      const root = makeTemp('arca-packs-')
      const s = new PackObjStorage({ root, ...(init as Partial<PackObjStorageInit>) })
      await s.open()
      roots.set(s, root)
      return s
    },
    async teardown(s) {
      await s.close()
      removeTemp(roots.get(s)!)
    },
    corrupt(s, id) {
      replacePackedContent(roots.get(s)!, id)
      return Promise.resolve()
    },
  })
}

const text = (i: number): Buffer =>
  Buffer.from(`content ${i} ${'source code line\n'.repeat(50 + i)}`)

async function withStore<T>(
  fn: (s: PackObjStorage, root: string) => Promise<T>,
  init: Partial<PackObjStorageInit> = {},
): Promise<T> {
  const root = makeTemp('arca-packs-')
  const s = new PackObjStorage({ root, ...init })
  await s.open()
  try {
    return await fn(s, root)
  } finally {
    await s.close()
    removeTemp(root)
  }
}

describe('pack objstorage specifics', () => {
  it('stores entries compressed, in the documented layout', async () => {
    await withStore(async (s, root) => {
      const data = Buffer.from('hello\n')
      await s.add(HELLO, data)
      const big = text(1)
      const { createHash } = await import('node:crypto')
      const bigId = createHash('sha1').update(`blob ${big.length}\0`).update(big).digest('hex')
      await s.addBatch([{ id: bigId, data: big }])
      const packs = readdirSync(root).filter((n) => n.endsWith('.pack'))
      expect(packs).toHaveLength(1)
      const file = readFileSync(join(root, packs[0]!))
      expect(file.subarray(0, 4).toString()).toBe('APK1')
      expect(file.subarray(4, 24).toString('hex')).toBe(HELLO)
      expect(packedBytes(root, bigId).equals(big)).toBe(true)
      const st = s.stats()
      expect(st.entries).toBe(2)
      expect(st.rawBytes).toBe(data.length + big.length)
      expect(st.storedBytes).toBeLessThan(big.length / 5)
      expect(st.deadBytes).toBe(0)
      expect(Buffer.from(s.getBytesSync(HELLO)).toString()).toBe('hello\n')
      expect(() => s.getBytesSync('0'.repeat(40))).toThrow(/not in the content store/)
    })
  })

  it('names the id and the pack when an entry fails its CRC, verifying or not', async () => {
    await withStore(async (s, root) => {
      await s.add(HELLO, Buffer.from('hello\n'))
      flipPackedByte(root, HELLO)
      const pack = readdirSync(root).find((n) => n.endsWith('.pack'))!
      const re = new RegExp(`swh:1:cnt:${HELLO}.*corrupt.*${pack.replace(/\./g, '\\.')}.*CRC`)
      await expect(s.getBytes(HELLO)).rejects.toThrow(re)
      expect(() => s.getBytesSync(HELLO)).toThrow(re)
      await s.replace(HELLO, Buffer.from('hello\n'))
      expect(Buffer.from(await s.getBytes(HELLO, { verify: true })).toString()).toBe('hello\n')
    })
  })

  it('reads batches of small entries (a worker thread reads and inflates them) and names the first bad one', async () => {
    await withStore(async (s, root) => {
      const { createHash } = await import('node:crypto')
      const idOf = (b: Buffer): string =>
        createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex')
      const items = Array.from({ length: 40 }, (_, i) => text(i))
        .concat([Buffer.from('x'), Buffer.alloc(0)])
        .map((data) => ({ id: idOf(data), data }))
      await s.addBatch(items)
      const ids = items.map((x) => x.id)
      const got = await s.getBytesMany(ids, { verify: true })
      expect(got.map((b) => Buffer.from(b).toString('latin1'))).toEqual(
        items.map((x) => x.data.toString('latin1')),
      )
      // The same id twice, in any order.
      const twice = await s.getBytesMany([ids[3]!, ids[1]!, ids[3]!])
      expect(twice.map((b) => Buffer.from(b).toString('latin1'))).toEqual(
        [3, 1, 3].map((i) => items[i]!.data.toString('latin1')),
      )
      flipPackedByte(root, ids[7]!, 5)
      flipPackedByte(root, ids[20]!, 5)
      const pack = readdirSync(root).find((n) => n.endsWith('.pack'))!
      await expect(s.getBytesMany(ids)).rejects.toThrow(
        new RegExp(`swh:1:cnt:${ids[7]}.*corrupt.*${pack.replace(/\./g, '\\.')}.*CRC`),
      )
      const rest = ids.filter((_, i) => i !== 7 && i !== 20)
      expect((await s.getBytesMany(rest)).length).toBe(rest.length)
    })
  })

  it('hashes batches on worker threads (the four hashes, as Python computes them) and leaves what it cannot give', async () => {
    await withStore(async (s, root) => {
      const { createHash } = await import('node:crypto')
      const { execFileSync } = await import('node:child_process')
      const idOf = (b: Buffer): string =>
        createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex')
      // Compressed, stored plainly (below the size compression is tried at), and empty.
      const random = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251))
      const datas = Array.from({ length: 70 }, (_, i) => text(i)).concat([
        Buffer.from('x'),
        Buffer.alloc(0),
        random,
      ])
      const items = datas.map((data) => ({ id: idOf(data), data }))
      await s.addBatch(items)
      // The expected hashes from Python's hashlib (not from the code under test).
      const py = execFileSync(
        'python3',
        [
          '-c',
          'import sys, hashlib, json\n' +
            'out = []\n' +
            'for h in json.load(sys.stdin):\n' +
            '  b = bytes.fromhex(h)\n' +
            '  g = hashlib.sha1(b"blob %d\\0" % len(b) + b).hexdigest()\n' +
            '  out.append([len(b), hashlib.sha1(b).hexdigest(), g, hashlib.sha256(b).hexdigest(), hashlib.blake2s(b).hexdigest()])\n' +
            'print(json.dumps(out))',
        ],
        { input: JSON.stringify(datas.map((d) => d.toString('hex'))), encoding: 'utf8' },
      )
      const expected = (JSON.parse(py) as [number, string, string, string, string][]).map(
        ([length, sha1, sha1Git, sha256, blake2s256]) => ({
          length,
          hashes: { sha1, sha1Git, sha256, blake2s256 },
        }),
      )
      const ids = items.map((x) => x.id)
      expect(await s.hashMany(ids)).toEqual(expected)
      // A corrupt entry (CRC) and an absent one are left undefined; the others are given.
      flipPackedByte(root, ids[7]!, 5)
      const absent = 'f'.repeat(40)
      const got = await s.hashMany([...ids, absent])
      expect(got[7]).toBeUndefined()
      expect(got[ids.length]).toBeUndefined()
      expect(got.filter((h, i) => i !== 7 && i < ids.length)).toEqual(
        expected.filter((_, i) => i !== 7),
      )
    })
  })

  it('drops a torn tail: nothing past the committed size is read, the next writer truncates it', async () => {
    const root = makeTemp('arca-packs-')
    try {
      const a = new PackObjStorage({ root })
      await a.open()
      await a.add(HELLO, Buffer.from('hello\n'))
      await a.close()
      const pack = join(
        root,
        readdirSync(root).find((n) => n.endsWith('.pack'))!,
      )
      const committed = statSync(pack).size
      // A writer killed mid-append leaves half an entry.
      appendFileSync(pack, Buffer.concat([Buffer.from('APK1'), Buffer.alloc(30, 7)]))
      const b = new PackObjStorage({ root })
      await b.open()
      expect(Buffer.from(await b.getBytes(HELLO, { verify: true })).toString()).toBe('hello\n')
      const bye = 'b023018cabc396e7692c70bbf5784a93d3f738ab' // printf 'bye\n' | git hash-object --stdin
      await b.add(bye, Buffer.from('bye\n'))
      const all: string[] = []
      for await (const id of b.list()) all.push(id)
      expect(all).toEqual([bye, HELLO])
      // b reused the released pack, appending where the committed bytes ended
      expect(readdirSync(root).filter((n) => n.endsWith('.pack'))).toHaveLength(1)
      expect(statSync(pack).size).toBeGreaterThan(committed)
      expect(Buffer.from(await b.getBytes(bye, { verify: true })).toString()).toBe('bye\n')
      expect(b.stats().deadBytes).toBe(0)
      await b.close()
    } finally {
      removeTemp(root)
    }
  })

  it('deletes for real: compaction reclaims the bytes and keeps every other content', async () => {
    await withStore(
      async (s, root) => {
        const { createHash } = await import('node:crypto')
        const items = Array.from({ length: 60 }, (_, i) => {
          const data = text(i)
          return {
            id: createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex'),
            data,
          }
        })
        await s.addBatch(items.slice(0, 30))
        await s.addBatch(items.slice(30))
        for (const it of items.slice(0, 20)) expect(await s.delete(it.id)).toBe(true)
        await s.replace(items[25]!.id, items[25]!.data)
        const before = s.stats()
        expect(before.deadBytes).toBeGreaterThan(0)
        const report = await s.compact()
        expect(report.bytesReclaimed).toBe(before.deadBytes)
        const after = s.stats()
        expect(after.deadBytes).toBe(0)
        expect(after.entries).toBe(40)
        expect(after.fileBytes).toBe(before.fileBytes - before.deadBytes)
        for (const it of items.slice(0, 20)) {
          expect(await s.has(it.id)).toBe(false)
          // the bytes are gone from every pack file
          for (const n of readdirSync(root).filter((x) => x.endsWith('.pack')))
            expect(readFileSync(join(root, n)).includes(Buffer.from(it.id, 'hex'))).toBe(false)
        }
        for (const it of items.slice(20))
          expect(Buffer.from(await s.getBytes(it.id, { verify: true })).equals(it.data)).toBe(true)
        // writing goes on after a compaction
        await s.add(HELLO, Buffer.from('hello\n'))
        expect(await s.has(HELLO)).toBe(true)
      },
      { maxPackSize: 16 << 10 },
    )
  })

  // decodePoolAfter 0: the batch goes to the decode pool at once; by default a store
  // decompresses its first 2048 entries in place
  it.each([
    ['on the decode pool', 0],
    ['in place', undefined],
  ])(
    'reads a batch across packs in any order, after a compaction too, naming the first corrupt entry (%s)',
    async (_how, decodePoolAfter) => {
      await withStore(
        async (s, root) => {
          const { createHash } = await import('node:crypto')
          const items = Array.from({ length: 100 }, (_, i) => {
            const data = text(i)
            return {
              id: createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex'),
              data,
            }
          })
          for (let i = 0; i < 100; i += 10) await s.addBatch(items.slice(i, i + 10))
          expect(readdirSync(root).filter((n) => n.endsWith('.pack')).length).toBeGreaterThan(1)
          // reversed, with a repeat: more than the pool's threshold (64) of compressed entries
          const order = [...items].reverse().concat([items[3]!])
          const check = async (): Promise<void> => {
            const got = await s.getBytesMany(order.map((it) => it.id))
            got.forEach((b, k) => expect(Buffer.from(b).equals(order[k]!.data)).toBe(true))
          }
          await check()
          for (const it of items.slice(0, 10)) await s.delete(it.id)
          order.splice(0, order.length, ...[...items.slice(10)].reverse())
          await s.compact()
          await check()
          flipPackedByte(root, items[40]!.id)
          flipPackedByte(root, items[50]!.id)
          const re = new RegExp(`swh:1:cnt:${items[50]!.id}.*corrupt.*CRC`)
          await expect(s.getBytesMany(order.map((it) => it.id))).rejects.toThrow(re)
        },
        { maxPackSize: 1 << 10, ...(decodePoolAfter === undefined ? {} : { decodePoolAfter }) },
      )
    },
  )
})
