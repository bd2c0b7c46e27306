/**
 * Changeset grouping, with expectations worked by hand from cvs2gitdump's rules (docs/loader-cvs.md):
 * revisions of one author, message and branch join when their commitids are equal, or, with
 * none, when they fall within 300 s of a changeset's window; a merged changeset takes the
 * revisions of what it absorbs after its own, and is then compared again with the rest.
 */
import { describe, expect, it } from 'vitest'

import { ChangesetCollector } from './changesets.js'
import type { RcsDelta } from './rcs.js'

const enc = (s: string) => Buffer.from(s)

/** A file holding the given trunk revisions (all by `author`, with `log`). */
function file(
  n: number,
  revs: readonly { rev: string; date: number; commitid?: string }[],
  author = 'alice',
  log = 'same message',
) {
  const deltas = new Map<string, RcsDelta>()
  for (const r of revs)
    deltas.set(r.rev, {
      rev: r.rev,
      date: r.date,
      author: enc(author),
      state: 'Exp',
      branches: [],
      next: '',
      commitid: r.commitid ?? null,
    })
  return { file: n, symbols: new Map<string, string>(), deltas, log: () => enc(log) }
}

const shape = (c: ChangesetCollector) =>
  c.sorted().map((cs) => ({
    min: cs.minTime,
    max: cs.maxTime,
    revs: cs.revs.map((r) => `${r.file}:${r.rev}`),
  }))

describe('CVS changesets', () => {
  it('a revision between two windows joins the first added, which then joins the other', () => {
    const c = new ChangesetCollector()
    c.addFile(file(0, [{ rev: '1.1', date: 0 }]))
    c.addFile(file(1, [{ rev: '1.1', date: 600 }]))
    // 300 s from both: joins file 0's changeset ([0, 300]), which is then within 300 s of
    // file 1's: that one absorbs it, its own revision first
    c.addFile(file(2, [{ rev: '1.1', date: 300 }]))
    expect(shape(c)).toEqual([{ min: 0, max: 600, revs: ['1:1.1', '0:1.1', '2:1.1'] }])
  })

  it('windows further apart than 300 s stay apart; another author or message never joins', () => {
    const c = new ChangesetCollector()
    c.addFile(file(0, [{ rev: '1.1', date: 0 }]))
    c.addFile(file(1, [{ rev: '1.1', date: 301 }]))
    c.addFile(file(2, [{ rev: '1.1', date: 10 }], 'bob'))
    c.addFile(file(3, [{ rev: '1.1', date: 20 }], 'alice', 'other message'))
    expect(shape(c).map((s) => s.revs)).toEqual([['0:1.1'], ['2:1.1'], ['3:1.1'], ['1:1.1']])
  })

  it('equal commitids join at any distance; different ones or none never join them', () => {
    const c = new ChangesetCollector()
    c.addFile(file(0, [{ rev: '1.1', date: 0, commitid: 'A' }]))
    c.addFile(file(1, [{ rev: '1.1', date: 5000, commitid: 'A' }]))
    c.addFile(file(2, [{ rev: '1.1', date: 10, commitid: 'B' }]))
    c.addFile(file(3, [{ rev: '1.1', date: 20 }]))
    expect(shape(c)).toEqual([
      { min: 0, max: 5000, revs: ['0:1.1', '1:1.1'] },
      { min: 10, max: 10, revs: ['2:1.1'] },
      { min: 20, max: 20, revs: ['3:1.1'] },
    ])
  })

  it('thousands of commits of one author and message: each its own changeset, in time order', () => {
    const c = new ChangesetCollector()
    const n = 20_000
    // files added out of time order, each one revision 1,000 s from the next in time
    for (let i = 0; i < n; i++) {
      const t = ((i * 7919) % n) * 1000
      c.addFile(file(i, [{ rev: '1.1', date: t }]))
    }
    const got = c.sorted()
    expect(got).toHaveLength(n)
    expect(got.every((cs, i) => cs.minTime === i * 1000 && cs.revs.length === 1)).toBe(true)
  })
})
