/**
 * Rate specs of `arca serve --rate scope=rate`: counts per second, minute, hour or day, the
 * scopes of Software Heritage's web API (swh/web/config.py: swh_api, swh_api_origin_search,
 * swh_api_origin_visit_latest, swh_raw_object) and Arca's mirror feed (swh_api_mirror), Save Code Now's (swh_save_origin, swh_save_origin_post). The
 * expected values are worked by hand.
 */
import { describe, expect, it } from 'vitest'

import { parseRate, parseScopedRate } from '../../src/web/middleware/rate-limit.js'

describe('parseRate', () => {
  it('reads a count per unit, every spelling of each unit', () => {
    const cases: [string, number, number][] = [
      ['5/s', 5, 1],
      ['5/sec', 5, 1],
      ['5/second', 5, 1],
      ['10/m', 10, 60],
      ['10/min', 10, 60],
      ['10/minute', 10, 60],
      ['120/h', 120, 3600],
      ['120/hour', 120, 3600],
      ['1000/d', 1000, 86400],
      ['1000/day', 1000, 86400],
      // Case and spaces around the slash do not matter; 0 is a rate (nothing allowed).
      ['120/H', 120, 3600],
      ['7/Min', 7, 60],
      [' 120 / h ', 120, 3600],
      ['0/h', 0, 3600],
      ['007/s', 7, 1],
      ['9007199254740991/d', 9007199254740991, 86400],
    ]
    for (const [text, count, seconds] of cases)
      expect(parseRate(text), text).toEqual({ count, seconds })
  })

  it('refuses anything else, naming the input and the expected form', () => {
    const bad = [
      '',
      '120',
      '/h',
      '120/',
      '120/w',
      '120/hours',
      '120/ms',
      '-1/h',
      '1.5/h',
      '1e3/h',
      'abc/h',
      '120/h/x',
      '120 per hour',
      '120/h;',
      '١٢٠/h',
    ]
    for (const text of bad) {
      expect(() => parseRate(text), JSON.stringify(text)).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          message: `Invalid rate "${text}": use e.g. 120/h, 10/min`,
        }) as Error,
      )
    }
    // 2^53: more than a count can hold exactly.
    expect(() => parseRate('9007199254740992/h')).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: 'Invalid rate "9007199254740992/h": the count is too large',
      }) as Error,
    )
  })
})

describe('parseScopedRate (--rate scope=rate)', () => {
  it('takes each scope', () => {
    expect(parseScopedRate('swh_api=5000/h')).toEqual(['swh_api', { count: 5000, seconds: 3600 }])
    expect(parseScopedRate('swh_api_origin_search=20/min')).toEqual([
      'swh_api_origin_search',
      { count: 20, seconds: 60 },
    ])
    expect(parseScopedRate('swh_api_origin_visit_latest=1400/m')).toEqual([
      'swh_api_origin_visit_latest',
      { count: 1400, seconds: 60 },
    ])
    expect(parseScopedRate('swh_raw_object=10/s')).toEqual([
      'swh_raw_object',
      { count: 10, seconds: 1 },
    ])
    expect(parseScopedRate('swh_api_mirror=1000000/d')).toEqual([
      'swh_api_mirror',
      { count: 1_000_000, seconds: 86400 },
    ])
    // The first '=' splits; the rate may have spaces.
    expect(parseScopedRate('swh_api= 60 / min')).toEqual(['swh_api', { count: 60, seconds: 60 }])
  })

  it('refuses a spec without a scope, an unknown scope, or a bad rate, saying which', () => {
    expect(() => parseScopedRate('120/h')).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: 'Invalid --rate "120/h": use scope=rate, e.g. swh_api=120/h',
      }) as Error,
    )
    for (const scope of ['swh_apii', 'SWH_API', '', 'toString', '__proto__', 'constructor']) {
      expect(() => parseScopedRate(`${scope}=120/h`), scope).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          message:
            `Invalid --rate "${scope}=120/h": unknown scope "${scope}" (scopes: swh_api, ` +
            'swh_api_origin_search, swh_api_code_search, swh_api_origin_visit_latest, swh_api_metadata_citation, swh_raw_object, ' +
            'swh_api_mirror, swh_save_origin, swh_save_origin_post, swh_vault_cooking, swh_vault_cooking_get, ' +
            'swh_add_forge_now, swh_add_forge_now_post)',
        }) as Error,
      )
    }
    expect(() => parseScopedRate('swh_api=120/week')).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: 'Invalid rate "120/week": use e.g. 120/h, 10/min',
      }) as Error,
    )
    expect(() => parseScopedRate('swh_api=')).toThrow(/Invalid rate ""/)
  })
})
