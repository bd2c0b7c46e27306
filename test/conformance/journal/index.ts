/**
 * The journal conformance suite: one function, run against every journal backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Journal, JournalRecord, Topic } from '../../../src/journal/interface.js'

/** How a backend's spec gives the suite a journal. */
export interface JournalSuiteContext {
  setup(): Promise<Journal>
  teardown(journal: Journal): Promise<void>
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

async function readAll(
  j: Journal,
  topic: Topic,
  from: number,
  limit?: number,
): Promise<JournalRecord[]> {
  const out: JournalRecord[] = []
  for await (const r of j.read(topic, from, limit === undefined ? {} : { limit })) out.push(r)
  return out
}

/** Registers the journal conformance tests. */
export function journalConformanceTests(name: string, ctx: JournalSuiteContext): void {
  describe(`journal: ${name}`, () => {
    let j: Journal
    beforeAll(async () => {
      j = await ctx.setup()
    })
    afterAll(async () => ctx.teardown(j))

    it('appends with increasing offsets and reads from any offset', async () => {
      const start = await j.endOffset('revision')
      const first = await j.append('revision', [
        { key: enc('k1'), value: enc('v1') },
        { key: enc('k2'), value: enc('v2') },
      ])
      expect(first).toBe(start)
      const second = await j.append('revision', [{ key: enc('k3'), value: enc('v3') }])
      expect(second).toBe(start + 2)
      expect(await j.endOffset('revision')).toBe(start + 3)
      const all = await readAll(j, 'revision', start)
      expect(all.map((r) => [r.offset, dec(r.key), dec(r.value)])).toEqual([
        [start, 'k1', 'v1'],
        [start + 1, 'k2', 'v2'],
        [start + 2, 'k3', 'v3'],
      ])
      expect((await readAll(j, 'revision', start + 1, 1)).map((r) => dec(r.key))).toEqual(['k2'])
      expect(await readAll(j, 'revision', start + 3)).toEqual([])
    })

    it('keeps topics apart', async () => {
      const d0 = await j.endOffset('directory')
      const s0 = await j.endOffset('snapshot')
      await j.append('directory', [{ key: enc('d'), value: enc('dir') }])
      expect(await j.endOffset('directory')).toBe(d0 + 1)
      expect(await j.endOffset('snapshot')).toBe(s0)
    })

    it('reads many records in order, from offsets in the middle', async () => {
      const start = await j.endOffset('content')
      const n = 1500
      const batch = Array.from({ length: n }, (_, i) => ({
        key: enc(`c${i}`),
        value: enc(`value ${i} `.repeat(5)),
      }))
      await j.append('content', batch.slice(0, 700))
      await j.append('content', batch.slice(700))
      for (const from of [start, start + 1, start + 63, start + 64, start + 777, start + n - 1]) {
        const got = await readAll(j, 'content', from, 3)
        expect(got[0]!.offset).toBe(from)
        expect(dec(got[0]!.key)).toBe(`c${from - start}`)
      }
      const every = await readAll(j, 'content', start)
      expect(every).toHaveLength(n)
      every.forEach((r, i) => expect(r.offset).toBe(start + i))
    })

    it('commits and reads back consumer offsets per group and topic', async () => {
      expect(await j.committed('mirror-a', 'release')).toBe(0)
      await j.commit('mirror-a', 'release', 42)
      await j.commit('mirror-b', 'release', 7)
      expect(await j.committed('mirror-a', 'release')).toBe(42)
      expect(await j.committed('mirror-b', 'release')).toBe(7)
      expect(await j.committed('mirror-a', 'origin')).toBe(0)
    })

    it('rejects unknown topics and bad offsets', async () => {
      await expect(j.append('nope' as Topic, [])).rejects.toThrow(/topic/)
      expect(() => j.read('content', -1)).toThrow(/offset/)
    })
  })
}
