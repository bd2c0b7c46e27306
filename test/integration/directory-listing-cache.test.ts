/**
 * Directory listings kept between requests (`storage/sql/listing-cache.ts`, rendered once by
 * `/api/1/directory/<id>/`) follow the archive at once: a directory listed, then masked, is
 * refused by the next request and served again when the mask is lifted; a content of the
 * listing removed, then stored again (hidden), by another connection to the archive (as
 * `arca remove` or a loader in another process) shows in the next listing; a removed directory
 * is not found. A client holding a listing's entity tag gets a 304 only while it is current
 * and visible. Ids, sizes and hashes come from git and node:crypto.
 */
import { createHash } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { makeContent, utf8 } from '../../src/index.js'
import { openArchive } from '../../src/storage/archive.js'
import { type Fixture, get, makeFixture, mask, SECRET, unmask } from '../helpers/masking-fixture.js'
import { git } from '../helpers/repos.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'

interface Entry {
  name: string
  type: string
  target: string
  perms: number
  length?: number | null
  status?: string
  checksums?: Record<string, string> | null
  target_url: string
}

async function listing(f: Fixture, id: string): Promise<{ status: number; body: string }> {
  const res = await get(f, `/api/1/directory/${id}/`)
  return { status: res.status, body: await res.text() }
}

/** A listing asked with `If-None-Match`. */
async function revalidate(f: Fixture, id: string, etag: string) {
  const res = await get(f, `/api/1/directory/${id}/`, { headers: { 'If-None-Match': etag } })
  return { status: res.status, etag: res.headers.get('etag'), body: await res.text() }
}

const sha1Tag = (body: string) => `"${createHash('sha1').update(body).digest('hex')}"`

function suite(
  name: string,
  db: () => Promise<{ url?: string; drop?: () => Promise<void> } | null>,
) {
  describe(`directory listings given again follow the archive (${name})`, () => {
    let f: Fixture | null = null
    let storageUrl: string | undefined
    let drop: (() => Promise<void>) | undefined
    beforeAll(async () => {
      const d = await db()
      if (d === null) return
      storageUrl = d.url
      drop = d.drop
      f = await makeFixture(storageUrl)
    }, 120_000)
    afterAll(async () => {
      await f?.cleanup()
      await drop?.()
    })

    it('a listed directory, then masked, is refused at once; lifted, served as before', async (t) => {
      if (!f) return t.skip()
      const first = await listing(f, f.root)
      expect(first.status).toBe(200)
      // What git says the tree holds.
      const lsTree = git(f.repo, ['ls-tree', 'main'])
        .trim()
        .split('\n')
        .map((l) => {
          const [meta, name] = l.split('\t') as [string, string]
          const [mode, type, id] = meta.split(' ') as [string, string, string]
          return { name, perms: parseInt(mode, 8), type: type === 'tree' ? 'dir' : 'file', id }
        })
      const entries = JSON.parse(first.body) as Entry[]
      expect(entries.map((e) => [e.name, e.perms, e.type, e.target])).toEqual(
        lsTree.map((e) => [e.name, e.perms, e.type, e.id]),
      )
      expect((await listing(f, f.root)).body).toBe(first.body)
      // The entity tag is the body's SHA-1; a client holding it gets a 304.
      const etag = sha1Tag(first.body)
      expect((await get(f, `/api/1/directory/${f.root}/`)).headers.get('etag')).toBe(etag)
      expect(await revalidate(f, f.root, etag)).toEqual({ status: 304, etag, body: '' })
      expect(await revalidate(f, f.root, `"x", W/${etag}`)).toMatchObject({ status: 304 })
      expect(await revalidate(f, f.root, '"x"')).toMatchObject({ status: 200, body: first.body })

      await mask(f, 'ls1', [`swh:1:dir:${f.root}`])
      try {
        const masked = await listing(f, f.root)
        expect(masked.status).toBe(403)
        expect(JSON.parse(masked.body)).toMatchObject({ exception: 'MaskedObjectException' })
        expect((await revalidate(f, f.root, etag)).status).toBe(403)
      } finally {
        await unmask(f, 'ls1', [`swh:1:dir:${f.root}`])
      }
      expect(await listing(f, f.root)).toEqual(first)
    })

    it('a content removed, then stored again hidden, by another connection shows at once', async (t) => {
      if (!f) return t.skip()
      const bytes = utf8(`${SECRET}\n`)
      const sha1 = createHash('sha1').update(bytes).digest('hex')
      const secretOf = (body: string) =>
        (JSON.parse(body) as Entry[]).find((e) => e.name === 'secret.txt')
      const before = await listing(f, f.root)
      expect(secretOf(before.body)).toMatchObject({
        target: f.secret,
        length: Number(git(f.repo, ['cat-file', '-s', f.secret]).trim()),
        status: 'visible',
        checksums: { sha1, sha1_git: f.secret },
      })
      expect((await listing(f, f.root)).body).toBe(before.body)

      const other = await openArchive({
        dataDir: f.archive.dataDir,
        ...(storageUrl ? { storageUrl } : {}),
      })
      try {
        expect(await other.backend.removeObjects([`swh:1:cnt:${f.secret}`])).toBe(1)
        const removed = await listing(f, f.root)
        expect(removed.status).toBe(200)
        expect(secretOf(removed.body)).toMatchObject({
          target: f.secret,
          length: null,
          status: 'absent',
          checksums: null,
        })
        // The other entries are as they were.
        const others = (body: string) =>
          (JSON.parse(body) as Entry[]).filter((e) => e.name !== 'secret.txt')
        expect(others(removed.body)).toEqual(others(before.body))
        expect((await listing(f, f.root)).body).toBe(removed.body)
        expect(await revalidate(f, f.root, sha1Tag(before.body))).toMatchObject({
          status: 200,
          etag: sha1Tag(removed.body),
          body: removed.body,
        })

        const content = { ...makeContent(bytes), status: 'hidden' as const, data: bytes }
        expect(content.sha1Git).toBe(f.secret)
        await other.backend.contentAdd([content])
        const hidden = await listing(f, f.root)
        expect(secretOf(hidden.body)).toMatchObject({
          length: bytes.length,
          status: 'hidden',
          checksums: { sha1, sha1_git: f.secret },
        })

        expect((await listing(f, f.docsDir)).status).toBe(200)
        expect((await listing(f, f.docsDir)).status).toBe(200)
        expect(await other.backend.removeObjects([`swh:1:dir:${f.docsDir}`])).toBe(1)
      } finally {
        await other.close()
      }
      // Listed before (kept), then removed: not found.
      expect((await listing(f, f.docsDir)).status).toBe(404)
    })
  })
}

suite('SQLite', () => Promise.resolve({}))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? await createTestDatabase() : null))
