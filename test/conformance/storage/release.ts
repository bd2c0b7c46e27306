import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { releaseManifest } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { releaseArb } from '../../arbitraries.js'
import { counted, type StorageSuiteContext } from './context.js'

/** Releases. */
export function releaseTests(ctx: StorageSuiteContext): void {
  describe('release', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('property: add twice, missing, get without loss', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(releaseArb, { maxLength: 5 }), async (rels) => {
          await counted(s, s.releaseAdd(rels))
          expect((await counted(s, s.releaseAdd(rels)))['release:add'] ?? 0).toBe(0)
          expect(await s.releaseMissing(rels.map((r) => r.id))).toEqual([])
          const got = await s.releaseGet(rels.map((r) => r.id))
          got.forEach((g, i) =>
            expect(
              Buffer.from(releaseManifest(g!)).equals(Buffer.from(releaseManifest(rels[i]!))),
            ).toBe(true),
          )
        }),
        { numRuns: 30 },
      )
    })
  })
}
