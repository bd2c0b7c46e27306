import { spawn } from 'node:child_process'
import { appendFileSync, readdirSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { EmbeddedJournal } from '../../src/journal/embedded/embedded-journal.js'
import type { Journal } from '../../src/journal/interface.js'
import { journalConformanceTests } from '../conformance/journal/index.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'
import { REPO_ROOT } from '../helpers/vectors.js'

const roots = new Map<Journal, string>()
for (const segmentBytes of [256 << 20, 4096]) {
  journalConformanceTests(`embedded (segments of ${segmentBytes} bytes)`, {
    async setup() {
      const root = makeTemp('arca-journal-')
      const j = new EmbeddedJournal({ root, segmentBytes, fsync: false })
      await j.open()
      roots.set(j, root)
      return j
    },
    async teardown(j) {
      await j.close()
      removeTemp(roots.get(j)!)
    },
    async reopen(j) {
      const root = roots.get(j)!
      await j.close()
      const again = new EmbeddedJournal({ root, segmentBytes, fsync: false })
      await again.open()
      roots.set(again, root)
      return again
    },
  })
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

async function count(j: Journal): Promise<number> {
  let n = 0
  for await (const _ of j.read('origin', 0)) n++
  return n
}

describe('embedded journal crash safety', () => {
  it('stops reading before a torn tail, and the next append cuts it off', async () => {
    const root = makeTemp('arca-journal-')
    try {
      const j = new EmbeddedJournal({ root })
      await j.open()
      await j.append('origin', [
        { key: enc('a'), value: enc('A') },
        { key: enc('b'), value: enc('B') },
      ])
      const seg = join(
        root,
        'origin',
        readdirSync(join(root, 'origin')).find((n) => n.endsWith('.log'))!,
      )
      // A crashed writer left half a record…
      appendFileSync(seg, Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 0, 0]))
      expect(await count(j)).toBe(2)
      expect(await j.endOffset('origin')).toBe(2)
      await j.append('origin', [{ key: enc('c'), value: enc('C') }])
      expect(await count(j)).toBe(3)
      // …or the end of the last record was lost.
      truncateSync(seg, statSync(seg).size - 1)
      expect(await count(j)).toBe(2)
      await j.append('origin', [{ key: enc('d'), value: enc('D') }])
      const keys: string[] = []
      for await (const r of j.read('origin', 0)) keys.push(new TextDecoder().decode(r.key))
      expect(keys).toEqual(['a', 'b', 'd'])
    } finally {
      removeTemp(root)
    }
  })

  it('two processes appending at once lose and corrupt nothing', async () => {
    const root = makeTemp('arca-journal-')
    try {
      const script = `
        const { EmbeddedJournal } = await import(${JSON.stringify(join(REPO_ROOT, 'dist/journal/embedded/embedded-journal.js'))})
        const j = new EmbeddedJournal({ root: process.argv[1], segmentBytes: 8192 })
        await j.open()
        const tag = process.argv[2]
        for (let i = 0; i < 200; i++) {
          await j.append('origin', [{ key: Buffer.from(tag + i), value: Buffer.alloc(100, i) }, { key: Buffer.from(tag + i + 'b'), value: Buffer.alloc(50, i) }])
        }
      `
      const run = (tag: string) =>
        new Promise<number | null>((resolve) => {
          const p = spawn(process.execPath, ['--input-type=module', '-e', script, root, tag], {
            stdio: 'inherit',
          })
          p.on('exit', resolve)
        })
      expect(await Promise.all([run('x'), run('y')])).toEqual([0, 0])
      const j = new EmbeddedJournal({ root })
      await j.open()
      const keys: string[] = []
      let expectedOffset = 0
      for await (const r of j.read('origin', 0)) {
        expect(r.offset).toBe(expectedOffset++)
        keys.push(new TextDecoder().decode(r.key))
      }
      expect(keys).toHaveLength(800)
      expect(new Set(keys).size).toBe(800)
      // Each writer's pairs stay together and in order.
      for (const tag of ['x', 'y']) {
        const mine = keys.filter((k) => k.startsWith(tag))
        expect(mine).toEqual(
          Array.from({ length: 200 }, (_, i) => [`${tag}${i}`, `${tag}${i}b`]).flat(),
        )
      }
    } finally {
      removeTemp(root)
    }
  })
})
