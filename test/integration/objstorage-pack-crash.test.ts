/**
 * The pack store under kill -9 and concurrent writers: child processes (test/fixtures/
 * pack-writer.mjs, on the compiled dist/) write or compact; the test kills them mid-way, then
 * checks that every indexed content reads back whole and verified, and that a rerun finishes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { PackObjStorage } from '../../src/objstorage/pack/pack-objstorage.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const FIXTURE = join(import.meta.dirname, '../fixtures/pack-writer.mjs')

/** The contents the fixture writes for `seed` (same formula, computed here). */
function expected(seed: number, count: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    const data = Buffer.from(`content ${seed} ${i} ${'abc '.repeat((i * 37) % 3000)}\n`)
    out.set(createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex'), data)
  }
  return out
}

function run(
  args: string[],
  hold = false,
): { child: ChildProcess; lines: string[]; done: Promise<number> } {
  const child = spawn(process.execPath, [FIXTURE, ...args], {
    stdio: [hold ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(hold ? { PACK_WRITER_HOLD: '1' } : {}) },
  })
  const lines: string[] = []
  let err = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const done = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(err)
      resolve(code ?? -1)
    }),
  )
  return { child, lines, done }
}

/** Kills the child with SIGKILL as soon as one of its lines matches `re`. */
async function killWhen(p: ReturnType<typeof run>, re: RegExp): Promise<void> {
  for (;;) {
    if (p.lines.some((l) => re.test(l))) {
      p.child.kill('SIGKILL')
      break
    }
    if (p.child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 2))
  }
  await p.done
}

/** Opens the store and checks every indexed content against `want`; returns the ids found. */
async function checkStore(root: string, want: Map<string, Buffer>): Promise<Set<string>> {
  const s = new PackObjStorage({ root })
  await s.open()
  try {
    const found = new Set<string>()
    for await (const id of s.list()) {
      found.add(id)
      const data = want.get(id)
      expect(data, `unexpected content ${id}`).toBeDefined()
      expect(Buffer.from(await s.getBytes(id, { verify: true })).equals(data!)).toBe(true)
    }
    return found
  } finally {
    await s.close()
  }
}

describe('pack store crashes and concurrency', () => {
  it('a writer killed mid-pack leaves nothing torn or unindexed visible; a rerun finishes', async () => {
    const root = makeTemp('arca-packs-crash-')
    try {
      const want = expected(7, 400)
      const first = run(['write', root, '7', '400'])
      await killWhen(first, /^batch 3$/)
      expect(first.child.signalCode).toBe('SIGKILL')
      const partial = await checkStore(root, want)
      expect(partial.size).toBeGreaterThanOrEqual(75)
      expect(partial.size).toBeLessThan(400)
      const again = run(['write', root, '7', '400'])
      expect(await again.done).toBe(0)
      const all = await checkStore(root, want)
      expect(all.size).toBe(400)
      // the rerun claimed the dead writer's pack (truncating its tail) instead of a new one
      const s = new PackObjStorage({ root })
      await s.open()
      expect(s.stats().packs).toBe(1)
      await s.close()
    } finally {
      removeTemp(root)
    }
  })

  it('two writer processes append to their own packs and share the index', async () => {
    const root = makeTemp('arca-packs-two-')
    try {
      // a and b write at once; a then keeps its pack while c writes
      const a = run(['write', root, '1', '300'], true)
      const b = run(['write', root, '2', '300'])
      expect(await b.done).toBe(0)
      while (!a.lines.includes('holding')) await new Promise((r) => setTimeout(r, 5))
      const c = run(['write', root, '4', '100'])
      expect(await c.done).toBe(0)
      a.child.stdin!.end()
      expect(await a.done).toBe(0)
      const want = new Map([...expected(1, 300), ...expected(2, 300), ...expected(4, 100)])
      const found = await checkStore(root, want)
      expect(found.size).toBe(700)
      expect(readdirSync(root).filter((n) => n.endsWith('.pack')).length).toBeGreaterThanOrEqual(2)
    } finally {
      removeTemp(root)
    }
  })

  it('a compaction killed mid-way loses nothing; a rerun finishes and leaves no dead bytes', async () => {
    const root = makeTemp('arca-packs-compact-')
    try {
      const want = expected(3, 400)
      // many small packs
      expect(await run(['write', root, '3', '400', String(2 << 10)]).done).toBe(0)
      const s = new PackObjStorage({ root })
      await s.open()
      const gone = [...want.keys()].filter((_, i) => i % 2 === 0)
      for (const id of gone) await s.delete(id)
      const packs = s.stats().packs
      expect(packs).toBeGreaterThan(4)
      await s.close()
      for (const id of gone) want.delete(id)
      const compact = run(['compact', root])
      await killWhen(compact, /^pack 2\//)
      expect(compact.child.signalCode).toBe('SIGKILL')
      expect((await checkStore(root, want)).size).toBe(200)
      expect(await run(['compact', root]).done).toBe(0)
      expect((await checkStore(root, want)).size).toBe(200)
      const t = new PackObjStorage({ root })
      await t.open()
      const st = t.stats()
      expect(st.deadBytes).toBe(0)
      expect(st.orphanFiles).toBe(0)
      await t.close()
    } finally {
      removeTemp(root)
    }
  })
})
