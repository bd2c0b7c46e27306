import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeSnapshot, type SnapshotBranch, snapshotManifest, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { snapshotArb } from '../../arbitraries.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

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
      await s.snapshotAdd([snp])
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

    it('excludes a name prefix before paging: every page is full, the cursor exact', async () => {
      // 40 branches under the excluded prefix sort before the 7 kept ones: a page taken before
      // the exclusion would be empty while a next branch is announced.
      const rev = 'd'.repeat(40)
      const kept = ['refs/heads/main', 'refs/pull/1', 'refs/pull/2', 'refs/pull/3', 'refs/tags/v1']
      const branches: SnapshotBranch[] = [
        { name: utf8('HEAD'), target: { targetType: 'alias', target: utf8('refs/heads/main') } },
        // 0xff bytes right after the prefix, and a name equal to the prefix: excluded too.
        { name: new Uint8Array([...utf8('refs/changes/'), 0xff, 0xff]), target: null },
        { name: utf8('refs/changes/'), target: null },
        // Just past the prefix range (the byte after "/" is "0"): kept.
        { name: utf8('refs/changes0'), target: null },
        ...kept.map((n) => ({
          name: utf8(n),
          target: { targetType: 'revision' as const, target: rev },
        })),
      ]
      for (let i = 0; i < 40; i++)
        branches.push({ name: utf8(`refs/changes/${String(i).padStart(2, '0')}/1`), target: null })
      const snp = makeSnapshot(branches)
      await s.snapshotAdd([snp])
      const expected = ['HEAD', 'refs/changes0', ...kept]
      const pages: string[][] = []
      let from: Uint8Array | undefined
      for (;;) {
        const page = await s.snapshotGetBranches(snp.id, {
          branchesCount: 2,
          branchNameExcludePrefix: utf8('refs/changes/'),
          ...(from ? { branchesFrom: from } : {}),
        })
        pages.push(page!.branches.map((b) => Buffer.from(b.name).toString('latin1')))
        if (!page!.nextBranch) break
        from = page!.nextBranch
        expect(Buffer.from(from).toString('latin1')).toBe(expected[pages.flat().length])
      }
      expect(pages).toEqual([
        ['HEAD', 'refs/changes0'],
        ['refs/heads/main', 'refs/pull/1'],
        ['refs/pull/2', 'refs/pull/3'],
        ['refs/tags/v1'],
      ])
      const all = await s.snapshotGetBranches(snp.id, {
        branchNameExcludePrefix: utf8('refs/changes/'),
      })
      expect(all!.branches.map((b) => Buffer.from(b.name).toString('latin1'))).toEqual(expected)
      expect(all!.nextBranch).toBeNull()
      const none = await s.snapshotGetBranches(snp.id, { branchNameExcludePrefix: utf8('') })
      expect(none).toEqual({ id: snp.id, branches: [], nextBranch: null })
    })

    it('property: add twice, missing, get regenerates the manifest', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(snapshotArb, { maxLength: 4 }), async (snps) => {
          await counted(s, s.snapshotAdd(snps))
          expect((await counted(s, s.snapshotAdd(snps)))['snapshot:add'] ?? 0).toBe(0)
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
