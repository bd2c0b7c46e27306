import { describe, expect, it } from 'vitest'

import { DeltaBases, OFS_DELTA, REF_DELTA } from './delta.js'
import { BlobDeltas } from './delta-writer.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Bases by hand: blobs 0, 2, 3 at /a (chain 0 ← 2 ← 3), blob 1 at /b alone. */
function bases(): DeltaBases {
  const b = new DeltaBases()
  b.add(0, '/a')
  b.add(1, '/b')
  b.add(2, '/a')
  b.add(3, '/a')
  b.doneWalking()
  return b
}

describe('BlobDeltas (the bases each batch of blobs is given)', () => {
  it('points at a base in the same batch instead of sending it again', () => {
    const d = new BlobDeltas(bases(), 'ofs')
    const inputs = ['a0', 'b1', 'a2', 'a3'].map(bytes)
    const got = d.choose(0, inputs)
    expect(got.inputs).toHaveLength(4) // nothing appended
    expect(got.inputBases).toEqual([-1, -1, 0, 2])
    expect(got.bases).toEqual([-1, -1, 0, 2])
  })

  it('sends a base of an earlier batch after the blobs, once, and drops it after its last use', () => {
    const d = new BlobDeltas(bases(), 'ofs')
    expect(d.choose(0, [bytes('a0'), bytes('b1')]).inputBases).toEqual([-1, -1])
    const got = d.choose(2, [bytes('a2')])
    expect(got.inputs.map((x) => Buffer.from(x).toString())).toEqual(['a2', 'a0'])
    expect(got.inputBases).toEqual([1])
    expect(got.bases).toEqual([0])
    // Blob 2 is the base of blob 3, in the next batch: kept; blob 0 is not sent again.
    const next = d.choose(3, [bytes('a3')])
    expect(next.inputs.map((x) => Buffer.from(x).toString())).toEqual(['a3', 'a2'])
    expect(next.bases).toEqual([2])
  })

  it('refers to a written base by offset distance (OFS_DELTA) or id (REF_DELTA)', () => {
    const id = 'ab'.repeat(20)
    const ofs = new BlobDeltas(bases(), 'ofs')
    ofs.written(0, 12, id)
    const r = ofs.reference(0, 2, 112)
    expect(r.type).toBe(OFS_DELTA)
    expect([...r.bytes]).toEqual([100]) // 100 < 128: one byte
    const ref = new BlobDeltas(bases(), 'ref')
    ref.written(0, 12, id)
    const s = ref.reference(0, 2, 112)
    expect(s.type).toBe(REF_DELTA)
    expect(Buffer.from(s.bytes).toString('hex')).toBe(id)
  })
})
