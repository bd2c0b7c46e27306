/**
 * Microsecond dates: the Web API's visit dates are written as Python's `isoformat()` writes a
 * UTC datetime (what Software Heritage's API shows); the journal keeps the microseconds and
 * stays readable by a reader that keeps milliseconds.
 */
import { decode, encode } from '@msgpack/msgpack'
import { describe, expect, it } from 'vitest'

import { decodeValue, encodeRecord } from '../../src/journal/serde.js'
import { isoformatUtc } from '../../src/model/micro-date.js'
import type { OriginVisitStatus } from '../../src/model/objects.js'
import { visitJson } from '../../src/views/json.js'

describe('visit dates in the Web API', () => {
  it('are isoformat() of the UTC date: six digits of fraction, none when zero', () => {
    // python3 -c "import datetime as d; print(d.datetime(2023,1,5,10,12,13,123456,d.timezone.utc).isoformat())"
    expect(isoformatUtc(new Date('2023-01-05T10:12:13.123Z'), 456)).toBe(
      '2023-01-05T10:12:13.123456+00:00',
    )
    expect(isoformatUtc(new Date('2023-01-05T10:12:13.000Z'), 7)).toBe(
      '2023-01-05T10:12:13.000007+00:00',
    )
    expect(isoformatUtc(new Date('2023-01-05T10:12:13.120Z'))).toBe(
      '2023-01-05T10:12:13.120000+00:00',
    )
    expect(isoformatUtc(new Date('2023-01-05T10:12:13Z'))).toBe('2023-01-05T10:12:13+00:00')
    const v = {
      origin: 'https://example.org/x',
      visit: 1,
      date: new Date('2023-01-05T10:12:13.123Z'),
      dateExtraMicros: 456,
      type: 'git',
    }
    expect(visitJson(v, null)['date']).toBe('2023-01-05T10:12:13.123456+00:00')
  })
})

describe('visit status dates in the journal', () => {
  const status: OriginVisitStatus = {
    origin: 'https://example.org/x',
    visit: 2,
    date: new Date('2023-01-05T10:12:13.123Z'),
    dateExtraMicros: 456,
    type: 'git',
    status: 'full',
    snapshot: null,
    metadata: null,
  }

  it('keep their microseconds, in the msgpack timestamp', () => {
    expect(
      decodeValue('origin_visit_status', encodeRecord('origin_visit_status', status).value),
    ).toEqual(status)
    const { dateExtraMicros: _, ...ms } = status
    expect(
      decodeValue('origin_visit_status', encodeRecord('origin_visit_status', ms).value),
    ).toEqual(ms)
    // Two statuses one microsecond apart have different journal keys.
    const next = { ...status, dateExtraMicros: 457 }
    expect(Buffer.from(encodeRecord('origin_visit_status', next).key)).not.toEqual(
      Buffer.from(encodeRecord('origin_visit_status', status).key),
    )
  })

  it('are readable by a plain msgpack reader (milliseconds), and read what one wrote', () => {
    const plain = decode(encodeRecord('origin_visit_status', status).value) as { date: Date }
    expect(plain.date).toEqual(new Date('2023-01-05T10:12:13.123Z'))
    // A record as the previous format wrote it: a Date, milliseconds.
    const old = encode({
      origin: status.origin,
      visit: 2,
      date: new Date('2023-01-05T10:12:13.123Z'),
      status: 'full',
      snapshot: null,
      metadata: null,
      type: 'git',
    })
    const back = decodeValue('origin_visit_status', old)
    expect(back.date.toISOString()).toBe('2023-01-05T10:12:13.123Z')
    expect(back.dateExtraMicros).toBeUndefined()
  })
})
