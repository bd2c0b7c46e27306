import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeContent, utf8 } from '../../../src/index.js'
import type { ContentWithData, Storage } from '../../../src/storage/interface.js'
import { contentArb } from '../../arbitraries.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'
import { GitObjects } from './git-objects.js'

const withBytes = (data: Uint8Array): ContentWithData => ({ ...makeContent(data), data })
const withData = (text: string): ContentWithData => withBytes(utf8(text))

/** Contents and skipped contents. */
export function contentTests(ctx: StorageSuiteContext): void {
  describe('content', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('contentAdd stores rows and bytes, and reports what was new', async () => {
      const a = withData(uniq('a'))
      const b = withData(uniq('b'))
      const first = await counted(s, s.contentAdd([a, b, a]))
      expect(first['content:add']).toBe(2)
      expect(first['content:add:bytes']).toBe(a.length + b.length)
      const again = await counted(s, s.contentAdd([a]))
      expect(again['content:add'] ?? 0).toBe(0)
    })

    it('contentMissing after add is empty; unknown ids are missing', async () => {
      const a = withData(uniq('m'))
      const unknown = withData(uniq('never')).sha1Git
      expect(await s.contentMissing([a.sha1Git, unknown])).toEqual([a.sha1Git, unknown])
      await s.contentAdd([a])
      expect(await s.contentMissing([a.sha1Git, unknown])).toEqual([unknown])
    })

    it('contentGet by any of the four hashes, in input order, null for a miss', async () => {
      const a = withData(uniq('g'))
      await s.contentAdd([a])
      const { data: _d, ...meta } = a
      for (const [name, value] of [
        ['sha1_git', a.sha1Git],
        ['sha1', a.sha1],
        ['sha256', a.sha256],
        ['blake2s256', a.blake2s256],
      ] as const) {
        const got = await s.contentGet(
          [value, '0'.repeat(name === 'sha256' || name === 'blake2s256' ? 64 : 40)],
          name,
        )
        expect(got[0]).toMatchObject({ ...meta, ctime: null })
        expect(got[1]).toBeNull()
      }
    })

    it('contentLengthGet: length and status by sha1_git, as git sizes the blobs', async () => {
      const git = new GitObjects()
      try {
        const bodies = [
          utf8(uniq('len')),
          new Uint8Array(0),
          utf8(`${uniq('lines')}\n`.repeat(500)),
          Uint8Array.of(0, 0xff, 0x0a, 0xe9),
        ]
        const hidden = utf8(uniq('hidden'))
        const skipped = utf8(uniq('skipped'))
        // Flushed (as `counted` does) so that no later test counts these adds.
        await counted(
          s,
          s.contentAdd([...bodies.map(withBytes), { ...withBytes(hidden), status: 'hidden' }]),
        )
        const ids = bodies.map((d) => git.write('blob', d))
        const hiddenId = git.write('blob', hidden)
        const skippedId = git.write('blob', skipped)
        const unknown = git.write('blob', utf8(uniq('never stored')))
        await counted(
          s,
          s.skippedContentAdd([
            {
              ...makeContent(skipped),
              status: 'absent',
              reason: 'Content too large',
              origin: null,
            },
          ]),
        )
        const visible = (id: string) => ({ length: git.size(id), status: 'visible' })
        expect(git.size(ids[1]!)).toBe(0)
        expect(await s.contentLengthGet([unknown, ...ids, hiddenId, ids[0]!, skippedId])).toEqual([
          null,
          ...ids.map(visible),
          { length: git.size(hiddenId), status: 'hidden' },
          visible(ids[0]!),
          null,
        ])
        expect(await s.contentLengthGet([])).toEqual([])
      } finally {
        git.remove()
      }
    })

    it('contentAddMetadata adds rows for bytes already in the content store', async () => {
      const a = withData(uniq('meta'))
      const { data, ...meta } = a
      await ctx.objstorage(s).add(a.sha1Git, data)
      expect((await s.contentAddMetadata([meta]))['content:add']).toBe(1)
      expect(await s.contentMissing([a.sha1Git])).toEqual([])
    })

    it('skipped contents keep hashes and reason, without bytes', async () => {
      const a = withData(uniq('big'))
      const skipped = {
        sha1: a.sha1,
        sha1Git: a.sha1Git,
        sha256: a.sha256,
        blake2s256: a.blake2s256,
        length: a.length,
        status: 'absent' as const,
        reason: 'Content too large',
        origin: 'https://example.org/x',
        ctime: null,
      }
      expect(await s.skippedContentMissing([skipped])).toHaveLength(1)
      expect(
        (await counted(s, s.skippedContentAdd([skipped, skipped])))['skipped_content:add'],
      ).toBe(1)
      expect(await s.skippedContentMissing([skipped])).toHaveLength(0)
      expect(await s.skippedContentFind(a.sha1Git)).toEqual([skipped])
      expect(await s.contentMissing([a.sha1Git])).toEqual([a.sha1Git])
    })

    it('property: adding twice changes nothing, missing after add is empty, get returns what was added', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(contentArb, { maxLength: 6 }), async (cs) => {
          await counted(s, s.contentAdd(cs))
          const second = await counted(s, s.contentAdd(cs))
          expect(second['content:add'] ?? 0).toBe(0)
          expect(await s.contentMissing(cs.map((c) => c.sha1Git))).toEqual([])
          const got = await s.contentGet(cs.map((c) => c.sha1Git))
          got.forEach((g, i) => expect(g?.sha256).toBe(cs[i]!.sha256))
        }),
        { numRuns: 25 },
      )
    })
  })
}
