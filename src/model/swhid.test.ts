import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { coreSwhidArb, qualifiedSwhidArb } from '../../test/arbitraries.js'
import { toHex } from './bytes.js'
import { formatSwhid, parseCoreSwhid, parseQualifiedSwhid, type QualifiedSwhid } from './swhid.js'

function normalise(q: QualifiedSwhid): unknown {
  const { origin, visit, anchor, path, lines } = q.qualifiers
  return {
    type: q.type,
    id: q.id,
    origin: origin ?? null,
    visit: visit ?? null,
    anchor: anchor ?? null,
    path: path === undefined ? null : toHex(path),
    lines: lines ?? null,
  }
}

describe('SWHID format and parse', () => {
  it('parse ∘ format is the identity on qualified SWHIDs', () => {
    fc.assert(
      fc.property(qualifiedSwhidArb, (q) => {
        const text = formatSwhid(q)
        expect(normalise(parseQualifiedSwhid(text))).toEqual(normalise(q))
      }),
      { numRuns: 500 },
    )
  })

  it('format ∘ parse is the identity on canonical strings', () => {
    fc.assert(
      fc.property(qualifiedSwhidArb, (q) => {
        const text = formatSwhid(q)
        expect(formatSwhid(parseQualifiedSwhid(text))).toBe(text)
      }),
      { numRuns: 500 },
    )
  })

  it('core SWHIDs round-trip and reject qualifiers', () => {
    fc.assert(
      fc.property(coreSwhidArb, (c) => {
        const text = formatSwhid(c)
        expect(parseCoreSwhid(text)).toEqual(c)
        expect(() => parseCoreSwhid(text + ';lines=1')).toThrow(/takes no qualifiers/)
      }),
    )
  })

  it('names the offending part', () => {
    expect(() => parseCoreSwhid('swh:1:foo:' + '0'.repeat(40))).toThrow(/object type "foo"/)
    expect(() => parseCoreSwhid('swh:2:cnt:' + '0'.repeat(40))).toThrow(/scheme version "2"/)
    expect(() => parseCoreSwhid('swh:1:cnt:' + 'A'.repeat(40))).toThrow(/lowercase/)
    expect(() => parseQualifiedSwhid('swh:1:cnt:' + '0'.repeat(40) + ';lines=1-')).toThrow(
      /"lines"/,
    )
    expect(() =>
      parseQualifiedSwhid('swh:1:cnt:' + '0'.repeat(40) + ';visit=swh:1:rev:' + '0'.repeat(40)),
    ).toThrow(/"visit" qualifier must be a snp/)
  })
})
