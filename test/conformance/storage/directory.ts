import { createHash } from 'node:crypto'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type DirectoryEntry, makeContent, makeDirectory, utf8 } from '../../../src/index.js'
import type { Storage } from '../../../src/storage/interface.js'
import { directoryArb } from '../../arbitraries.js'
import { counted, type StorageSuiteContext, uniq } from './context.js'

/** Directories: add, missing, get, listing, lookup by path. */
export function directoryTests(ctx: StorageSuiteContext): void {
  describe('directory', () => {
    let s: Storage
    beforeAll(async () => {
      s = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(s))

    it('lists one level and recursively, with content lengths, and finds entries by path', async () => {
      const fileData = utf8(uniq('file'))
      const file = { ...makeContent(fileData), data: fileData }
      await s.contentAdd([file])
      const leaf = makeDirectory({
        entries: [{ name: utf8('x.c'), type: 'file', perms: 0o100644, target: file.sha1Git }],
      })
      const nonUtf8 = Uint8Array.of(0x63, 0x61, 0x66, 0xe9)
      const root = makeDirectory({
        entries: [
          { name: utf8('src'), type: 'dir', perms: 0o40000, target: leaf.id },
          { name: nonUtf8, type: 'file', perms: 0o100755, target: file.sha1Git },
          { name: utf8('sub'), type: 'rev', perms: 0o160000, target: 'f'.repeat(40) },
        ],
      })
      await s.directoryAdd([leaf])
      await s.directoryAdd([root])
      const top = await s.directoryLs(root.id)
      expect(top?.map((e) => Buffer.from(e.name).toString('latin1'))).toEqual([
        'caf\xe9',
        'src',
        'sub',
      ])
      expect(top?.[0]).toMatchObject({
        length: file.length,
        status: 'visible',
        perms: 0o100755,
        dirId: root.id,
      })
      expect(top?.[2]).toMatchObject({ type: 'rev', length: null })
      const all = await s.directoryLs(root.id, { recursive: true })
      expect(all?.map((e) => Buffer.from(e.path).toString('latin1'))).toEqual([
        'caf\xe9',
        'src',
        'src/x.c',
        'sub',
      ])
      const byPath = await s.directoryEntryGetByPath(root.id, [utf8('src'), utf8('x.c')])
      expect(byPath).toMatchObject({ target: file.sha1Git, dirId: leaf.id, length: file.length })
      expect(Buffer.from(byPath!.path).toString()).toBe('src/x.c')
      expect(await s.directoryEntryGetByPath(root.id, [utf8('nope')])).toBeNull()
      expect(await s.directoryEntryGetByPath(root.id, [nonUtf8, utf8('deeper')])).toBeNull()
      expect(await s.directoryLs('0'.repeat(40))).toBeNull()
    })

    it('keeps raw manifests of non-canonical trees', async () => {
      const entries: DirectoryEntry[] = [
        {
          name: utf8(uniq('d')),
          type: 'dir',
          perms: 0o40000,
          target: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        },
      ]
      const canonical = makeDirectory({ entries })
      // Same entries written with a zero-padded mode, as some old git trees have.
      const body = Buffer.concat([
        Buffer.from('040000 '),
        Buffer.from(entries[0]!.name),
        Buffer.from([0]),
        Buffer.from(entries[0]!.target, 'hex'),
      ])
      const raw = Buffer.concat([Buffer.from(`tree ${body.length}\0`), body])
      const dir = makeDirectory({ entries, rawManifest: raw })
      expect(dir.id).not.toBe(canonical.id)
      await s.directoryAdd([dir])
      const [got] = await s.directoryGet([dir.id])
      expect(Buffer.from(got!.rawManifest!).equals(raw)).toBe(true)
      expect(got!.entries).toEqual(
        dir.entries.map((e) => ({ ...e, name: expect.anything() as unknown })),
      )
    })

    it("gives each tree object as git writes it (sorted by git's rule), raw manifests as kept", async () => {
      const blob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
      const sub = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
      const name = uniq('n')
      // Given out of order: git sorts "a.c" before the directory "a" (as "a/"), and bytes as bytes.
      const dir = makeDirectory({
        entries: [
          { name: utf8(`${name}a`), type: 'dir', perms: 0o40000, target: sub },
          { name: Uint8Array.of(0xe9), type: 'rev', perms: 0o160000, target: 'f'.repeat(40) },
          { name: utf8(`${name}a.c`), type: 'file', perms: 0o100755, target: blob },
        ],
      })
      await s.directoryAdd([dir])
      const entry = (mode: string, n: Buffer, id: string) =>
        Buffer.concat([Buffer.from(`${mode} `), n, Buffer.from([0]), Buffer.from(id, 'hex')])
      const body = Buffer.concat([
        entry('100755', Buffer.from(`${name}a.c`), blob),
        entry('40000', Buffer.from(`${name}a`), sub),
        entry('160000', Buffer.from([0xe9]), 'f'.repeat(40)),
      ])
      const expected = Buffer.concat([Buffer.from(`tree ${body.length}\0`), body])
      const [got, absent] = await s.directoryManifestGet([dir.id, '0'.repeat(40)])
      expect(Buffer.from(got!).equals(expected)).toBe(true)
      expect(createHash('sha1').update(got!).digest('hex')).toBe(dir.id)
      expect(absent).toBeNull()
      const rawBody = entry('040000', Buffer.from(uniq('r')), sub)
      const raw = Buffer.concat([Buffer.from(`tree ${rawBody.length}\0`), rawBody])
      const withRaw = makeDirectory({
        entries: [
          {
            name: rawBody.subarray(7, rawBody.indexOf(0)),
            type: 'dir',
            perms: 0o40000,
            target: sub,
          },
        ],
        rawManifest: raw,
      })
      await s.directoryAdd([withRaw])
      const [gotRaw] = await s.directoryManifestGet([withRaw.id])
      expect(Buffer.from(gotRaw!).equals(raw)).toBe(true)
    })

    it('property: add twice, missing, get round-trip', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(directoryArb, { maxLength: 5 }), async (dirs) => {
          await counted(s, s.directoryAdd(dirs))
          expect((await counted(s, s.directoryAdd(dirs)))['directory:add'] ?? 0).toBe(0)
          expect(await s.directoryMissing(dirs.map((d) => d.id))).toEqual([])
          const got = await s.directoryGet(dirs.map((d) => d.id))
          got.forEach((g, i) => {
            expect(g?.id).toBe(dirs[i]!.id)
            expect(
              g?.entries.map((e) => [
                Buffer.from(e.name).toString('hex'),
                e.type,
                e.perms,
                e.target,
              ]),
            ).toEqual(
              dirs[i]!.entries.map((e) => [
                Buffer.from(e.name).toString('hex'),
                e.type,
                e.perms,
                e.target,
              ]),
            )
          })
        }),
        { numRuns: 25 },
      )
    })
  })
}
