import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { DeflatePool } from './deflate-pool.js'
import { DeltaBases, MAX_DEPTH, OFS_DELTA, ofsDistance, REF_DELTA } from './delta.js'
import { entryHeader } from './pack.js'

const sha1 = (...parts: (string | Uint8Array)[]): string => {
  const h = createHash('sha1')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}
const blobId = (b: Uint8Array): string => sha1(`blob ${b.length}\0`, b)

/** Deterministic bytes of text-like lines. */
function text(seed: number, lines: number): Buffer {
  let s = seed
  const out: string[] = []
  for (let i = 0; i < lines; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    out.push(`line ${i} of ${seed}: ${'abcdefghij'.slice(0, s % 10)} ${s.toString(36)}`)
  }
  return Buffer.from(out.join('\n') + '\n')
}

describe('delta bases (by path, chains of at most MAX_DEPTH)', () => {
  it('links each blob to the previous one at its path and starts a new chain past the depth', () => {
    const b = new DeltaBases()
    b.add(0, '/a')
    b.add(1, '/b')
    b.add(2, '/a')
    b.add(3, null)
    expect([0, 1, 2, 3].map((i) => b.baseOf(i))).toEqual([-1, -1, 0, -1])
    expect(b.lastUseOf(0)).toBe(2)
    expect(b.lastUseOf(1)).toBe(-1)
    const c = new DeltaBases()
    for (let i = 0; i <= MAX_DEPTH + 1; i++) c.add(i, '/x')
    expect(c.baseOf(MAX_DEPTH)).toBe(MAX_DEPTH - 1)
    expect(c.baseOf(MAX_DEPTH + 1)).toBe(-1) // the chain was MAX_DEPTH long
  })

  it('encodes OFS_DELTA distances as gitformat-pack does (worked by hand)', () => {
    expect([...ofsDistance(1)]).toEqual([0x01])
    expect([...ofsDistance(127)]).toEqual([0x7f])
    // 128: low 7 bits 0, then 1 - 1 = 0 with the continuation bit.
    expect([...ofsDistance(128)]).toEqual([0x80, 0x00])
    // 16511 = 128 + 128 * 128 - 1: 0x7f, then (128 - 1) = 0x7f continued.
    expect([...ofsDistance(16511)]).toEqual([0xff, 0x7f])
  })
})

describe('deltas made on the deflate pool (git index-pack is the judge)', () => {
  const pool = new DeflatePool(1)
  const dir = mkdtempSync(join(tmpdir(), 'arca-delta-'))
  afterAll(async () => {
    await pool.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const base = text(1, 3000)
  const edited = Buffer.concat([
    Buffer.from('a new first line\n'),
    base.subarray(0, 20000),
    Buffer.from('an insertion in the middle\n'),
    base.subarray(20500, 60000),
    text(2, 50),
    base.subarray(61000),
  ])
  const targets = [
    edited,
    base.subarray(100), // a suffix of the base
    Buffer.concat([base, Buffer.from('appended\n')]),
    Buffer.concat([base.subarray(70000), base.subarray(0, 70000)]), // blocks moved
    Buffer.concat([base, base]), // copies longer than 0x10000 in total
    // One byte changed every 777 bytes and, further on, every 5,000: runs ending within the
    // encoder's byte-by-byte start, within its first native block and past it.
    Buffer.from(base.map((c, i) => (i % (i < 60000 ? 777 : 5000) === 500 ? c ^ 0x20 : c))),
    text(3, 3000), // nothing in common: sent whole
  ]

  it('gives deltas that git applies to the ids of the targets, and whole blobs when no delta pays', async () => {
    const inputs = [base, ...targets]
    const ids = inputs.map(blobId)
    // Every target against the base (input 0); the base itself whole.
    const got = await pool.run({
      ids,
      framed: false,
      inputs,
      level: 1,
      bases: [-1, ...targets.map(() => 0)],
    })
    if ('mismatch' in got) throw new Error('unexpected mismatch')
    expect(got.kinds).toEqual([0, 1, 1, 1, 1, 1, 1, 0])
    for (const [k, size] of got.sizes.entries()) {
      if (got.kinds[k] === 1) expect(size).toBeLessThan(inputs[k]!.length / 4)
    }
    for (const kind of [OFS_DELTA, REF_DELTA]) {
      const parts: Uint8Array[] = []
      const head = Buffer.alloc(12)
      head.write('PACK')
      head.writeUInt32BE(2, 4)
      head.writeUInt32BE(inputs.length, 8)
      parts.push(head)
      let offset = 12
      let baseOffset = 0
      got.data.forEach((z, k) => {
        const entry: Uint8Array[] = []
        if (got.kinds[k] === 0) entry.push(entryHeader('blob', got.sizes[k]!))
        else {
          entry.push(entryHeader(kind, got.sizes[k]!))
          entry.push(
            kind === OFS_DELTA ? ofsDistance(offset - baseOffset) : Buffer.from(ids[0]!, 'hex'),
          )
        }
        entry.push(z)
        if (k === 0) baseOffset = offset
        for (const e of entry) offset += e.length
        parts.push(...entry)
      })
      const pack = Buffer.concat(parts)
      const whole = Buffer.concat([pack, createHash('sha1').update(pack).digest()])
      const repo = join(dir, `repo-${kind}`)
      execFileSync('git', ['init', '-q', '--bare', repo])
      execFileSync('git', ['-C', repo, 'index-pack', '--stdin', '--strict'], { input: whole })
      for (const [k, input] of inputs.entries()) {
        const out = execFileSync('git', ['-C', repo, 'cat-file', 'blob', ids[k]!], {
          maxBuffer: 1 << 24,
        })
        expect(out.equals(input)).toBe(true)
      }
    }
  })
})
