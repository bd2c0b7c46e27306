import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeRevision, makeSnapshot, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { type StorageSuiteContext, uniq } from './context.js'

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** The fork index: origins sharing a root revision, with ahead/behind of their heads. */
export function forkTests(ctx: StorageSuiteContext): void {
  describe('forks', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

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

    async function visit(url: string, head: string): Promise<void> {
      const snap = makeSnapshot([
        { name: utf8('HEAD'), target: { targetType: 'alias', target: utf8('refs/heads/main') } },
        { name: utf8('refs/heads/main'), target: { targetType: 'revision', target: head } },
      ])
      await s.snapshotAdd([snap])
      await s.originAdd([{ url }])
      const [v] = await s.originVisitAdd([{ origin: url, date: new Date(), type: 'git' }])
      await s.originVisitStatusAdd([
        {
          origin: url,
          visit: v!.visit,
          date: new Date(),
          type: 'git',
          status: 'full',
          snapshot: snap.id,
          metadata: null,
        },
      ])
    }

    it('lists origins sharing a root, with heads and ahead/behind, paged; not unrelated ones', async () => {
      const tag = uniq('fork')
      // Hand-worked history: root r, main a-b; fork adds c, d on a; other has its own root.
      const r = mk(`${tag} r`, [])
      const a = mk(`${tag} a`, [r.id])
      const bRev = mk(`${tag} b`, [a.id])
      const c = mk(`${tag} c`, [a.id])
      const d = mk(`${tag} d`, [c.id])
      const other = mk(`${tag} other`, [])
      await s.revisionAdd([r, a, bRev, c, d, other])
      const base = `https://example.org/${tag}`
      await visit(`${base}/main`, bRev.id)
      await visit(`${base}/clone`, bRev.id)
      await visit(`${base}/fork`, d.id)
      await visit(`${base}/unrelated`, other.id)

      const all = await s.originForks(`${base}/main`)
      expect(all?.total).toBe(2)
      expect(all?.results).toEqual([
        { url: `${base}/clone`, head: bRev.id, ahead: 0, behind: 0 },
        { url: `${base}/fork`, head: d.id, ahead: 2, behind: 1 },
      ])
      const p1 = await s.originForks(`${base}/main`, { limit: 1 })
      expect(p1?.results.map((x) => x.url)).toEqual([`${base}/clone`])
      const p2 = await s.originForks(`${base}/main`, { limit: 1, pageToken: p1!.nextPageToken })
      expect(p2?.results.map((x) => x.url)).toEqual([`${base}/fork`])
      expect(p2?.nextPageToken).toBeNull()
      expect((await s.originForks(`${base}/unrelated`))?.total).toBe(0)
      expect(await s.originForks(`${base}/never-visited`)).toBeNull()
    })
  })
}
