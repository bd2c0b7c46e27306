/**
 * The journal conformance suite: one function, run against every journal backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type {
  Journal,
  JournalConsumeOptions,
  JournalDelivery,
  JournalRecord,
  Topic,
} from '../../../src/journal/interface.js'

/** How a backend's spec gives the suite a journal. */
export interface JournalSuiteContext {
  setup(): Promise<Journal>
  teardown(journal: Journal): Promise<void>
  /** Closes the journal and opens a new one on the same storage (as after a restart). */
  reopen(journal: Journal): Promise<Journal>
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

/** Takes `n` deliveries from a consumer, then leaves it (without acknowledging anything). */
async function take(
  j: Journal,
  group: string,
  topic: Topic,
  n: number,
  options: JournalConsumeOptions = {},
): Promise<JournalDelivery[]> {
  const out: JournalDelivery[] = []
  if (n === 0) return out
  for await (const d of j.consume(group, topic, options)) {
    out.push(d)
    if (out.length >= n) break
  }
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

    it('delivers to a consumer group in order from its position; acknowledged records never come again', async () => {
      await j.append(
        'extid',
        Array.from({ length: 10 }, (_, i) => ({ key: enc(`e${i}`), value: enc(`x${i}`) })),
      )
      const first = await take(j, 'g1', 'extid', 4)
      expect(first.map((d) => [d.offset, dec(d.key), dec(d.value), d.deliveries])).toEqual([
        [0, 'e0', 'x0', 1],
        [1, 'e1', 'x1', 1],
        [2, 'e2', 'x2', 1],
        [3, 'e3', 'x3', 1],
      ])
      await first[2]!.ack() // cumulative: 0, 1 and 2
      await first[0]!.ack() // older than the floor: changes nothing
      expect(await j.committed('g1', 'extid')).toBe(3)
      // Record 3 was delivered and never acknowledged: it comes first to the next consumer.
      const second = await take(j, 'g1', 'extid', 7, { untilEnd: true })
      expect(second.map((d) => d.offset)).toEqual([3, 4, 5, 6, 7, 8, 9])
      await second[6]!.ack()
      expect(await j.committed('g1', 'extid')).toBe(10)
      // Groups are independent; untilEnd stops at the end seen at the start.
      expect((await take(j, 'g2', 'extid', 100, { untilEnd: true })).map((d) => d.offset)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ])
      expect(await take(j, 'g1', 'extid', 100, { untilEnd: true })).toEqual([])
    })

    it('delivers again what is not acknowledged within the wait', async () => {
      const base = await j.endOffset('origin_visit')
      await j.append('origin_visit', [
        { key: enc('a'), value: enc('1') },
        { key: enc('b'), value: enc('2') },
      ])
      await j.commit('slow', 'origin_visit', base)
      const seen: [number, number][] = []
      for await (const d of j.consume('slow', 'origin_visit', { ackWaitMs: 400 })) {
        seen.push([d.offset - base, d.deliveries])
        if (seen.length === 3) {
          await d.ack()
          break
        }
      }
      // 0 and 1 delivered, neither acknowledged in 400 ms: 0 comes again.
      expect(seen).toEqual([
        [0, 1],
        [1, 1],
        [0, 2],
      ])
      expect(await j.committed('slow', 'origin_visit')).toBe(base + 1)
      const rest = await take(j, 'slow', 'origin_visit', 1, { ackWaitMs: 400 })
      expect(rest.map((d) => d.offset - base)).toEqual([1])
    })

    it('follows records appended while consuming', async () => {
      const base = await j.endOffset('skipped_content')
      await j.commit('follower', 'skipped_content', base)
      const controller = new AbortController()
      const got: string[] = []
      const appender = (async () => {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 50))
          await j.append('skipped_content', [{ key: enc(`s${i}`), value: enc('v') }])
        }
      })()
      for await (const d of j.consume('follower', 'skipped_content', {
        signal: controller.signal,
      })) {
        got.push(dec(d.key))
        await d.ack()
        if (got.length === 3) break
      }
      await appender
      expect(got).toEqual(['s0', 's1', 's2'])
      expect(await j.committed('follower', 'skipped_content')).toBe(base + 3)
    })

    it('keeps group positions across a restart and delivers the unacknowledged again', async () => {
      const base = await j.endOffset('origin_visit_status')
      await j.append(
        'origin_visit_status',
        Array.from({ length: 5 }, (_, i) => ({ key: enc(`v${i}`), value: enc('s') })),
      )
      await j.commit('restart', 'origin_visit_status', base)
      const before = await take(j, 'restart', 'origin_visit_status', 3)
      await before[1]!.ack()
      j = await ctx.reopen(j)
      expect(await j.committed('restart', 'origin_visit_status')).toBe(base + 2)
      const after = await take(j, 'restart', 'origin_visit_status', 3, { untilEnd: true })
      expect(after.map((d) => d.offset - base)).toEqual([2, 3, 4])
    })

    it('survives a consumer that pauses between records', async () => {
      const base = await j.endOffset('release')
      const keys = Array.from({ length: 20 }, (_, i) => `r${i}`)
      await j.append(
        'release',
        keys.map((k) => ({ key: enc(k), value: enc('v') })),
      )
      await j.commit('pausing', 'release', base)
      const got: string[] = []
      // Following (no untilEnd), pausing twice for longer than a NATS pull's heartbeat interval:
      // a pull left open while the caller works would fail.
      for await (const d of j.consume('pausing', 'release')) {
        got.push(dec(d.key))
        if (got.length === 1 || got.length === 15) await new Promise((r) => setTimeout(r, 3000))
        await d.ack()
        if (got.length === keys.length) break
      }
      expect(got).toEqual(keys)
      expect(await j.committed('pausing', 'release')).toBe(base + keys.length)
    }, 30_000)

    it('rejects bad consumer groups', () => {
      expect(() => j.consume('a.b', 'content')).toThrow(/group/)
      expect(() => j.consume('', 'content')).toThrow(/group/)
    })

    it('rejects unknown topics and bad offsets', async () => {
      await expect(j.append('nope' as Topic, [])).rejects.toThrow(/topic/)
      expect(() => j.read('content', -1)).toThrow(/offset/)
    })
  })
}
