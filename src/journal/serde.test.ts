import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import {
  contentArb,
  directoryArb,
  releaseArb,
  revisionArb,
  snapshotArb,
} from '../../test/arbitraries.js'
import { makeExtId, utf8, verify } from '../model/index.js'
import { decodeValue, encodeRecord } from './serde.js'

describe('journal serde', () => {
  it('round-trips every hashed kind with ids intact', () => {
    fc.assert(
      fc.property(
        contentArb,
        directoryArb,
        revisionArb,
        releaseArb,
        snapshotArb,
        (c, d, r, rel, s) => {
          const { data: _data, ...content } = c
          expect(decodeValue('content', encodeRecord('content', content).value)).toEqual(content)
          const dir = decodeValue('directory', encodeRecord('directory', d).value)
          verify.directory(dir)
          expect(dir.id).toBe(d.id)
          const rev = decodeValue('revision', encodeRecord('revision', r).value)
          verify.revision(rev)
          const rl = decodeValue('release', encodeRecord('release', rel).value)
          verify.release(rl)
          const snp = decodeValue('snapshot', encodeRecord('snapshot', s).value)
          verify.snapshot(snp)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('round-trips origins, visits, statuses, extids, skipped contents', () => {
    const date = new Date('2024-05-06T07:08:09.123Z')
    const cases = [
      ['origin', { url: 'https://example.org/x' }],
      ['origin_visit', { origin: 'https://example.org/x', visit: 3, date, type: 'git' }],
      [
        'origin_visit_status',
        {
          origin: 'https://example.org/x',
          visit: 3,
          date,
          type: 'git',
          status: 'full',
          snapshot: 'a'.repeat(40),
          metadata: { eventful: true },
        },
      ],
      [
        'extid',
        makeExtId({
          extidType: 'hg-nodeid',
          extid: utf8('node'),
          extidVersion: 0,
          target: { type: 'rev', id: 'b'.repeat(40) },
          payloadType: null,
          payload: null,
        }),
      ],
      [
        'skipped_content',
        {
          sha1: null,
          sha1Git: 'c'.repeat(40),
          sha256: null,
          blake2s256: null,
          length: 9,
          status: 'absent',
          reason: 'too large',
          origin: null,
          ctime: null,
        },
      ],
    ] as const
    for (const [topic, obj] of cases) {
      expect(decodeValue(topic, encodeRecord(topic, obj as never).value)).toEqual(obj)
    }
  })

  it('round-trips removal records (takedown topic, action remove), SWHIDs in order', () => {
    const rec = {
      id: 'rm-20261202T140000-0a1b2c3d/2-of-3',
      swhids: [
        `swh:1:ori:${'a'.repeat(40)}`,
        `swh:1:snp:${'b'.repeat(40)}`,
        `swh:1:cnt:${'c'.repeat(40)}`,
      ],
      action: 'remove' as const,
      reason: 'court order 7',
      date: new Date('2026-12-02T14:00:00.123Z'),
    }
    expect(decodeValue('takedown', encodeRecord('takedown', rec).value)).toEqual(rec)
    const bad = encodeRecord('takedown', { ...rec, action: 'erase' as never }).value
    expect(() => decodeValue('takedown', bad)).toThrow(/action/)
  })

  it('rejects malformed values with a message naming the field', () => {
    expect(() => decodeValue('revision', Uint8Array.of(0xc1))).toThrow(/not msgpack|Malformed/)
    const good = encodeRecord('origin', { url: 'x' }).value
    expect(() => decodeValue('directory', good)).toThrow(/field "id"/)
  })
})
