/**
 * Per-visit limits in the loader core, for any producer: in-test producers that "receive" bytes
 * (reporting them as every loader does) or wait on the visit's signal as a transport does, run
 * by runLoad on real SQLite storage. The visit must end failed with a message naming the limit,
 * with no snapshot and no object stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { type LoadContext, type Producer, runLoad } from '../../src/loader/index.js'
import { type Archive, openArchive } from '../../src/storage/archive.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let data: string
let archive: Archive

beforeEach(async () => {
  data = makeTemp('arca-limits-')
  archive = await openArchive({ dataDir: data, writer: 'loader' })
})

afterEach(async () => {
  await archive.close()
  removeTemp(data)
})

/** A producer whose fetch is `fetch`; records whether the core went on to its objects. */
function producer(origin: string, fetch: (ctx: LoadContext) => Promise<void>) {
  const calls: string[] = []
  const p: Producer = {
    visitType: 'test',
    origin,
    fetch: (ctx) => {
      calls.push('fetch')
      return fetch(ctx)
    },
    async *objects() {
      calls.push('objects')
      yield* await Promise.resolve([])
    },
    branches: () => Promise.resolve([]),
    cleanup: () => void calls.push('cleanup'),
  }
  return { p, calls }
}

async function lastStatus(origin: string): Promise<{ status: string; snapshot: string | null }> {
  const latest = await archive.storage.originVisitGetLatest(origin)
  return { status: latest!.status.status, snapshot: latest!.status.snapshot }
}

describe('visit limits', () => {
  it('a producer reporting more fetch bytes than allowed is stopped at once', async () => {
    let chunks = 0
    const { p, calls } = producer('https://example.org/big', async (ctx) => {
      for (let i = 0; i < 10; i++) {
        ctx.stats.fetchedBytes += 1000
        ctx.report('fetch', { bytes: ctx.stats.fetchedBytes })
        chunks++
        await Promise.resolve()
      }
    })
    const r = await runLoad(p, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      maxFetchBytes: 2500,
    })
    expect(r.status).toBe('failed')
    expect(r.message).toBe(
      'fetch size limit of 2500 bytes exceeded (received 3000 bytes from the source)',
    )
    expect(chunks).toBe(2) // the third report threw
    expect(calls).toEqual(['fetch', 'cleanup'])
    expect(await lastStatus(p.origin)).toEqual({ status: 'failed', snapshot: null })
  })

  it('bytes counted without a report are checked before anything is stored', async () => {
    const { p, calls } = producer('https://example.org/quiet', (ctx) => {
      ctx.stats.fetchedBytes = 5000
      return Promise.resolve()
    })
    const r = await runLoad(p, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      maxFetchBytes: 4999,
    })
    expect(r.status).toBe('failed')
    expect(r.message).toMatch(/^fetch size limit of 4999 bytes exceeded/)
    expect(calls).toEqual(['fetch', 'cleanup'])
  })

  it('a producer waiting on its source is aborted at the time limit', async () => {
    const { p } = producer(
      'https://example.org/slow',
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal!.addEventListener('abort', () => reject(new Error('socket closed')))
        }),
    )
    const caller = new AbortController()
    const r = await runLoad(p, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      signal: caller.signal,
      timeLimitMs: 200,
    })
    expect(r.status).toBe('failed')
    expect(r.message).toBe('time limit of 0.2 s exceeded')
    expect(caller.signal.aborted).toBe(false)
    expect(await lastStatus(p.origin)).toEqual({ status: 'failed', snapshot: null })
  })

  it('within the limits the visit is full', async () => {
    const { p } = producer('https://example.org/fine', (ctx) => {
      ctx.stats.fetchedBytes = 100
      ctx.report('fetch', { bytes: 100 })
      return Promise.resolve()
    })
    const r = await runLoad(p, {
      storage: archive.storage,
      scratchDir: archive.tmpDir,
      maxFetchBytes: 100,
      timeLimitMs: 60_000,
    })
    expect(r.status).toBe('full')
  })
})
