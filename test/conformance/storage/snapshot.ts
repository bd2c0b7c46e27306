import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeSnapshot, type SnapshotBranch, snapshotManifest, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { snapshotArb } from '../../arbitraries.js'
import { added, type StorageSuiteContext, uniq } from './context.js'

/** Snapshots: paging, filters, counts. */
export function snapshotTests(ctx: StorageSuiteContext): void {
  describe('snapshot', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('pages branches by name with branchesFrom/branchesCount, filters by target type, counts', async () => {
      const rev = 'a'.repeat(40)
      const branches: SnapshotBranch[] = [
        { name: utf8('HEAD'), target: { targetType: 'alias', target: utf8('refs/heads/b00') } },
        {
          name: utf8(`refs/tags/${uniq('t')}`),
          target: { targetType: 'release', target: 'b'.repeat(40) },
        },
        { name: utf8('refs/heads/gone'), target: null },
      ]
      for (let i = 0; i < 25; i++) {
        branches.push({
          name: utf8(`refs/heads/b${String(i).padStart(2, '0')}`),
          target: { targetType: 'revision', target: rev },
        })
      }
      const snp = makeSnapshot(branches)
      await added(s, s.snapshotAdd([snp]))
      const names: string[] = []
      let from: Uint8Array | undefined
      for (;;) {
        const page = await s.snapshotGetBranches(snp.id, {
          branchesCount: 10,
          ...(from ? { branchesFrom: from } : {}),
        })
        names.push(...page!.branches.map((b) => Buffer.from(b.name).toString()))
        if (!page!.nextBranch) break
        from = page!.nextBranch
      }
      expect(names).toEqual(snp.branches.map((b) => Buffer.from(b.name).toString()))
      const revs = await s.snapshotGetBranches(snp.id, {
        targetTypes: ['revision'],
        branchesCount: 100,
      })
      expect(revs!.branches).toHaveLength(25)
      const aliases = await s.snapshotGetBranches(snp.id, { targetTypes: ['alias'] })
      expect(aliases!.branches.map((b) => Buffer.from(b.name).toString())).toEqual(['HEAD'])
      expect(await s.snapshotCountBranches(snp.id)).toEqual({
        alias: 1,
        release: 1,
        revision: 25,
        null: 1,
      })
      const excluded = await s.snapshotGetBranches(snp.id, {
        branchNameExcludePrefix: utf8('refs/heads/b'),
        branchesCount: 100,
      })
      expect(excluded!.branches).toHaveLength(3)
      expect(await s.snapshotGetBranches('0'.repeat(40))).toBeNull()
    })

    it('property: add twice, missing, get regenerates the manifest', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(snapshotArb, { maxLength: 4 }), async (snps) => {
          await added(s, s.snapshotAdd(snps))
          expect((await added(s, s.snapshotAdd(snps)))['snapshot:add'] ?? 0).toBe(0)
          expect(await s.snapshotMissing(snps.map((x) => x.id))).toEqual([])
          const got = await s.snapshotGet(snps.map((x) => x.id))
          got.forEach((g, i) =>
            expect(
              Buffer.from(snapshotManifest(g!.branches)).equals(
                Buffer.from(snapshotManifest(snps[i]!.branches)),
              ),
            ).toBe(true),
          )
        }),
        { numRuns: 25 },
      )
    })
  })
}
