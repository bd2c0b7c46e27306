/**
 * The masking layer itself, on SQLite and PostgreSQL: immediate effect in the same process,
 * absent objects unaffected, origin listings, search and counts without masked origins,
 * histories without masked revisions; and a fresh mirror (`arca mirror` over the feed) of an
 * archive with a masked origin. Fixture: `test/helpers/masking-fixture.ts`.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { isArcaError } from '../../src/errors.js'
import { encodeRecord } from '../../src/journal/serde.js'
import { MirrorState } from '../../src/mirror/state.js'
import { walkArchive } from '../../src/mirror/verify.js'
import { openArchive } from '../../src/storage/archive.js'
import { MaskingStorage } from '../../src/storage/proxies/masking.js'
import { startServer } from '../../src/web/server.js'
import { ARCA_BIN } from '../helpers/cli.js'
import {
  type Fixture,
  makeFixture,
  mask,
  MASKED_ORIGIN,
  MASKED_ORIGIN_SWHID,
  unmask,
  VISIBLE_ORIGIN,
} from '../helpers/masking-fixture.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

describe('a mirror of an archive with a masked origin and file (arca mirror over the feed)', () => {
  let f: Fixture
  beforeAll(async () => {
    f = await makeFixture()
  }, 120_000)
  afterAll(async () => f?.cleanup())

  it('never receives them, replays everything else and the takedown, and stays whole', async () => {
    const ori = MASKED_ORIGIN_SWHID
    const cnt = `swh:1:cnt:${f.secret}`
    await mask(f, 'req-mirror', [ori, cnt])
    await f.archive.journal.append('takedown', [
      encodeRecord('takedown', {
        id: 'req-mirror',
        reason: 'court order',
        action: 'mask',
        swhids: [ori, cnt],
        date: new Date('2024-05-01T00:00:00Z'),
      }),
    ])
    const server = await startServer({
      archive: f.archive,
      port: 0,
      rateLimits: { disabled: true },
    })
    const dir = makeTemp('arca-mask-mirror-')
    try {
      // Asynchronous child: the upstream server lives in this process.
      const status = await new Promise<number | null>((resolve, reject) => {
        const p = spawn(
          process.execPath,
          [
            ARCA_BIN,
            'mirror',
            '--data',
            dir,
            '--upstream',
            server.url,
            '--token',
            f.token,
            '--once',
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        )
        p.stderr.resume()
        p.on('error', reject)
        p.on('close', resolve)
      })
      expect(status).toBe(0)
      const state = new MirrorState(join(dir, 'mirror', 'state.sqlite'))
      const rejects = state.rejects()
      state.close()
      expect(rejects).toEqual([])
      const mirror = await openArchive({ dataDir: dir })
      try {
        expect(await mirror.storage.originGet([MASKED_ORIGIN])).toEqual([null])
        expect((await mirror.storage.originGet([VISIBLE_ORIGIN]))[0]?.url).toBe(VISIBLE_ORIGIN)
        expect((await mirror.storage.originVisitGetLatest(VISIBLE_ORIGIN))?.status.snapshot).toBe(
          f.snapshot,
        )
        const masks = await mirror.storage.maskedGet([
          { type: 'ori', id: ori.slice(10) },
          { type: 'cnt', id: f.secret },
        ])
        expect([...masks.keys()].sort()).toEqual([cnt, ori].sort())
        // The file's bytes never reached the mirror: it is recorded as skipped, so the
        // directories, revisions and visits that reference it are complete (none held back).
        expect(await mirror.objstorage.has(f.secret)).toBe(false)
        expect(await mirror.storage.contentMissing([f.secret])).toEqual([f.secret])
        const [skipped] = await mirror.storage.skippedContentFind(f.secret)
        expect(skipped?.reason).toMatch(/Masked upstream/)
        expect(await mirror.storage.directoryMissing([f.root, f.docsDir])).toEqual([])
        expect(await mirror.storage.revisionMissing([f.head, f.second, f.first])).toEqual([])
        const walk = await walkArchive(mirror.storage, mirror.objstorage, { rehash: true })
        expect(walk.problems).toEqual([])
      } finally {
        await mirror.close()
      }
    } finally {
      await server.close()
      removeTemp(dir)
    }
  }, 120_000)
})

function layerSuite(
  label: string,
  setup: () => Promise<{ url?: string; drop?: () => Promise<void> } | null>,
): void {
  describe(`the masking layer (${label})`, () => {
    let f: Fixture
    let s: MaskingStorage
    let drop: (() => Promise<void>) | undefined
    beforeAll(async () => {
      const db = await setup()
      if (db === null) return
      drop = db.drop
      f = await makeFixture(db.url)
      s = new MaskingStorage(f.archive.storage)
    }, 120_000)
    afterAll(async () => {
      await f?.cleanup()
      await drop?.()
    })
    const masked = async (p: Promise<unknown>): Promise<unknown> => {
      try {
        await p
      } catch (e) {
        if (isArcaError(e) && e.code === 'masked') return e.details?.['masked']
        throw e
      }
      return null
    }

    it('object reads refuse masked objects at once, absent ones stay absent', async () => {
      const cnt = `swh:1:cnt:${f.secret}`
      const absent = `swh:1:cnt:${'0'.repeat(40)}`
      expect((await s.contentGet([f.secret]))[0]?.sha1Git).toBe(f.secret)
      expect(await f.archive.storage.maskedAny()).toBe(false)
      await mask(f, 'r1', [cnt, absent, `swh:1:dir:${f.docsDir}`, `swh:1:snp:${f.snapshot}`])
      expect(await f.archive.storage.maskedAny()).toBe(true)
      expect(await masked(s.directoryManifestGet([f.docsDir]))).not.toBeNull()
      expect(await masked(s.contentGet([f.secret]))).toEqual({
        [cnt]: [{ request: 'r1', state: 'restricted' }],
      })
      expect(await s.contentGet(['0'.repeat(40)])).toEqual([null])
      expect(await masked(s.contentLengthGet(['0'.repeat(40), f.secret]))).toEqual({
        [cnt]: [{ request: 'r1', state: 'restricted' }],
      })
      expect(await s.contentLengthGet(['0'.repeat(40)])).toEqual([null])
      expect(await masked(s.directoryLs(f.docsDir))).not.toBeNull()
      expect(await masked(s.directoryGet([f.docsDir]))).not.toBeNull()
      expect(
        await masked(
          s.directoryEntryGetByPath(f.root, [Buffer.from('docs'), Buffer.from('README.md')]),
        ),
      ).not.toBeNull()
      expect((await s.directoryEntryGetByPath(f.root, [Buffer.from('docs')]))?.target).toBe(
        f.docsDir,
      )
      expect(await masked(s.snapshotGet([f.snapshot]))).not.toBeNull()
      expect(await masked(s.snapshotGetBranches(f.snapshot))).not.toBeNull()
      expect(await masked(s.objectExists({ type: 'cnt', id: f.secret }))).not.toBeNull()
      expect(await s.objectExists({ type: 'cnt', id: '0'.repeat(40) })).toBe(false)
      // Listings name masked children.
      const names = ((await s.directoryLs(f.root)) ?? []).map((e) => Buffer.from(e.name).toString())
      expect(names).toEqual(expect.arrayContaining(['secret.txt', 'docs']))
      await unmask(f, 'r1', [cnt, absent, `swh:1:dir:${f.docsDir}`, `swh:1:snp:${f.snapshot}`])
      expect(await f.archive.storage.maskedAny()).toBe(false)
      expect((await s.contentGet([f.secret]))[0]?.sha1Git).toBe(f.secret)
      expect((await s.contentLengthGet([f.secret]))[0]?.status).toBe('visible')
      expect(await s.directoryLs(f.docsDir)).not.toBeNull()
    })

    it('origins: reads refuse, listings and counts leave them out', async () => {
      const ori = MASKED_ORIGIN_SWHID
      await mask(f, 'r2', [ori])
      try {
        expect(await masked(s.originGet([MASKED_ORIGIN]))).not.toBeNull()
        expect(await masked(s.originVisitGet(MASKED_ORIGIN))).not.toBeNull()
        expect(await masked(s.originVisitGetLatest(MASKED_ORIGIN))).not.toBeNull()
        expect(await masked(s.originVisitGetByNumber(MASKED_ORIGIN, 1))).not.toBeNull()
        expect(await masked(s.originVisitStatusGet(MASKED_ORIGIN, 1))).not.toBeNull()
        expect(await masked(s.originVisitStatusGetLatest(MASKED_ORIGIN, 1))).not.toBeNull()
        expect((await s.originGet([VISIBLE_ORIGIN]))[0]?.url).toBe(VISIBLE_ORIGIN)
        const urls = (await s.originSearch('example.org')).results.map((r) => r.url)
        expect(urls).toEqual([VISIBLE_ORIGIN])
        expect(await s.originSearchCount('example.org')).toBe(1)
        expect(await s.originSearchCount('taken')).toBe(0)
        expect((await s.originSearch('taken-.own', { regexp: true })).results).toEqual([])
        const listed = (await s.originList()).results.map((o) => o.url)
        expect(listed).toContain(VISIBLE_ORIGIN)
        expect(listed).not.toContain(MASKED_ORIGIN)
        // The most recent status is the masked origin's: the layer gives the next ones.
        const raw = await f.archive.storage.originVisitStatusGetRecent(10)
        expect(raw[0]!.origin).toBe(MASKED_ORIGIN)
        const recent = await s.originVisitStatusGetRecent(2)
        expect(recent).toEqual(raw.filter((r) => r.origin !== MASKED_ORIGIN).slice(0, 2))
        // The raw storage still has it (the layer only hides it).
        expect(await f.archive.storage.originSearchCount('example.org')).toBeGreaterThanOrEqual(2)
      } finally {
        await unmask(f, 'r2', [ori])
      }
      expect(await s.originSearchCount('taken')).toBe(1)
    })

    it('a history leaves out masked revisions but refuses a masked start', async () => {
      await mask(f, 'r3', [`swh:1:rev:${f.second}`])
      try {
        const ids: string[] = []
        for await (const r of s.revisionLog([f.head])) ids.push(r.id)
        expect(ids).toEqual([f.head, f.first])
        expect(await masked(s.revisionManifestGet([f.head, f.second]))).not.toBeNull()
        expect(await s.revisionManifestGet([f.head])).toHaveLength(1)
        expect(
          await masked(
            (async () => {
              for await (const _ of s.revisionLog([f.second])) void _
            })(),
          ),
        ).not.toBeNull()
      } finally {
        await unmask(f, 'r3', [`swh:1:rev:${f.second}`])
      }
    })
  })
}

layerSuite('SQLite', () => Promise.resolve({}))
layerSuite('PostgreSQL', async () =>
  (await postgresAvailable()) ? await createTestDatabase() : null,
)
