/**
 * The replayer's dependency ordering (`src/mirror/order.ts`), case by case: which objects of a
 * batch may be written, in what order, and which are held back waiting for what. Keys are
 * written by hand; the expected orders follow the rule "each object after everything it
 * references", worked out by hand for each batch.
 */
import { describe, expect, it } from 'vitest'

import { orderBatch } from '../../src/mirror/order.js'

const cnt1 = 'swh:1:cnt:' + '1'.repeat(40)
const cnt2 = 'swh:1:cnt:' + '2'.repeat(40)
const dir = 'swh:1:dir:' + 'd'.repeat(40)
const rev = 'swh:1:rev:' + 'e'.repeat(40)
const rel = 'swh:1:rel:' + 'f'.repeat(40)
const dir2 = 'swh:1:dir:' + 'a'.repeat(40)
const p1 = 'swh:1:rev:' + '3'.repeat(40)
const p2 = 'swh:1:rev:' + '4'.repeat(40)
const merge = 'swh:1:rev:' + '5'.repeat(40)
const snp = 'swh:1:snp:' + '6'.repeat(40)

const obj = (key: string, ...waitsFor: string[]): { key: string; waitsFor: string[] } => ({
  key,
  waitsFor,
})
const keys = (list: readonly { key: string }[]): string[] => list.map((o) => o.key)
const held = (list: readonly { key: string; waitsFor: string[] }[]): [string, string[]][] =>
  list.map((o) => [o.key, o.waitsFor])

describe('orderBatch', () => {
  it('writes children before parents when parents arrive first', () => {
    const batch = [obj(rel, rev), obj(rev, dir), obj(dir, cnt1, cnt2), obj(cnt2), obj(cnt1)]
    const out = orderBatch(batch, new Set())
    expect(keys(out.ready)).toEqual([cnt2, cnt1, dir, rev, rel])
    expect(out.held).toEqual([])
    expect([...out.readyKeys].sort()).toEqual([cnt1, cnt2, dir, rel, rev].sort())
  })

  it('keeps the batch order when children already come first', () => {
    const batch = [obj(cnt1), obj(dir, cnt1), obj(rev, dir)]
    expect(keys(orderBatch(batch, new Set()).ready)).toEqual([cnt1, dir, rev])
  })

  it('counts references present in the archive as met', () => {
    const out = orderBatch([obj(rev, dir), obj(dir, cnt1, cnt2)], new Set([cnt1, cnt2]))
    expect(keys(out.ready)).toEqual([dir, rev])
    expect(out.held).toEqual([])
  })

  it('holds back an object whose child is missing, and what waits for it', () => {
    const batch = [obj(rev, dir), obj(dir, cnt1, cnt2), obj(cnt2)]
    const out = orderBatch(batch, new Set())
    expect(keys(out.ready)).toEqual([cnt2])
    // Each held object names only what it still lacks: not cnt2, ready in this batch.
    expect(held(out.held)).toEqual([
      [rev, [dir]],
      [dir, [cnt1]],
    ])
  })

  it('releases held objects once the missing child arrives', () => {
    // First batch: cnt2 written; dir (lacks cnt1) and rev (lacks dir) held.
    const first = orderBatch([obj(rev, dir), obj(dir, cnt1, cnt2), obj(cnt2)], new Set())
    const archive = new Set(keys(first.ready))
    expect(keys(first.held)).toEqual([rev, dir])

    // Next batch: cnt1 arrives, and is written.
    const second = orderBatch([obj(cnt1)], archive)
    expect(keys(second.ready)).toEqual([cnt1])
    for (const k of second.readyKeys) archive.add(k)

    // The held objects waiting for it are re-checked (with the references they came with):
    // dir is now complete; rev, waiting for dir, follows it in the same pass.
    const released = orderBatch([obj(rev, dir), obj(dir, cnt1, cnt2)], archive)
    expect(keys(released.ready)).toEqual([dir, rev])
    expect(released.held).toEqual([])
  })

  it('releases in cascade, one level per re-check, when re-checked alone', () => {
    const archive = new Set([cnt1, cnt2])
    const a = orderBatch([obj(dir, cnt1, cnt2)], archive)
    expect(keys(a.ready)).toEqual([dir])
    for (const k of a.readyKeys) archive.add(k)
    const b = orderBatch([obj(rev, dir)], archive)
    expect(keys(b.ready)).toEqual([rev])
  })

  it('never writes a cycle: its members are held, each waiting for the other', () => {
    const out = orderBatch([obj(dir, rev), obj(rev, dir), obj(cnt1)], new Set())
    expect(keys(out.ready)).toEqual([cnt1])
    expect(held(out.held)).toEqual([
      [dir, [rev]],
      [rev, [dir]],
    ])
  })

  it('ignores a reference of an object to itself', () => {
    const out = orderBatch([obj(dir, dir, cnt1)], new Set([cnt1]))
    expect(keys(out.ready)).toEqual([dir])
  })

  it('writes both records of a duplicated object, and its dependents once', () => {
    const out = orderBatch([obj(dir, cnt1), obj(cnt1), obj(cnt1)], new Set())
    expect(keys(out.ready)).toEqual([cnt1, cnt1, dir])
    expect(out.held).toEqual([])
  })

  it('leaves an empty batch empty', () => {
    const out = orderBatch([], new Set([cnt1]))
    expect(out.ready).toEqual([])
    expect(out.held).toEqual([])
  })

  it('orders a diamond: a merge after both parents, the shared tree once before them', () => {
    // merge -> p1, p2, dir; p2 -> p1, dir; p1 -> dir; dir -> cnt1. Worked by hand: only cnt1
    // starts ready; dir follows it; dir releases p1 (its last need), p1 releases p2, p2 merge.
    const batch = [
      obj(merge, dir, p1, p2),
      obj(p2, dir, p1),
      obj(p1, dir),
      obj(dir, cnt1),
      obj(cnt1),
    ]
    const out = orderBatch(batch, new Set())
    expect(keys(out.ready)).toEqual([cnt1, dir, p1, p2, merge])
    expect(out.held).toEqual([])
  })

  it('holds a whole chain above a reference that is neither present nor in the batch', () => {
    // rev lacks a directory nobody sent; rel waits for rev, the snapshot for both.
    const out = orderBatch([obj(snp, rel, rev), obj(rel, rev), obj(rev, dir)], new Set())
    expect(out.ready).toEqual([])
    expect(held(out.held)).toEqual([
      [snp, [rel, rev]],
      [rel, [rev]],
      [rev, [dir]],
    ])
  })

  it('names only the unmet references of a held object, not those present', () => {
    // dir2 has cnt1 (present) and dir (held: lacks cnt2): it waits for dir alone.
    const out = orderBatch([obj(dir2, cnt1, dir), obj(dir, cnt2)], new Set([cnt1]))
    expect(out.ready).toEqual([])
    expect(held(out.held)).toEqual([
      [dir2, [dir]],
      [dir, [cnt2]],
    ])
  })
})
