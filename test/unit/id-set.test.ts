/** The compact id set behaves as a `Set` of hex strings, whether ids come as hex or as bytes. */
import { createHash } from 'node:crypto'

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { IdSet } from '../../src/model/index.js'

const id = (n: number): string => createHash('sha1').update(String(n)).digest('hex')

describe('IdSet', () => {
  it('agrees with a Set through growth, for hex and byte keys', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 4000 }), (ns) => {
        const set = new IdSet(4)
        const ref = new Set<string>()
        for (const [i, n] of ns.entries()) {
          const hex = id(n)
          const fresh = !ref.has(hex)
          ref.add(hex)
          // every other id as bytes at an offset inside a larger buffer
          if (i % 2 === 0) expect(set.add(hex)).toBe(fresh)
          else {
            const buf = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(hex, 'hex')])
            expect(set.addBytes(buf, 3)).toBe(fresh)
          }
        }
        expect(set.size).toBe(ref.size)
        for (let n = 0; n <= 3000; n += 7) {
          expect(set.has(id(n))).toBe(ref.has(id(n)))
          expect(set.hasBytes(Buffer.from(id(n), 'hex'))).toBe(ref.has(id(n)))
        }
      }),
      { numRuns: 30 },
    )
  })
})
