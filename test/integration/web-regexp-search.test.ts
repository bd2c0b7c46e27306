/**
 * Origin search by regular expression cannot stall the server: against a real `arca serve`, a
 * pattern that makes a backtracking engine run for ever is answered (linear-time engine), the
 * server answers pings meanwhile and stops on SIGTERM; bad patterns are 400s naming why; a scan
 * past its time limit is a 503. On SQLite and, when it runs here, PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { isArcaError } from '../../src/errors.js'
import { openArchive } from '../../src/storage/archive.js'
import { compileOriginRegexp, regexpScan } from '../../src/storage/sql/origin-regexp.js'
import { type ServeProcess, startServe } from '../helpers/serve.js'
import { createTestDatabase, postgresAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

/** Catastrophic for a backtracking engine on a long URL without a final "z". */
const HOSTILE = '(.*.*.*.*.*)*Z$'
const LONG = `https://example.org/${'a'.repeat(60)}`
const QUIZ = 'https://example.org/quiz'
const OTHER = 'https://example.org/other'

async function seed(dataDir: string, storageUrl?: string): Promise<void> {
  const a = await openArchive({ dataDir, ...(storageUrl ? { storageUrl } : {}) })
  try {
    const urls = [LONG, QUIZ, OTHER]
    await a.storage.originAdd(urls.map((url) => ({ url })))
    // Search lists visited origins only (as Software Heritage does): give each one a visit.
    const date = new Date('2024-01-01T00:00:00Z')
    await a.storage.originVisitAdd(urls.map((origin) => ({ origin, date, type: 'git' })))
  } finally {
    await a.close()
  }
}

function search(base: string, pattern: string): Promise<Response> {
  return fetch(`${base}/api/1/origin/search/${encodeURIComponent(pattern)}/?use_regexp=true`)
}

interface Storage {
  url?: string
  drop?: () => Promise<void>
}

function suite(name: string, storage: () => Promise<Storage | null>) {
  describe(`origin search by regexp (arca serve, ${name})`, () => {
    let dir: string | undefined
    let serve: ServeProcess | undefined
    let st: Storage | null = null
    beforeAll(async () => {
      st = await storage()
      if (!st) return
      dir = makeTemp('arca-regexp-')
      await seed(dir, st.url)
      serve = await startServe(['--data', dir, ...(st.url ? ['--storage', st.url] : [])])
    }, 60_000)
    afterAll(async () => {
      await serve?.stop('SIGKILL')
      await st?.drop?.()
      if (dir) removeTemp(dir)
    })

    it('a hostile pattern is answered, pings answer meanwhile, SIGTERM stops the server', async (t) => {
      if (!serve) return t.skip()
      const pending = search(serve.url, HOSTILE)
      const pong = await fetch(`${serve.url}/api/1/ping/`)
      expect(pong.status).toBe(200)
      const res = await pending
      expect(res.status).toBe(200)
      expect(((await res.json()) as { url: string }[]).map((o) => o.url)).toEqual([QUIZ])
      expect(res.headers.get('x-total-count')).toBe('1')
      // Case-insensitive, unanchored, as before.
      const r2 = await search(serve.url, 'EXAMPLE\\.org/(quiz|other)$')
      expect(((await r2.json()) as { url: string }[]).map((o) => o.url)).toEqual([QUIZ, OTHER])
    }, 60_000)

    it('bad patterns are 400s that say what is wrong', async (t) => {
      if (!serve) return t.skip()
      for (const [pattern, why] of [
        ['(unclosed', /missing closing \)/],
        ['a(?=b)', /invalid or unsupported Perl syntax/],
        ['a'.repeat(1001), /too long/],
      ] as const) {
        const res = await search(serve.url, pattern)
        expect(res.status, pattern).toBe(400)
        const body = (await res.json()) as { exception: string; reason: string }
        expect(body.exception).toBe('BadInputExc')
        expect(body.reason).toMatch(why)
      }
    }, 60_000)

    it('SIGTERM ends the server after a hostile search', async (t) => {
      if (!serve) return t.skip()
      expect((await search(serve.url, HOSTILE)).status).toBe(200)
      expect(await serve.stop('SIGTERM')).toBe(0)
    }, 60_000)
  })
}

suite('SQLite', () => Promise.resolve({}))
suite('PostgreSQL', async () => ((await postgresAvailable()) ? await createTestDatabase() : null))

describe('regexpScan time limit', () => {
  it('a scan past its time limit is a 503 naming the pattern', async () => {
    const dir = makeTemp('arca-regexp-limit-')
    try {
      await seed(dir)
      const a = await openArchive({ dataDir: dir })
      try {
        const re = compileOriginRegexp('example')
        const where = { sql: '1 = 1', params: [] }
        expect(await regexpScan(a.backend.db, re, where)).toHaveLength(3)
        const e: unknown = await regexpScan(a.backend.db, re, where, { timeLimitMs: 0 }).catch(
          (x: unknown) => x,
        )
        expect(isArcaError(e) && e.code).toBe('unavailable')
        expect((e as Error).message).toMatch(/"example" did not finish within 0 s/)
      } finally {
        await a.close()
      }
    } finally {
      removeTemp(dir)
    }
  })
})
