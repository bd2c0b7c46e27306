import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeRevision, revisionManifest, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { revisionArb } from '../../arbitraries.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** Revisions: add, get (lossless), log. */
export function revisionTests(ctx: StorageSuiteContext): void {
  describe('revision', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('revisionLog walks parents breadth first, each revision once, up to a limit', async () => {
      const mk = (msg: string, parents: string[]) =>
        makeRevision({
          directory: EMPTY_TREE,
          parents,
          author: null,
          committer: null,
          date: null,
          committerDate: null,
          message: utf8(msg),
        })
      const tag = uniq('log')
      const a = mk(`${tag} a`, [])
      const b = mk(`${tag} b`, [a.id])
      const c = mk(`${tag} c`, [a.id])
      const m = mk(`${tag} merge`, [b.id, c.id])
      await s.revisionAdd([a, b, c, m])
      const ids: string[] = []
      for await (const r of s.revisionLog([m.id])) ids.push(r.id)
      expect(ids).toEqual([m.id, b.id, c.id, a.id])
      const limited: string[] = []
      for await (const r of s.revisionLog([m.id], { limit: 2 })) limited.push(r.id)
      expect(limited).toEqual([m.id, b.id])
    })

    it('property: what is stored regenerates the same manifest (no loss of bytes)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(revisionArb, { maxLength: 5 }), async (revs) => {
          await counted(s, s.revisionAdd(revs))
          expect((await counted(s, s.revisionAdd(revs)))['revision:add'] ?? 0).toBe(0)
          expect(await s.revisionMissing(revs.map((r) => r.id))).toEqual([])
          const got = await s.revisionGet(revs.map((r) => r.id))
          got.forEach((g, i) => {
            expect(g).not.toBeNull()
            expect(
              Buffer.from(revisionManifest(g!)).equals(Buffer.from(revisionManifest(revs[i]!))),
            ).toBe(true)
          })
        }),
        { numRuns: 30 },
      )
    })

    it('revisionGet returns null for unknown ids, in input order', async () => {
      const got = await s.revisionGet(['0'.repeat(40), '1'.repeat(40)])
      expect(got).toEqual([null, null])
    })
  })
}
