/**
 * Offsets as swh-model reads them (the examples of its offset parser's documentation, worked
 * by hand), and the day limit of Python's fixed offsets.
 */
import { describe, expect, it } from 'vitest'

import { readOffset } from '../../src/model/offset.js'

const read = (s: string) => readOffset(Buffer.from(s, 'latin1'))

describe('readOffset', () => {
  it('reads [+-]HHMM, +HMM and +HH; nonsense is UTC', () => {
    const cases: [string, number][] = [
      ['+0000', 0],
      ['+0200', 120],
      ['-0200', -120],
      ['+200', 120],
      ['-200', -120],
      ['+02', 120],
      ['-02', -120],
      ['+0010', 10],
      ['-0010', -10],
      ['+0530', 330],
      ['+200000000000000000', 0],
      ['+0160', 0],
      ['', 0],
      ['0200', 0],
    ]
    for (const [raw, minutes] of cases) expect(read(raw).minutes, raw).toBe(minutes)
    for (const raw of ['+0000', '+0200', '+200', '-0010']) expect(read(raw).problem, raw).toBeNull()
    for (const raw of ['+0160', '0200', '']) expect(read(raw).problem, raw).toMatch(/not an offset/)
  })

  it('under a day is shown, a day or more is UTC; -0000 is named', () => {
    expect(read('+2359')).toEqual({ minutes: 1439, problem: null })
    expect(read('-2359')).toEqual({ minutes: -1439, problem: null })
    expect(read('+2400').minutes).toBe(0)
    expect(read('+2400').problem).toMatch(/24 hours or more/)
    expect(read('-9959').minutes).toBe(0)
    expect(read('-0000').minutes).toBe(0)
    expect(read('-0000').problem).toMatch(/negative zero/)
  })

  it('an offset with whitespace around its number reads as HHMM, minutes carried', () => {
    expect(read('+0200\r').minutes).toBe(120)
    expect(read('+0200\r').problem).toMatch(/read as \+02:00/)
    expect(read('- 0130').minutes).toBe(-90)
  })
})
