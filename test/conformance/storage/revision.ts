import { createHash } from 'node:crypto'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeRevision, type Revision, revisionManifest, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { revisionArb } from '../../arbitraries.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'
import { GitObjects } from './git-objects.js'

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

    it('revisionManifestGet: the commit objects git writes of the same fields, raw ones as kept', async () => {
      const git = new GitObjects()
      try {
        const id = (x: string) => createHash('sha1').update(uniq(x)).digest('hex')
        const [p1, p2] = [id('p1'), id('p2')]
        const tag = uniq('commit')
        const latin1 = (t: string) => Buffer.from(t, 'latin1')
        const author = 'A U Thor <author@example.org>'
        const committer = 'C O Mitter <committer@example.org>'
        const bodies = [
          latin1(
            `tree ${EMPTY_TREE}\nparent ${p1}\nparent ${p2}\n` +
              `author ${author} 1700000000 +0130\ncommitter ${committer} 1700000123 -0000\n` +
              `encoding ISO-8859-1\nmergetag object ${p2}\n type commit\n tag v1\n\n` +
              `${tag} caf\xe9\n\nbody\n`,
          ),
          latin1(`tree ${EMPTY_TREE}\nauthor ${author} 1 +0000\ncommitter ${committer} 2 +0000\n`),
          // Not what the fields give (zero-padded date, two spaces): kept as a raw manifest.
          latin1(
            `tree ${EMPTY_TREE}\nparent ${p1}\nauthor ${author} 01700000000 +0000\n` +
              `committer  ${committer} 1700000000 +0000\n\n${tag} raw\n`,
          ),
        ]
        const ids = bodies.map((body) => git.write('commit', body))
        const when = (seconds: number, offset: string) => ({
          timestamp: { seconds, microseconds: 0 },
          offsetBytes: utf8(offset),
        })
        const person = (fullname: string) => ({ fullname: utf8(fullname) })
        const revs: Revision[] = [
          makeRevision({
            directory: EMPTY_TREE,
            parents: [p1, p2],
            author: person(author),
            committer: person(committer),
            date: when(1700000000, '+0130'),
            committerDate: when(1700000123, '-0000'),
            extraHeaders: [
              [utf8('encoding'), utf8('ISO-8859-1')],
              [utf8('mergetag'), utf8(`object ${p2}\ntype commit\ntag v1`)],
            ],
            message: latin1(`${tag} caf\xe9\n\nbody\n`),
          }),
          makeRevision({
            directory: EMPTY_TREE,
            author: person(author),
            committer: person(committer),
            date: when(1, '+0000'),
            committerDate: when(2, '+0000'),
            message: null,
          }),
          makeRevision({
            directory: EMPTY_TREE,
            parents: [p1],
            author: person(author),
            committer: person(committer),
            date: when(1700000000, '+0000'),
            committerDate: when(1700000000, '+0000'),
            message: latin1(`${tag} raw\n`),
            rawManifest: git.framed('commit', ids[2]!),
          }),
        ]
        expect(revs.map((r) => r.id)).toEqual(ids)
        await s.revisionAdd(revs)
        const unknown = id('unknown')
        const got = await s.revisionManifestGet([unknown, ...ids, ids[0]!])
        const expected = [...ids, ids[0]!].map((i) => git.framed('commit', i))
        expect(got[0]).toBeNull()
        expect(got.slice(1).map((m) => Buffer.from(m!).toString('hex'))).toEqual(
          expected.map((m) => m.toString('hex')),
        )
        expect(await s.revisionManifestGet([])).toEqual([])
      } finally {
        git.remove()
      }
    })

    it('revisionGet returns null for unknown ids, in input order', async () => {
      const got = await s.revisionGet(['0'.repeat(40), '1'.repeat(40)])
      expect(got).toEqual([null, null])
    })
  })
}
