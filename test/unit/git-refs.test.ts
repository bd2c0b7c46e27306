/**
 * The ref rules of snapshots, case by case (swh-loader-git's `ignore_branch_name` and
 * `get_snapshot`): which names are left out, and how symbolic refs to missing names are kept.
 */
import { describe, expect, it } from 'vitest'

import { isIgnoredRef, refsToBranches } from '../../src/fromdisk/git-refs.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const oid = 'a'.repeat(40)

describe('isIgnoredRef', () => {
  it('leaves out peeled names, auto-merges, pipelines and Gerrit changes only', () => {
    const left = [
      'refs/tags/v1^{}',
      'refs/^{}',
      'refs/pull/10/merge',
      'refs/pull/xyz/merge',
      'refs/pull/merge',
      'refs/merge-requests/7/merge',
      'refs/pipelines/7856448',
      'refs/changes/31/788231/1',
    ]
    const kept = [
      'HEAD',
      'refs/heads/master',
      'refs/{}',
      'refs/pull/10/head',
      'refs/pull/10/merged',
      'refs/heads/refs/pull/1/merge',
      'refs/merge-requests/7/head',
      'refs/heads/pipelines/1',
      'refs/changes',
      'refs/notes/commits',
    ]
    for (const n of left) expect(isIgnoredRef(b(n)), n).toBe(true)
    for (const n of kept) expect(isIgnoredRef(b(n)), n).toBe(false)
  })
})

describe('refsToBranches', () => {
  const names = (refs: Parameters<typeof refsToBranches>[0]): [string, unknown][] =>
    refsToBranches(refs, (o) => ({ targetType: 'revision', target: o }))
      .map((x): [string, unknown] => [
        Buffer.from(x.name).toString(),
        x.target === null
          ? null
          : x.target.targetType === 'alias'
            ? `-> ${Buffer.from(x.target.target).toString()}`
            : x.target.target,
      ])
      .sort((x, y) => (x[0] < y[0] ? -1 : 1))

  it('an alias to a missing name also records that name, null', () => {
    expect(names([{ name: b('HEAD'), oid: null, symref: b('refs/heads/main') }])).toEqual([
      ['HEAD', '-> refs/heads/main'],
      ['refs/heads/main', null],
    ])
  })

  it('an alias to another alias listed later leaves no null branch', () => {
    expect(
      names([
        { name: b('HEAD'), oid, symref: b('refs/heads/latest') },
        { name: b('refs/heads/latest'), oid, symref: b('refs/heads/main') },
        { name: b('refs/heads/main'), oid, symref: null },
      ]),
    ).toEqual([
      ['HEAD', '-> refs/heads/latest'],
      ['refs/heads/latest', '-> refs/heads/main'],
      ['refs/heads/main', oid],
    ])
  })

  it('an alias to a left-out name keeps the alias and records the name null', () => {
    expect(
      names([
        { name: b('HEAD'), oid, symref: b('refs/pull/1/merge') },
        { name: b('refs/pull/1/merge'), oid, symref: null },
        { name: b('refs/pipelines/1'), oid: null, symref: b('refs/heads/x') },
      ]),
    ).toEqual([
      ['HEAD', '-> refs/pull/1/merge'],
      ['refs/pull/1/merge', null],
    ])
  })

  it('a plain ref without an object is not a branch', () => {
    expect(names([{ name: b('refs/heads/x'), oid: null, symref: null }])).toEqual([])
  })
})
