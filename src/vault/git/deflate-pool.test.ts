import { createHash } from 'node:crypto'
import { inflateSync } from 'node:zlib'

import { describe, expect, it } from 'vitest'

import { DeflatePool } from './deflate-pool.js'

const sha1 = (...parts: (string | Buffer)[]): string => {
  const h = createHash('sha1')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

describe('deflate pool', () => {
  const pool = new DeflatePool(1)
  const blobs = [Buffer.alloc(0), Buffer.from('hello\n'), Buffer.from('x'.repeat(5000))]

  it('compresses blob bodies and framed objects, checking each id (zlib and sha1 are the judges)', async () => {
    const ids = blobs.map((b) => sha1(`blob ${b.length}\0`, b))
    const got = await pool.run({ ids, framed: false, inputs: blobs, level: 1 })
    if ('mismatch' in got) throw new Error('unexpected mismatch')
    expect(got.sizes).toEqual(blobs.map((b) => b.length))
    got.data.forEach((z, k) => expect(inflateSync(z).equals(blobs[k]!)).toBe(true))
    const body = Buffer.from('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n')
    const framed = Buffer.concat([Buffer.from(`commit ${body.length}\0`), body])
    const one = await pool.run({ ids: [sha1(framed)], framed: true, inputs: [framed], level: 1 })
    if ('mismatch' in one) throw new Error('unexpected mismatch')
    expect(one.sizes).toEqual([body.length])
    expect(inflateSync(one.data[0]!).equals(body)).toBe(true)
  })

  it('small objects go as stored zlib streams that inflate back to their bytes', async () => {
    const inputs = [0, 1, 100, 511].map((n) => {
      const b = Buffer.alloc(n)
      for (let i = 0; i < n; i++) b[i] = (i * 7919) & 0xff
      return b
    })
    const ids = inputs.map((b) => sha1(`blob ${b.length}\0`, b))
    const got = await pool.run({ ids, framed: false, inputs, level: 9 })
    if ('mismatch' in got) throw new Error('unexpected mismatch')
    got.data.forEach((z, k) => {
      expect(z[0]).toBe(0x78)
      expect(z.length).toBe(inputs[k]!.length + 11) // zlib header, one stored block, Adler-32
      expect(inflateSync(z).equals(inputs[k]!)).toBe(true)
    })
  })

  it('lends a buffer its inputs cover exactly (detached, not copied), the others joined', async () => {
    const lent = new ArrayBuffer(3 << 16)
    const all = new Uint8Array(lent)
    for (let i = 0; i < all.length; i++) all[i] = (i * 31) % 251
    // Out of order in the buffer, one input from elsewhere between them.
    const inputs = [
      new Uint8Array(lent, 1 << 16, 2 << 16),
      Buffer.from('another\n'),
      new Uint8Array(lent, 0, 1 << 16),
    ]
    const copies = inputs.map((x) => Buffer.from(x))
    const ids = copies.map((b) => sha1(`blob ${b.length}\0`, b))
    const got = await pool.run({ ids, framed: false, inputs, level: 1, lend: true })
    if ('mismatch' in got) throw new Error('unexpected mismatch')
    expect(lent.byteLength).toBe(0) // handed over
    got.data.forEach((z, k) => expect(inflateSync(z).equals(copies[k]!)).toBe(true))
    // A buffer holding anything else is copied, not lent.
    const partly = new ArrayBuffer(2 << 16)
    const view = new Uint8Array(partly, 0, 1 << 16)
    const once = await pool.run({
      ids: [sha1(`blob ${view.length}\0`, Buffer.from(view))],
      framed: false,
      inputs: [view],
      level: 1,
      lend: true,
    })
    if ('mismatch' in once) throw new Error('unexpected mismatch')
    expect(partly.byteLength).toBe(2 << 16)
  })

  it('names the first object whose bytes do not hash to its id', async () => {
    const ids = blobs.map((b) => sha1(`blob ${b.length}\0`, b))
    ids[1] = '0'.repeat(40)
    expect(await pool.run({ ids, framed: false, inputs: blobs, level: 1 })).toEqual({
      mismatch: 1,
    })
  })
})
