/**
 * A mirror of a hostile journal, with real processes: the upstream's graph and bytes loaded by
 * `arca save` from real git repositories, its journal rewritten (shuffled, duplicated, corrupt
 * records appended) and served over a real socket; an `arca mirror` child replays it while a
 * checker reads the mirror's tables looking for dangling edges. The mirror is judged against
 * git (see ../helpers/mirror.ts).
 */
import { randomBytes } from 'node:crypto'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { EmbeddedJournal } from '../../src/journal/embedded/embedded-journal.js'
import { type JournalRecord, TOPICS } from '../../src/journal/interface.js'
import { encodeRecord } from '../../src/journal/serde.js'
import { MirrorState } from '../../src/mirror/state.js'
import type { Directory, Revision } from '../../src/model/objects.js'
import { arcaAsync } from '../helpers/cli.js'
import {
  checkWhile,
  counters,
  exited,
  expectMirrorOf,
  problems,
  save,
  serveUpstream,
  spawnMirror,
} from '../helpers/mirror.js'
import { makeHistoryRepo, makeRichRepo } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

let root: string
beforeAll(() => {
  root = makeTemp('arca-mirror-')
})
afterAll(() => removeTemp(root))

describe('arca mirror of a hostile journal', () => {
  it('holds back reordered objects, ignores duplicates, rejects and reports corrupt records', async () => {
    // The upstream's graph and bytes, with its journal rewritten: every topic shuffled, a third
    // of the records duplicated, and corrupt records appended.
    const repos = join(root, 'hostile-repos')
    const clean = join(root, 'hostile-clean')
    const sources = [makeHistoryRepo(repos, 80, 3), makeRichRepo(repos)]
    for (const repo of sources) save(clean, `file://${repo}`)
    const dir = join(root, 'hostile-up')
    cpSync(clean, dir, { recursive: true })
    rmSync(join(dir, 'journal'), { recursive: true, force: true })
    const source = new EmbeddedJournal({ root: join(clean, 'journal') })
    await source.open()
    const target = new EmbeddedJournal({ root: join(dir, 'journal'), fsync: false })
    await target.open()
    const rng = fc.sample(fc.integer({ min: 0, max: 1 << 30 }), { numRuns: 100_000, seed: 7 })
    let k = 0
    const corrupt: { topic: string; offset: number }[] = []
    let aDirectory: Directory | null = null
    let aRevision: Revision | null = null
    for (const topic of TOPICS) {
      const records: JournalRecord[] = []
      for await (const r of source.read(topic, 0)) records.push(r)
      for (const r of records.slice(0, Math.ceil(records.length / 3))) records.push(r)
      for (let i = records.length - 1; i > 0; i--) {
        const j = rng[k++ % rng.length]! % (i + 1)
        ;[records[i], records[j]] = [records[j]!, records[i]!]
      }
      if (records.length > 0)
        await target.append(
          topic,
          records.map((r) => ({ key: r.key, value: r.value })),
        )
      if (topic === 'directory' && records.length > 0) {
        const { decodeValue } = await import('../../src/journal/serde.js')
        aDirectory = decodeValue('directory', records[0]!.value)
      }
      if (topic === 'revision' && records.length > 0) {
        const { decodeValue } = await import('../../src/journal/serde.js')
        aRevision = decodeValue('revision', records[0]!.value)
      }
    }
    // Corrupt records: garbage, a truncated record, objects whose id does not match.
    const append = async (topic: (typeof TOPICS)[number], value: Uint8Array) => {
      const offset = await target.append(topic, [{ key: randomBytes(20), value }])
      corrupt.push({ topic, offset })
    }
    await append('directory', randomBytes(64))
    const good = encodeRecord('revision', aRevision!).value
    await append('revision', good.subarray(0, good.length - 7))
    await append(
      'directory',
      encodeRecord('directory', {
        ...aDirectory!,
        entries: aDirectory!.entries.map((e, i) =>
          i === 0 ? { ...e, perms: e.perms ^ 0o111 } : e,
        ),
      }).value,
    )
    await append(
      'revision',
      encodeRecord('revision', { ...aRevision!, message: new TextEncoder().encode('forged') })
        .value,
    )
    await source.close()
    await target.close()

    const up = await serveUpstream(dir)
    try {
      const mdir = join(root, 'hostile-mirror')
      const child = spawnMirror(mdir, up.server.url, up.token, ['--batch', '25'])
      const done = exited(child)
      const seen = await checkWhile(done, () => problems(mdir))
      expect(await done).toBe(1) // records were rejected
      expect(seen.filter((s) => s.includes('-> missing'))).toEqual([])
      await expectMirrorOf(mdir, sources)
      expect(await counters(mdir)).toEqual(await counters(clean))
      expect(await problems(mdir)).toEqual([])
      const state = new MirrorState(join(mdir, 'mirror', 'state.sqlite'))
      try {
        const rejects = state.rejects()
        expect(rejects.map((r) => `${r.topic}@${r.offset}`).sort()).toEqual(
          corrupt.map((c) => `${c.topic}@${c.offset}`).sort(),
        )
        expect(rejects.every((r) => r.reason.length > 10)).toBe(true)
        expect(state.topics().every((t) => t.held === 0)).toBe(true)
      } finally {
        state.close()
      }
      const st = await arcaAsync(['mirror', 'status', '--data', mdir, '--token', up.token])
      expect(st.stdout).toMatch(/rejected directory@\d+/)
    } finally {
      await up.close()
    }
  }, 300_000)
})
