/**
 * SWHID grammar cases worked by hand from shared/spec/swhid.md §2 (not from Arca's output):
 * one parser for the library and the CLI, errors that name what is wrong.
 */
import { describe, expect, it } from 'vitest'

import {
  formatSwhid,
  makeRelease,
  parseCoreSwhid,
  parseQualifiedSwhid,
  parseSwhid,
  type ReleaseTargetType,
} from '../../src/model/index.js'
import { arca } from '../helpers/cli.js'

const ID = '94a9ed024d3859793618152ea559a168bbcbb5e2'
const SNP = 'd7f1b9eb7ccb596c2622c4780febaa02549830f9'

describe('the lines qualifier takes ASCII digits only (spec §2.2 grammar: N or N-M)', () => {
  it.each([
    ['lines=9', [9, null]],
    ['lines=9-15', [9, 15]],
    ['lines=007-010', [7, 10]],
    ['lines=0', [0, null]],
    ['lines=10-5', [10, 5]],
  ] as const)('%s is accepted', (tail, lines) => {
    expect(parseQualifiedSwhid(`swh:1:cnt:${ID};${tail}`).qualifiers.lines).toEqual(lines)
  })
  it.each(['1_0', '+5', '1-+2', '١', '5-', '-5', '1-2-3', '', ' 1', '0x10'])(
    'lines=%s is refused, naming the qualifier',
    (value) => {
      expect(() => parseQualifiedSwhid(`swh:1:cnt:${ID};lines=${value}`)).toThrow(
        /Invalid SWHID.*"lines"|Invalid SWHID.*whitespace/,
      )
    },
  )
})

describe('extended types (ori, emd) take no qualifiers', () => {
  it('parseSwhid accepts ori and emd without qualifiers, core types with them', () => {
    expect(parseSwhid(`swh:1:ori:${ID}`)).toEqual({ type: 'ori', id: ID })
    expect(parseSwhid(`swh:1:emd:${ID}`)).toEqual({ type: 'emd', id: ID })
    expect(formatSwhid(parseSwhid(`swh:1:cnt:${ID};lines=2;origin=https://x.org/r`))).toBe(
      `swh:1:cnt:${ID};origin=https://x.org/r;lines=2`,
    )
  })
  it.each(['emd', 'ori'])('swh:1:%s:…;lines=1 is refused: no qualifiers on that type', (t) => {
    expect(() => parseSwhid(`swh:1:${t}:${ID};lines=1`)).toThrow(
      new RegExp(`object type "${t}" takes no qualifiers`),
    )
    expect(() => parseQualifiedSwhid(`swh:1:${t}:${ID};lines=1`)).toThrow(/takes no qualifiers/)
  })
  it('a qualified parser given a bare ori does not talk about qualifiers', () => {
    let message = ''
    try {
      parseQualifiedSwhid(`swh:1:ori:${ID}`)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/object type "ori" is an extended type; expected one of cnt/)
    expect(message).not.toMatch(/qualifier/)
  })
  it('core parser still refuses qualifiers', () => {
    expect(() => parseCoreSwhid(`swh:1:cnt:${ID};lines=1`)).toThrow(/takes no qualifiers/)
  })
})

describe('arca swhid uses the library parser', () => {
  it('accepts what the library accepts, refuses what it refuses, with the same reason', () => {
    const ok = arca(['swhid', `swh:1:ori:${ID}`, `swh:1:rev:${ID};visit=swh:1:snp:${SNP}`])
    expect(ok.status).toBe(0)
    expect(ok.stdout).toBe(`swh:1:ori:${ID}\nswh:1:rev:${ID};visit=swh:1:snp:${SNP}\n`)
    for (const bad of [`swh:1:emd:${ID};lines=1`, `swh:1:cnt:${ID};lines=1_0`]) {
      const r = arca(['swhid', bad])
      expect(r.status, bad).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/takes no qualifiers|"lines" qualifier "1_0" is not N or N-M/)
    }
  })
})

describe('makeRelease', () => {
  it('an unknown target type is an input error naming the type', () => {
    expect(() =>
      makeRelease({
        name: new TextEncoder().encode('v1'),
        target: ID,
        targetType: 'tree' as ReleaseTargetType,
        author: null,
        date: null,
        message: null,
      }),
    ).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringMatching(/"tree"/) }),
    )
  })
})
