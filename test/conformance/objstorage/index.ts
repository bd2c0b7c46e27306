/**
 * The content store conformance suite: one function, run by each backend's spec file.
 */
import { createHash } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeContent, utf8 } from '../../../src/index.js'
import type { ObjStorage } from '../../../src/objstorage/interface.js'

/** How a backend's spec gives the suite a store, and a way to corrupt an object. */
export interface ObjStorageSuiteContext {
  setup(): Promise<ObjStorage>
  teardown(store: ObjStorage): Promise<void>
  /** Replaces the stored bytes of `id` behind the store's back (to test verification). */
  corrupt?(store: ObjStorage, id: string): Promise<void>
}

const idOf = (data: Uint8Array): string => makeContent(data).sha1Git

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of it) parts.push(c)
  return Buffer.concat(parts)
}

/** Registers the content store conformance tests. */
export function objStorageConformanceTests(name: string, ctx: ObjStorageSuiteContext): void {
  describe(`objstorage: ${name}`, () => {
    let s: ObjStorage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('adds, has, gets bytes back; adding again is a no-op', async () => {
      const data = utf8(`hello ${name}\n`)
      const id = idOf(data)
      expect(await s.has(id)).toBe(false)
      await s.add(id, data)
      await s.add(id, data)
      expect(await s.has(id)).toBe(true)
      expect(Buffer.from(await s.getBytes(id)).equals(Buffer.from(data))).toBe(true)
      expect(await s.missing([id, '0'.repeat(40)])).toEqual(['0'.repeat(40)])
    })

    it('streams large contents in and out, and verifies them', async () => {
      const size = 5 * 1024 * 1024 + 17
      const chunk = Buffer.alloc(1 << 20)
      for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff
      async function* source(): AsyncIterable<Uint8Array> {
        let left = size
        while (left > 0) {
          const n = Math.min(left, chunk.length)
          yield await Promise.resolve(chunk.subarray(0, n))
          left -= n
        }
      }
      const hash = createHash('sha1').update(`blob ${size}\0`)
      for await (const c of source()) hash.update(c)
      const id = hash.digest('hex')
      await s.add(id, source())
      let total = 0
      let chunks = 0
      for await (const c of s.get(id, { verify: true })) {
        total += c.length
        chunks++
      }
      expect(total).toBe(size)
      expect(chunks).toBeGreaterThan(1)
    })

    it('reads many contents at once, in the order asked, duplicates and empty ones included', async () => {
      const datas = [utf8(`many ${name} a\n`), utf8(''), utf8(`many ${name} b`.repeat(100))]
      for (const d of datas) await s.add(idOf(d), d)
      const ids = [datas[2]!, datas[0]!, datas[1]!, datas[0]!].map(idOf)
      const got = await s.getBytesMany(ids)
      expect(got.map((b) => Buffer.from(b).toString())).toEqual(
        [datas[2]!, datas[0]!, datas[1]!, datas[0]!].map((d) => Buffer.from(d).toString()),
      )
      expect(await s.getBytesMany([])).toEqual([])
      const absent = '2'.repeat(40)
      await expect(s.getBytesMany([ids[0]!, absent])).rejects.toThrow(
        new RegExp(`swh:1:cnt:${absent}.*not in the content store`),
      )
      await expect(s.getBytesMany(['XYZ'])).rejects.toThrow(/Invalid content id/)
    })

    it('throws NotFound for an absent object', async () => {
      await expect(s.getBytes('1'.repeat(40))).rejects.toThrow(/not in the content store/)
    })

    it('rejects malformed ids', async () => {
      await expect(s.add('XYZ', utf8('x'))).rejects.toThrow(/Invalid content id/)
    })

    it('lists ids in order within a hash range', async () => {
      const ids: string[] = []
      for (let i = 0; i < 30; i++) {
        const data = utf8(`list ${name} ${i}`)
        ids.push(idOf(data))
        await s.add(idOf(data), data)
      }
      const all: string[] = []
      for await (const id of s.list()) all.push(id)
      expect(all).toEqual([...all].sort())
      for (const id of ids) expect(all).toContain(id)
      const from = '4'
      const to = 'c'
      const part: string[] = []
      for await (const id of s.list({ from, to })) part.push(id)
      expect(part).toEqual(all.filter((id) => id >= from && id < to))
    })

    it.runIf(ctx.corrupt !== undefined)(
      'replace rewrites corrupt bytes in place, and adds an absent object',
      async () => {
        const data = utf8(`replace me ${name}\n`)
        const id = idOf(data)
        await s.add(id, data)
        await ctx.corrupt!(s, id)
        await s.add(id, data) // add is a no-op on a present id, corrupt or not
        expect(Buffer.from(await s.getBytes(id)).equals(Buffer.from(data))).toBe(false)
        await s.replace(id, data)
        expect(Buffer.from(await s.getBytes(id)).equals(Buffer.from(data))).toBe(true)
        const other = utf8(`replaced while absent ${name}`)
        await s.replace(idOf(other), other)
        expect(Buffer.from(await s.getBytes(idOf(other))).equals(Buffer.from(other))).toBe(true)
      },
    )

    it('deletes', async () => {
      const data = utf8(`delete me ${name}`)
      const id = idOf(data)
      await s.add(id, data)
      expect(await s.delete(id)).toBe(true)
      expect(await s.has(id)).toBe(false)
      expect(await s.delete(id)).toBe(false)
    })

    it.runIf(ctx.corrupt !== undefined)(
      'verify-on-read detects corruption, naming the object',
      async () => {
        const data = utf8(`precious ${name}`)
        const id = idOf(data)
        await s.add(id, data)
        await ctx.corrupt!(s, id)
        await expect(collect(s.get(id, { verify: true }))).rejects.toThrow(
          new RegExp(`swh:1:cnt:${id}.*corrupt`),
        )
        await expect(s.getBytesMany([id], { verify: true })).rejects.toThrow(
          new RegExp(`swh:1:cnt:${id}.*corrupt`),
        )
      },
    )
  })
}
