import { encode } from '@msgpack/msgpack'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { directoryArb } from '../../test/arbitraries.js'
import type { Directory } from '../model/index.js'
import { packDirectoryRecord } from './serde-fast.js'

// The expected bytes come from the msgpack library itself, given the dict of SWH's
// `Directory.to_dict()` built here by hand (key order id, entries, raw_manifest; entries name,
// type, target, perms).
function expected(d: Directory): Uint8Array {
  return encode({
    id: Buffer.from(d.id, 'hex'),
    entries: d.entries.map((e) => ({
      name: e.name,
      type: e.type,
      target: Buffer.from(e.target, 'hex'),
      perms: e.perms,
    })),
    raw_manifest: d.rawManifest,
  })
}

const hexId = (n: number): string => n.toString(16).padStart(40, '0')

function dir(entries: Directory['entries'], rawManifest: Uint8Array | null = null): Directory {
  return { id: hexId(999), entries, rawManifest }
}

describe('packDirectoryRecord', () => {
  it('writes the bytes msgpack writes for the directory dict', () => {
    fc.assert(
      fc.property(directoryArb, (d) => {
        expect(Buffer.from(packDirectoryRecord(d)!)).toEqual(Buffer.from(expected(d)))
      }),
      { numRuns: 200 },
    )
  })

  it('uses the wider headers where msgpack does (16+ entries, long names, raw manifests, small and large perms)', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => ({
      name: Buffer.from(`f${i}`),
      type: 'file' as const,
      perms: 0o100644,
      target: hexId(i),
    }))
    const cases: Directory[] = [
      dir([]),
      dir(many.slice(0, 15)),
      dir(many.slice(0, 16)),
      dir(many),
      dir([{ name: Buffer.alloc(255, 97), type: 'dir', perms: 0o40000, target: hexId(1) }]),
      dir([{ name: Buffer.alloc(256, 97), type: 'rev', perms: 0o160000, target: hexId(2) }]),
      dir([{ name: Buffer.alloc(70_000, 98), type: 'file', perms: 0o644, target: hexId(3) }]),
      dir([{ name: Buffer.from('a'), type: 'file', perms: 5, target: hexId(4) }]),
      dir([{ name: Buffer.from('b'), type: 'file', perms: 200, target: hexId(5) }]),
      dir([{ name: Buffer.from('c'), type: 'file', perms: 0xffffffff, target: hexId(6) }]),
      dir([], Buffer.from('tree 0\0')),
      dir([], Buffer.alloc(300, 1)),
      dir([], Buffer.alloc(70_000, 2)),
    ]
    for (const d of cases) {
      const got = Buffer.from(packDirectoryRecord(d)!)
      // Compared with equals: a deep comparison of megabyte buffers is slow.
      expect(got.equals(Buffer.from(expected(d))), `${d.entries.length} entries`).toBe(true)
    }
  })

  it('leaves malformed ids and out-of-range perms to the generic coder', () => {
    const entry = {
      name: Buffer.from('a'),
      type: 'file' as const,
      perms: 0o100644,
      target: hexId(1),
    }
    expect(packDirectoryRecord({ ...dir([entry]), id: 'ABCD'.repeat(10) })).toBeNull()
    expect(packDirectoryRecord(dir([{ ...entry, target: 'zz'.repeat(20) }]))).toBeNull()
    expect(packDirectoryRecord(dir([{ ...entry, target: '00' }]))).toBeNull()
    expect(packDirectoryRecord(dir([{ ...entry, perms: -1 }]))).toBeNull()
    expect(packDirectoryRecord(dir([{ ...entry, perms: 2 ** 33 }]))).toBeNull()
  })
})
