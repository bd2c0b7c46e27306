import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeContent, makeDirectory, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { type StorageSuiteContext, uniq } from './context.js'

/** Counters follow what is stored, not what is offered. */
export function counterTests(ctx: StorageSuiteContext): void {
  describe('counters', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('count new objects only', async () => {
      const before = await s.statCounters()
      const data = utf8(uniq('count'))
      const c = { ...makeContent(data), data }
      const d = makeDirectory({
        entries: [{ name: utf8(uniq('n')), type: 'file', perms: 0o100644, target: c.sha1Git }],
      })
      await s.contentAdd([c, c])
      await s.contentAdd([c])
      await s.directoryAdd([d, d])
      const url = `https://count.example/${uniq('o')}`
      await s.originAdd([{ url }])
      const after = await s.statCounters()
      expect(after.content - before.content).toBe(1)
      expect(after.directory - before.directory).toBe(1)
      // An origin counts once it has a visit (Software Heritage counts visited origins).
      expect(after.origin - before.origin).toBe(0)
      expect(after.revision - before.revision).toBe(0)
      for (const date of [new Date('2024-01-01T00:00:00Z'), new Date('2024-01-02T00:00:00Z')])
        await s.originVisitAdd([{ origin: url, date, type: 'git' }])
      const visited = await s.statCounters()
      expect(visited.origin - before.origin).toBe(1)
      expect(visited.origin_visit - before.origin_visit).toBe(2)
    })
  })
}
