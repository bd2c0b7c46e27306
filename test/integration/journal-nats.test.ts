import { randomBytes } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import type { Journal } from '../../src/journal/interface.js'
import { NatsJournal, natsJournalInitFromUrl } from '../../src/journal/nats/nats-journal.js'
import { journalConformanceTests } from '../conformance/journal/index.js'
import { deleteNatsPrefix, NATS_SERVER, natsAvailable } from '../helpers/services.js'

const available = await natsAvailable()
const prefixes = new Map<Journal, string>()

if (available) {
  for (const fetchBatch of [1000, 7]) {
    journalConformanceTests(`NATS JetStream (fetch batch ${fetchBatch})`, {
      async setup() {
        const prefix = `arcatest${randomBytes(4).toString('hex')}`
        const j = new NatsJournal({ servers: NATS_SERVER, prefix, fetchBatch })
        await j.open()
        prefixes.set(j, prefix)
        return j
      },
      async teardown(j) {
        await j.close()
        await deleteNatsPrefix(prefixes.get(j)!)
      },
      async reopen(j) {
        const prefix = prefixes.get(j)!
        await j.close()
        const again = new NatsJournal({ servers: NATS_SERVER, prefix, fetchBatch })
        await again.open()
        prefixes.set(again, prefix)
        return again
      },
    })
  }

  describe('NATS journal', () => {
    it('keeps records and committed offsets across connections', async () => {
      const prefix = `arcatest${randomBytes(4).toString('hex')}`
      try {
        const a = new NatsJournal({ servers: NATS_SERVER, prefix })
        await a.open()
        await a.append('origin', [{ key: Uint8Array.of(1), value: Uint8Array.of(2, 3) }])
        await a.commit('m1', 'origin', 1)
        await a.close()
        const b = new NatsJournal({ servers: NATS_SERVER, prefix })
        await b.open()
        expect(await b.endOffset('origin')).toBe(1)
        expect(await b.committed('m1', 'origin')).toBe(1)
        const got = []
        for await (const r of b.read('origin', 0)) got.push([r.offset, [...r.key], [...r.value]])
        expect(got).toEqual([[0, [1], [2, 3]]])
        await b.close()
      } finally {
        await deleteNatsPrefix(prefix)
      }
    })

    it('parses journal URLs and rejects bad ones', () => {
      expect(natsJournalInitFromUrl('nats://127.0.0.1:4222/mirror1')).toEqual({
        servers: '127.0.0.1:4222',
        prefix: 'mirror1',
      })
      expect(() => natsJournalInitFromUrl('http://x')).toThrow(/not nats/)
      expect(() => new NatsJournal({ servers: 'x', prefix: 'a.b' })).toThrow(/prefix/)
    })
  })
} else {
  it.skip('NATS JetStream suites (server unreachable)', () => {})
}
