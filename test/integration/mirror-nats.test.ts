/**
 * A mirror replaying a journal kept in NATS JetStream, with real processes: an upstream loaded
 * by `arca save` from a real git repository with its journal in NATS, its bytes served over a
 * real socket; the mirror is judged against git (see ../helpers/mirror.ts).
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { NatsJournal } from '../../src/journal/nats/nats-journal.js'
import { MirrorState } from '../../src/mirror/state.js'
import { arcaAsync } from '../helpers/cli.js'
import {
  counters,
  expectMirrorOf,
  mirrorOnce,
  problems,
  save,
  serveUpstream,
} from '../helpers/mirror.js'
import { makeRichRepo } from '../helpers/repos.js'
import { deleteNatsPrefix, NATS_SERVER, natsAvailable } from '../helpers/services.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const natsOk = await natsAvailable()

let root: string
beforeAll(() => {
  root = makeTemp('arca-mirror-')
})
afterAll(() => removeTemp(root))

if (natsOk) {
  describe('arca mirror from NATS JetStream', () => {
    it('replays a journal kept in NATS, with bytes from the feed', async () => {
      const prefix = `arcatest${randomBytes(4).toString('hex')}`
      const natsUrl = `nats://${NATS_SERVER}/${prefix}`
      try {
        const dir = join(root, 'up-nats')
        const rich = makeRichRepo(join(root, 'nats-repos'))
        save(dir, `file://${rich}`, ['--journal', natsUrl])
        const up = await serveUpstream(dir, natsUrl)
        try {
          const mdir = join(root, 'mirror-nats')
          const r = await mirrorOnce(mdir, natsUrl, up.token, ['--feed', up.server.url])
          expect(r.status, r.stderr).toBe(0)
          await expectMirrorOf(mdir, [rich])
          expect(await counters(mdir)).toEqual(await counters(dir))
          expect(await problems(mdir)).toEqual([])
          // The mirror read through its own durable consumers and acknowledged everything.
          const state = new MirrorState(join(mdir, 'mirror', 'state.sqlite'))
          const group = state.consumerGroup()
          state.close()
          const journal = new NatsJournal({ servers: NATS_SERVER, prefix })
          await journal.open()
          try {
            for (const topic of ['content', 'directory', 'revision', 'snapshot'] as const) {
              const end = await journal.endOffset(topic)
              expect(end).toBeGreaterThan(0)
              expect(await journal.committed(group, topic)).toBe(end)
            }
          } finally {
            await journal.close()
          }
          const v = await arcaAsync([
            'mirror',
            'verify',
            '--data',
            mdir,
            '--token',
            up.token,
            '--feed',
            up.server.url,
          ])
          expect(v.status, v.stdout + v.stderr).toBe(0)
        } finally {
          await up.close()
        }
      } finally {
        await deleteNatsPrefix(prefix)
      }
    }, 120_000)
  })
}
