import { createHash } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  makeContent,
  makeDirectory,
  makeRelease,
  makeRevision,
  makeSnapshot,
  utf8,
} from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import type { StorageRemoval } from '../../../src/storage/removal.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

/**
 * Removal: reverse references through the indexed edges, revision edges for the parent scan,
 * deletion of objects (rows, counters, content bytes, origin search), the audit tables.
 */
export function removalTests(ctx: StorageSuiteContext): void {
  describe('removal', () => {
    let s: Storage
    let r: StorageRemoval
    beforeAll(async () => {
      s = await ctx.setup()
      r = ctx.removal(s)
    })
    afterAll(async () => ctx.teardown(s))

    it('finds referrers, scans revision edges, deletes top-down and keeps the rest', async () => {
      const tag = uniq('rm')
      const d1 = utf8(`${tag} one`)
      const d2 = utf8(`${tag} two`)
      const c1 = { ...makeContent(d1), data: d1 }
      const c2 = { ...makeContent(d2), data: d2 }
      await s.contentAdd([c1, c2])
      const leaf = makeDirectory({
        entries: [{ name: utf8('a'), type: 'file', perms: 0o100644, target: c1.sha1Git }],
      })
      const top = makeDirectory({
        entries: [
          { name: utf8('b'), type: 'file', perms: 0o100644, target: c2.sha1Git },
          { name: utf8('sub'), type: 'dir', perms: 0o40000, target: leaf.id },
        ],
      })
      await s.directoryAdd([leaf, top])
      const rev = (dir: string, parents: string[], msg: string) =>
        makeRevision({
          directory: dir,
          parents,
          author: null,
          committer: null,
          date: null,
          committerDate: null,
          message: utf8(`${tag} ${msg}`),
        })
      const r1 = rev(leaf.id, [], 'first')
      const r2 = rev(top.id, [r1.id], 'second')
      await s.revisionAdd([r1, r2])
      const rel = makeRelease({
        name: utf8('v1'),
        target: r2.id,
        targetType: 'revision',
        author: null,
        date: null,
        message: utf8(tag),
      })
      await s.releaseAdd([rel])
      const snap = makeSnapshot([
        { name: utf8('refs/heads/main'), target: { targetType: 'revision', target: r1.id } },
        { name: utf8('refs/tags/v1'), target: { targetType: 'release', target: rel.id } },
      ])
      await s.snapshotAdd([snap])
      const url = `https://example.org/${tag}`
      await s.originAdd([{ url }])
      const [v] = await s.originVisitAdd([{ origin: url, date: new Date(), type: 'git' }])
      await counted(
        s,
        s.originVisitStatusAdd([
          {
            origin: url,
            visit: v!.visit,
            date: new Date(),
            type: 'git',
            status: 'full',
            snapshot: snap.id,
            metadata: null,
          },
        ]),
      )
      await s.flush()
      const oriId = createHash('sha1').update(url).digest('hex')

      // Indexed edges only: statuses, branches, release targets, root directories.
      const refs = await r.referrers([snap.id, rel.id, r1.id, r2.id, leaf.id, top.id, c1.sha1Git])
      const got = refs.map((x) => `${x.kind}:${x.id}->${x.target}`).sort()
      expect(got).toEqual(
        [
          `ori:${oriId}->${snap.id}`,
          `snp:${snap.id}->${rel.id}`,
          `snp:${snap.id}->${r1.id}`,
          `rel:${rel.id}->${r2.id}`,
          `rev:${r1.id}->${leaf.id}`,
          `rev:${r2.id}->${top.id}`,
        ].sort(),
      )
      // Revision edges, all pages, found again in id order.
      const edges = new Map<string, { directory: string; parents: readonly string[] }>()
      for (let after: string | null = null; ;) {
        const page = await r.scanRevisionEdges(after, 1)
        for (const e of page.items) edges.set(e.id, e)
        if (page.next === null) break
        after = page.next
      }
      expect(edges.get(r2.id)).toEqual({ id: r2.id, directory: top.id, parents: [r1.id] })
      expect(edges.get(r1.id)).toEqual({ id: r1.id, directory: leaf.id, parents: [] })

      // Remove the origin, snapshot, release, r2, top and c2; keep r1, leaf and c1.
      const before = await s.statCounters()
      const plan = [
        `swh:1:ori:${oriId}`,
        `swh:1:snp:${snap.id}`,
        `swh:1:rel:${rel.id}`,
        `swh:1:rev:${r2.id}`,
        `swh:1:dir:${top.id}`,
        `swh:1:cnt:${c2.sha1Git}`,
      ]
      expect(await r.removeObjects(plan)).toBe(6)
      expect(await s.originGet([url])).toEqual([null])
      expect(await s.snapshotGet([snap.id])).toEqual([null])
      expect(await s.releaseGet([rel.id])).toEqual([null])
      expect((await s.revisionGet([r1.id, r2.id])).map((x) => x?.id ?? null)).toEqual([r1.id, null])
      expect(await s.directoryMissing([leaf.id, top.id])).toEqual([top.id])
      expect(await s.contentMissing([c1.sha1Git, c2.sha1Git])).toEqual([c2.sha1Git])
      expect(await ctx.objstorage(s).has(c2.sha1Git)).toBe(false)
      expect(await ctx.objstorage(s).has(c1.sha1Git)).toBe(true)
      expect((await s.originSearch(tag)).results).toEqual([])
      expect(await r.referrers([snap.id, rel.id, r2.id, top.id])).toEqual([])
      const after = await s.statCounters()
      const diff = (k: keyof typeof after): number => before[k] - after[k]
      expect([
        diff('origin'),
        diff('origin_visit'),
        diff('origin_visit_status'),
        diff('snapshot'),
        diff('release'),
        diff('revision'),
        diff('directory'),
        diff('content'),
      ]).toEqual([1, 1, 1, 1, 1, 1, 1, 1])
      // A rerun deletes nothing more.
      expect(await r.removeObjects(plan)).toBe(0)
      expect(await s.statCounters()).toEqual(after)
    })

    it('a directory listed again shows contents stored, removed and stored hidden since', async () => {
      const tag = uniq('ls')
      // Nine files: four stored now, five later (one of them twice in the directory).
      const datas = Array.from({ length: 9 }, (_, i) => utf8(`${tag} file ${i}`))
      const cs = datas.map((d) => ({ ...makeContent(d), data: d }))
      const sha1 = (d: Uint8Array) => createHash('sha1').update(d).digest('hex')
      await s.contentAdd(cs.slice(0, 4))
      const entries = cs.map((c, i) => ({
        name: utf8(`f${i}`),
        type: 'file' as const,
        perms: 0o100644,
        target: c.sha1Git,
      }))
      entries.push({ name: utf8('twice'), type: 'file', perms: 0o100644, target: cs[8]!.sha1Git })
      const dir = makeDirectory({ entries })
      await s.directoryAdd([dir])
      await s.flush()
      const view = async () =>
        (await s.directoryLs(dir.id))?.map((e) => [e.length, e.status, e.sha1]) ?? null
      const want = (present: Map<number, string>) =>
        [...datas, datas[8]!].map((d, i) => {
          const st = present.get(i === 9 ? 8 : i)
          return st === undefined ? [null, null, null] : [d.length, st, sha1(d)]
        })
      const state = new Map([0, 1, 2, 3].map((i) => [i, 'visible']))
      expect(await view()).toEqual(want(state))
      expect(await view()).toEqual(want(state))
      await s.contentAdd(cs.slice(4))
      await s.flush()
      for (const i of [4, 5, 6, 7, 8]) state.set(i, 'visible')
      expect(await view()).toEqual(want(state))
      expect(
        await r.removeObjects([`swh:1:cnt:${cs[2]!.sha1Git}`, `swh:1:cnt:${cs[8]!.sha1Git}`]),
      ).toBe(2)
      state.delete(2)
      state.delete(8)
      expect(await view()).toEqual(want(state))
      await s.contentAdd([{ ...cs[2]!, status: 'hidden' }])
      await s.flush()
      state.set(2, 'hidden')
      expect(await view()).toEqual(want(state))
      expect(await view()).toEqual(want(state))
      expect(await r.removeObjects([`swh:1:dir:${dir.id}`])).toBe(1)
      expect(await s.directoryLs(dir.id)).toBeNull()
    })

    it('records removals with their plan, in order, and updates them', async () => {
      const id = uniq('removal')
      const date = new Date(1_700_000_000_123)
      const swhids = Array.from(
        { length: 700 },
        (_, i) => `swh:1:cnt:${i.toString(16).padStart(40, '0')}`,
      )
      await r.removalCreate(
        {
          id,
          date,
          actor: 'tester',
          reason: 'because',
          roots: ['https://example.org/x'],
          counts: { cnt: 700 },
          state: 'planned',
          bundle: null,
          finished: null,
        },
        swhids,
      )
      expect(await r.removalObjects(id, 0, 1000)).toEqual(swhids)
      expect(await r.removalObjects(id, 650, 10)).toEqual(swhids.slice(650, 660))
      await r.removalUpdate(id, { state: 'bundled', bundle: '/x/y.age' })
      await r.removalUpdate(id, { state: 'done', finished: new Date(1_700_000_001_000) })
      const rec = await r.removalGet(id)
      expect(rec).toEqual({
        id,
        date,
        actor: 'tester',
        reason: 'because',
        roots: ['https://example.org/x'],
        counts: { cnt: 700 },
        state: 'done',
        bundle: '/x/y.age',
        finished: new Date(1_700_000_001_000),
      })
      expect((await r.removalList()).map((x) => x.id)).toContain(id)
      expect(await r.removalGet(uniq('none'))).toBeNull()
    })
  })
}
