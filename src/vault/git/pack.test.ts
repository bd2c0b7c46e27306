import { describe, expect, it } from 'vitest'

import { entryHeader } from './pack.js'

describe('pack entry framing', () => {
  it('writes type and size as gitformat-pack describes (worked by hand)', () => {
    // blob (3), size 10: one byte, 0b0_011_1010.
    expect([...entryHeader('blob', 10)]).toEqual([0x3a])
    // commit (1), size 300 = 0b1_0010_1100: 0b1_001_1100, then 300 >> 4 = 18.
    expect([...entryHeader('commit', 300)]).toEqual([0x9c, 0x12])
    // tree (2), size 0x12345 = 74565: low 4 bits 5, then 4660 = 0b100100_0110100 → 0xb4, 0x24.
    expect([...entryHeader('tree', 74565)]).toEqual([0xa5, 0xb4, 0x24])
  })
})
