import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeExtId, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

/** External ids. */
export function extidTests(ctx: StorageSuiteContext): void {
  describe('extid', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('maps external ids to SWHIDs both ways, by version', async () => {
      const node = utf8(uniq('hgnode'))
      const target = { type: 'rev' as const, id: 'd'.repeat(40) }
      const e0 = makeExtId({
        extidType: 'hg-nodeid',
        extid: node,
        extidVersion: 0,
        target,
        payloadType: null,
        payload: null,
      })
      const e1 = makeExtId({
        extidType: 'hg-nodeid',
        extid: node,
        extidVersion: 1,
        target,
        payloadType: null,
        payload: null,
      })
      expect((await counted(s, s.extidAdd([e0, e1, e0])))['extid:add']).toBe(2)
      expect((await s.extidGetFromExtid('hg-nodeid', [node])).map((e) => e.id).sort()).toEqual(
        [e0.id, e1.id].sort(),
      )
      expect(await s.extidGetFromExtid('hg-nodeid', [node], { version: 1 })).toEqual([e1])
      expect(
        (await s.extidGetFromTarget(target, { extidType: 'hg-nodeid', version: 0 })).map(
          (e) => e.id,
        ),
      ).toContain(e0.id)
      expect(await s.extidGetFromExtid('bzr-nodeid', [node])).toEqual([])
    })
  })
}
