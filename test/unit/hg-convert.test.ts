/**
 * Software Heritage's hg conventions worked by hand (swh-loader-mercurial `loader.py`,
 * `hgutil.branching_info`): extra headers, and branch names of heads, bookmarks and tags.
 */
import { describe, expect, it } from 'vitest'

import { type Changeset, extraHeaders, hgBranches } from '../../src/loader/hg/convert.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const text = (u: Uint8Array): string => Buffer.from(u).toString('latin1')

describe('hg conventions', () => {
  it('extra headers: time_offset_seconds first, branch default left out, transplant_source in hex', () => {
    const cs: Changeset = {
      rev: 0,
      node: Buffer.alloc(20),
      parentRevs: [],
      user: b('u'),
      seconds: 0,
      offset: '-19800',
      description: b(''),
      extras: [
        [b('branch'), b('default')],
        [b('close'), b('1')],
        [b('transplant_source'), Buffer.from([0xab, 0x01])],
      ],
    }
    expect(extraHeaders(cs).map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual([
      'time_offset_seconds=-19800',
      'close=1',
      'transplant_source=ab01',
    ])
    const other = { ...cs, extras: [[b('branch'), b('stable')]] as [Buffer, Buffer][] }
    expect(extraHeaders(other).map(([k]) => text(k))).toEqual(['time_offset_seconds', 'branch'])
  })

  it('branches: tips, several open heads, closed heads, bookmarks, tags and HEAD', () => {
    const ids = ['a', 'b', 'c', 'd'].map((c) => c.repeat(40))
    const branches = hgBranches(
      {
        heads: [
          { branch: b('default'), rev: 0, closed: false },
          { branch: b('default'), rev: 1, closed: false },
          { branch: b('old'), rev: 2, closed: true },
          { branch: b('stable'), rev: 3, closed: false },
        ],
        // `@` on a branch with no open tip: HEAD falls back to branch-tip/default.
        bookmarks: [{ name: b('@'), rev: 2, branch: b('old') }],
        tags: [{ name: b('v1'), rev: 3 }],
      },
      (rev) => ids[rev]!,
      () => 'e'.repeat(40),
    )
    const shown = Object.fromEntries(
      branches.map((x) => [
        text(x.name),
        x.target === null
          ? null
          : x.target.targetType === 'alias'
            ? `alias:${text(x.target.target)}`
            : `${x.target.targetType}:${x.target.target[0]!}`,
      ]),
    )
    expect(shown).toEqual({
      'tags/v1': 'release:e',
      'branch-tip/default': 'revision:a',
      'branch-heads/default/0': 'revision:a',
      'branch-heads/default/1': 'revision:b',
      'branch-tip/stable': 'revision:d',
      'branch-closed-heads/old/0': 'revision:c',
      'bookmarks/@': 'revision:c',
      HEAD: 'alias:branch-tip/default',
    })
  })
})
